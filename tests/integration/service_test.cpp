// `patrond run` as a process: readiness, SIGHUP with a broken config, SIGTERM, idle cost.
#include <gtest/gtest.h>
#include <signal.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

long cpuTicks(pid_t pid) {
  std::string stat = test::readFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) {
      utime = std::stol(field);
    } else if (i == 15) {
      stime = std::stol(field);
    }
  }
  return utime + stime;
}

long rssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

class Service : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    log_ = dir_ / "service.log";
  }
  bool logHas(const std::string& s) { return test::readFile(log_).find(s) != std::string::npos; }

  test::TempDir dir_;
  std::string config_, log_;
};

TEST_F(Service, ReloadKeepsOldConfigOnErrorsAndStopsCleanlyOnSigterm) {
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("running:"); }, 10s)) << test::readFile(log_);
  EXPECT_TRUE(logHas("scheduler: next"));

  std::string good = test::readFile(config_);
  test::writeFile(config_, good + "\nbogus_key: 1\n");
  p.signal(SIGHUP);
  ASSERT_TRUE(test::eventually([&] { return logHas("reload refused"); }, 5s))
      << test::readFile(log_);
  EXPECT_TRUE(logHas("unknown key 'bogus_key'"));
  EXPECT_TRUE(p.running());

  test::writeFile(config_, good);
  p.signal(SIGHUP);
  ASSERT_TRUE(test::eventually([&] { return logHas("configuration reloaded"); }, 5s));
  EXPECT_TRUE(p.running());

  auto start = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  int rc = p.wait(2s);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(rc, 0) << test::readFile(log_);
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(logHas("stopped"));
}

TEST_F(Service, SigintAlsoStopsCleanly) {
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("running:"); }, 10s)) << test::readFile(log_);
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(2s), 0);
}

TEST_F(Service, IdleServiceUsesNoCpuAndLittleMemory) {
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("running:"); }, 10s)) << test::readFile(log_);
  // Idleness can only be measured over time. The example's file import is due 5 s after
  // start (settle), so this window sees only idling: a busy poll would burn hundreds of
  // 10 ms ticks here; a few allow for a loaded CI machine.
  std::this_thread::sleep_for(500ms);
  long before = cpuTicks(p.pid());
  std::this_thread::sleep_for(3s);
  long after = cpuTicks(p.pid());
  EXPECT_LE(after - before, 3) << "CPU ticks (10 ms) used while idle";
  long rss = rssKb(p.pid());
  EXPECT_GT(rss, 0);
  EXPECT_LT(rss, 30 * 1024) << "RSS in KB";
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(2s), 0);
}

TEST_F(Service, BadConfigAtStartExitsTwo) {
  test::writeFile(config_, "district: {name: X}\nshedule: 1\n");
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_);
  EXPECT_EQ(p.wait(5s), 2);
  EXPECT_TRUE(logHas("unknown key 'shedule'"));
}

// The daily sweep is on the service's scheduler (circulation.sweep_at); at start the service
// also catches up on one it missed while down. Loans long overdue become lost, charged once.
TEST_F(Service, SweepsOverdueLoansToLostAtStartAndChargesOnce) {
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), PATROND_BIN);
    args.push_back("--config");
    args.push_back(config_);
    return test::run(args, {{"PATROND_CONFIG", ""}});
  };
  ASSERT_EQ(cli({"import", "students", "--as-of", "2020-08-20 02:00"}).exitCode, 0);
  ASSERT_EQ(cli({"items", "import", (dir_.path() / "conf/items/copies.csv").string()}).exitCode, 0);
  auto co =
      cli({"circ", "checkout", "S1002", "T0007", "--due", "2020-09-05", "--as-of", "2020-09-01"});
  ASSERT_EQ(co.exitCode, 0) << co.err;
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(
      test::eventually([&] { return logHas("circulation sweep: 1 loan(s) marked lost"); }, 10s))
      << test::readFile(log_);
  EXPECT_TRUE(logHas("41.63 charged"));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
  auto show = cli({"patrons", "show", "S1002", "--json"});
  EXPECT_NE(show.out.find("\"fine_balance\": \"41.63\""), std::string::npos) << show.out;
  // Started again: nothing more is charged.
  test::Process again({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(
      test::eventually([&] { return logHas("circulation sweep: 0 loan(s) marked lost"); }, 10s));
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(5s), 0);
  show = cli({"patrons", "show", "S1002", "--json"});
  EXPECT_NE(show.out.find("\"fine_balance\": \"41.63\""), std::string::npos) << show.out;
}

// Puts the example notice on a slot two minutes ago, `daysBack` days back, with the district
// on a fixed-offset zone (Etc/GMT-N) chosen so that its clock reads about noon now: two
// minutes ago is always the district's today, whatever the hour, without waiting for it.
void scheduleNoticeJustPast(const std::string& config, int daysBack) {
  using std::chrono::system_clock;
  std::time_t t = system_clock::to_time_t(system_clock::now());
  std::tm utcNow{};
  gmtime_r(&t, &utcNow);
  const int offset = 12 - utcNow.tm_hour;  // hours east of UTC, -11..12
  std::time_t shifted = t - 120 + offset * 3600;
  std::tm wall{};  // the district's wall time two minutes ago
  gmtime_r(&shifted, &wall);
  // Etc/GMT names have the sign the other way round: Etc/GMT-5 is five hours east.
  const std::string zone = offset == 0  ? "UTC"
                           : offset > 0 ? "Etc/GMT-" + std::to_string(offset)
                                        : "Etc/GMT+" + std::to_string(-offset);
  const char* days[] = {"sunday",   "monday", "tuesday", "wednesday",
                        "thursday", "friday", "saturday"};
  char at[6];
  std::snprintf(at, sizeof at, "%02d:%02d", wall.tm_hour, wall.tm_min);
  std::string yaml = test::readFile(config);
  auto replace = [&](const std::string& from, const std::string& to) {
    auto pos = yaml.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    yaml.replace(pos, from.size(), to);
  };
  replace("timezone: America/Chicago", "timezone: " + zone);
  replace("schedule: {days: [friday], at: \"07:00\"}", std::string("schedule: {days: [") +
                                                           days[(wall.tm_wday + 7 - daysBack) % 7] +
                                                           "], at: \"" + at + "\"}");
  test::writeFile(config, yaml);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++n;
  }
  return n;
}

// A notice slot earlier today, missed while the service was down, runs when it starts; a
// second start finds the slot's lease and leaves it alone.
TEST_F(Service, RunsANoticeSlotMissedEarlierTodayOnce) {
  scheduleNoticeJustPast(config_, 0);
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("notice(s) printed to "); }, 10s))
      << test::readFile(log_);
  EXPECT_TRUE(logHas("scheduler: notice weekly-overdues was due at")) << test::readFile(log_);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);

  test::Process again({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("is taken: it ran already"); }, 10s))
      << test::readFile(log_);
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(5s), 0);
  EXPECT_EQ(count(test::readFile(log_), "notice(s) printed to"), 1u) << test::readFile(log_);
}

// A slot missed yesterday is not sent a day late.
TEST_F(Service, LeavesANoticeSlotMissedYesterday) {
  scheduleNoticeJustPast(config_, 1);
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  // The sweep at start comes after the missed-slot checks.
  ASSERT_TRUE(test::eventually([&] { return logHas("circulation sweep:"); }, 10s))
      << test::readFile(log_);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
  EXPECT_FALSE(logHas("was due at")) << test::readFile(log_);
  EXPECT_FALSE(logHas("notice(s) printed to")) << test::readFile(log_);
}

}  // namespace
}  // namespace patrond

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace patrond {
namespace {

// Plays systemd's part: a datagram socket that receives sd_notify messages.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~NotifySocket() { ::close(fd_); }
  // Everything received so far, appended to `all_`.
  const std::string& drain() {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) {
      all_.append(buf, static_cast<size_t>(n));
      all_ += "\n";
    }
    return all_;
  }

 private:
  std::string path_, all_;
  int fd_ = -1;
};

TEST_F(Service, TellsSystemdItIsReadyPingsTheWatchdogAndSaysWhenStopping) {
  NotifySocket sd(dir_ / "notify");
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_,
                  {{"NOTIFY_SOCKET", dir_ / "notify"}, {"WATCHDOG_USEC", "200000"}});
  ASSERT_TRUE(
      test::eventually([&] { return sd.drain().find("READY=1") != std::string::npos; }, 10s))
      << test::readFile(log_);
  EXPECT_NE(sd.drain().find("STATUS=running: 2 import job(s)"), std::string::npos) << sd.drain();
  // Then each job's last run and its next run (refreshed every minute).
  EXPECT_TRUE(test::eventually(
      [&] {
        const std::string& all = sd.drain();
        size_t at = all.find("STATUS=running: students ");
        return at != std::string::npos && all.find("; faculty ", at) != std::string::npos &&
               all.find(", next 20", at) != std::string::npos;
      },
      5s))
      << sd.drain();
  // Pings at half the watchdog interval: several within a second.
  ASSERT_TRUE(test::eventually(
      [&] {
        const std::string& all = sd.drain();
        size_t n = 0;
        for (size_t at = all.find("WATCHDOG=1"); at != std::string::npos;
             at = all.find("WATCHDOG=1", at + 1)) {
          ++n;
        }
        return n >= 3;
      },
      3s));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(2s), 0);
  EXPECT_NE(sd.drain().find("STOPPING=1"), std::string::npos);
}

}  // namespace
}  // namespace patrond
