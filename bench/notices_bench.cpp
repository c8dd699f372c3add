// Notices benchmark (issue 6 targets; results go to docs/performance.md):
//   1. building a notice run (one query over loans, copies, titles and patrons, the
//      homerooms, grouping and rendering both parts) for 2,000 homerooms with 50,000
//      overdue loans on SQLite (target: under 2 s);
//   2. delivering queued messages to a local SMTP server (aiosmtpd on loopback, the test
//      harness's script) over one connection (target: 100 messages a second or better).
// Usage: notices_bench [--loans 50000] [--homerooms 2000] [--messages 1000]
//                      [--backend sqlite|postgresql|mysql --connection SOCI-STRING]
// PostgreSQL and MariaDB: a running server and an existing database (its tables are emptied).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "adapters/smtp/mime.h"
#include "adapters/templates/mustache_renderer.h"
#include "adapters/timezone/tz_zone.h"
#include "bench/bench_db.h"
#include "daemon/homeroom_commands.h"
#include "daemon/notice_commands.h"

using namespace patrond;
using BenchClock = bench::Clock;
using bench::seconds;

namespace {

// One student per loan, `homerooms` homerooms at LHS, each with its teacher's address.
void populate(bench::BenchDb& db, long loans, long homerooms) {
  const std::string rooms = std::to_string(homerooms);
  if (db.backend() == DbBackend::kSqlite3) {
    db.exec("PRAGMA journal_mode = WAL");
  }
  db.exec(db.insertNumbers(
      "INSERT INTO patrons (district_id, barcode, first_name, last_name, site, patron_type, "
      "persona, grade, homeroom, homeroom_teacher_email, status, owner_job, seen_in_last_full)",
      db.cat({"'S'", "x"}) + ", " + db.cat({"'P'", "x"}) + ", 'Zoë', " + db.cat({"'Núñez'", "x"}) +
          ", 'LHS', 'Student', 'student', '9', " + db.cat({"'Room '", "x % " + rooms}) + ", " +
          db.cat({"'teacher'", "x % " + rooms, "'@example.org'"}) + ", 'active', 'students', 1",
      loans));
  db.exec(
      "INSERT INTO titles (title, isbn, replacement_price_cents) VALUES ('Algebra I', '978', "
      "7500)");
  db.exec(db.insertNumbers(
      "INSERT INTO copies (barcode, title_id, site, purchase_price_cents, "
      "copy_condition, value_cents, textbook, status, circulations, "
      "condition_circulations, updated_at)",
      db.cat({"'T'", "x"}) + ", 1, 'LHS', 6000, 'good', 4500, 1, 'checked_out', 0, 0, "
                             "'2026-08-20T10:00:00'",
      loans));
  db.exec(db.insertNumbers(
      "INSERT INTO loans (copy_id, patron_id, checked_out_at, due_date, "
      "status, overridden)",
      "x, x, '2026-08-20T10:00:00', " + db.dayAfter("2026-10-01", "x % 10") + ", 'open', 0",
      loans));
  db.analyze();
}

int freePort() {
  // The kernel's ephemeral range is busy with clients; a fixed high port plus the pid is fine
  // for a benchmark run by hand.
  return 30000 + static_cast<int>(getpid() % 20000);
}

}  // namespace

int main(int argc, char** argv) {
  long loans = 50000, homerooms = 2000, messages = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    long v = std::atol(argv[i + 1]);  // --backend and --connection: bench::BenchDb
    if (a == "--loans") {
      loans = v;
    } else if (a == "--homerooms") {
      homerooms = v;
    } else if (a == "--messages") {
      messages = v;
    }
  }
  std::string dir = std::filesystem::temp_directory_path() /
                    ("patrond-notices-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  bench::BenchDb db = bench::BenchDb::fromArgs(argc, argv);
  db.fresh(dir, "bench");
  populate(db, loans, homerooms);
  auto store = db.open();

  Config config;
  config.path = dir + "/patrond.yaml";
  config.district.name = "Springfield Unified";
  config.sites = {{"LHS", "Lincoln High", "high"}};
  int port = freePort();
  config.smtp = SmtpConfig{
      "127.0.0.1", port, SmtpSecurity::kNone, "", {}, "Libraries <library@example.org>", true, ""};
  NoticeConfig notice;
  notice.name = "weekly-overdues";
  notice.report = NoticeReport::kOverdue;
  CivilTime date{2026, 10, 16, 7, 0, 0};

  daemon::SystemClock clock;
  auto zone = tz::makeZone("UTC");
  if (!zone) {
    std::cerr << "bench: " << zone.error().describe() << "\n";
    return 1;
  }
  class Quiet final : public Log {
   public:
    void write(LogLevel, std::string_view) override {}
  } log;
  auto t0 = BenchClock::now();
  auto renderer0 = templates::makeNoticeRenderer(config, notice);
  if (!renderer0) {
    std::cerr << "bench: " << renderer0.error().describe() << "\n";
    return 1;
  }
  auto run = prepareNotice(*store, store->outbox(), **renderer0, config, notice, date);
  auto t1 = BenchClock::now();
  if (!run) {
    std::cerr << "bench: " << run.error().describe() << "\n";
    return 1;
  }
  std::printf("%s: build: %ld overdue loans, %zu homeroom messages built and rendered in %.2f s\n",
              db.name(), static_cast<long>(run->run.loans), run->run.messages.size(),
              seconds(t0, t1));
  {
    // Where that time goes, step by step (the same calls prepareNotice makes).
    auto a = BenchClock::now();
    auto rooms = currentHomerooms(*store, config);
    auto b = BenchClock::now();
    std::vector<NoticeRow> rows;
    (void)store->outbox().forEachNoticeRow(noticeSelection(notice, date),
                                           [&](const NoticeRow& r) { rows.push_back(r); });
    auto c = BenchClock::now();
    NoticeRun built = buildNoticeRun(notice, date, rows, *rooms);
    auto d = BenchClock::now();
    auto renderer = templates::makeNoticeRenderer(config, notice);
    for (const auto& m : built.messages) {
      (void)(*renderer)->render(built, m);
    }
    auto e = BenchClock::now();
    std::printf("  homerooms %.2f s, loan query %.2f s, grouping %.2f s, rendering %.2f s\n",
                seconds(a, b), seconds(b, c), seconds(c, d), seconds(d, e));
  }

  // Delivery: queue `messages` of them, then send over one connection.
  auto t2 = BenchClock::now();
  smtp::SenderMessageIds ids(config.smtp);
  std::vector<OutboxMessage> batch = outboxMessages(notice, *run, ids, clock, **zone, false);
  batch.resize(std::min(batch.size(), static_cast<size_t>(messages)));
  auto queuedCount = store->outbox().queue(batch);
  long queued = queuedCount ? *queuedCount : 0;
  auto t3 = BenchClock::now();
  pid_t server = fork();
  if (server == 0) {
    std::string spool = dir + "/spool";
    execl("/usr/bin/python3", "python3",
          (std::string(PATROND_SOURCE_DIR) + "/tests/support/smtp_server.py").c_str(), "--port",
          std::to_string(port).c_str(), "--spool", spool.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 200 && !std::filesystem::exists(dir + "/spool/ready"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto t4 = BenchClock::now();
  auto report = daemon::deliverOutboxDue(store->outbox(), config, clock, **zone, log);
  auto t5 = BenchClock::now();
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  if (!report) {
    std::cerr << "bench: " << report.error().describe() << "\n";
    return 1;
  }
  std::printf("queue: %ld messages queued in %.2f s\n", queued, seconds(t2, t3));
  std::printf("deliver: %d sent over one connection in %.2f s = %.0f messages/s%s%s\n",
              report->sent, seconds(t4, t5), report->sent / seconds(t4, t5),
              report->stoppedBy.empty() ? "" : "; stopped: ", report->stoppedBy.c_str());
  std::filesystem::remove_all(dir);
  return 0;
}
