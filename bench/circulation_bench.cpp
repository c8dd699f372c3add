// Circulation benchmark (issue 5 targets; results go to docs/performance.md):
//   1. the daily sweep over N open loans on SQLite (target: 1,000,000 in under 5 s), in two
//      shapes: a normal day (2% of the loans past overdue_to_lost_days) and the worst case
//      (every loan lost at once);
//   2. checkout decisions with that many loans in the database (target: under 5 ms each).
// Usage: circulation_bench [--loans 1000000] [--checkouts 1000] [--keep DIR]
//                          [--backend sqlite|postgresql|mysql --connection SOCI-STRING]
// PostgreSQL and MariaDB: a running server and an existing database (its tables are emptied).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_db.h"
#include "engine/circulation.h"
#include "engine/text.h"

using namespace patrond;
using bench::Clock;
using bench::seconds;

namespace {

Config benchConfig() {
  Config c;
  c.sites = {{"LHS", "Lincoln High", "high"},
             {"JMS", "Jefferson Middle", "middle"},
             {"WES", "Washington Elementary", "elementary"}};
  auto& d = c.textbookPolicies.district;
  d.loanDays = 180;
  d.maxCheckouts = 10;
  d.overdueToLostDays = 30;
  d.blockOnFinesOrOverdues = true;
  d.chargeLost = true;
  d.conditioningEnabled = true;
  d.demoteAfter = {{"new", 5}, {"good", 5}, {"fair", 5}};
  c.textbookPolicies.siteTypes["elementary"].maxCheckouts = 6;
  c.textbookPolicies.sites["LHS"].overdueToLostDays = 60;
  c.conditions = defaultConditions();
  return c;
}

// N open loans on N copies held by N/5 patrons, plus `spare` copies on the shelf.
// `dueSql` gives each loan's due date from x (1..N).
void populate(bench::BenchDb& db, long loans, long spare, const std::string& dueSql) {
  long patrons = std::max(1L, loans / 5);
  const std::string site = "CASE x % 3 WHEN 0 THEN 'LHS' WHEN 1 THEN 'JMS' ELSE 'WES' END";
  if (db.backend() == DbBackend::kSqlite3) {
    db.exec("PRAGMA journal_mode = WAL");
  }
  db.exec(db.insertNumbers(
      "INSERT INTO patrons (district_id, barcode, first_name, last_name, "
      "site, patron_type, status, owner_job, seen_in_last_full)",
      db.cat({"'S'", "x"}) + ", " + db.cat({"'P'", "x"}) + ", 'Zoë', " + db.cat({"'Núñez'", "x"}) +
          ", " + site + ", 'Student', 'active', 'students', 1",
      patrons));
  db.exec(db.insertNumbers("INSERT INTO titles (title, isbn, replacement_price_cents)",
                           db.cat({"'Title '", "x"}) + ", " + db.cat({"'978'", "x"}) + ", 7500",
                           1000));
  db.exec(
      db.insertNumbers("INSERT INTO copies (barcode, title_id, site, purchase_price_cents, "
                       "copy_condition, value_cents, textbook, status, circulations, "
                       "condition_circulations, updated_at)",
                       db.cat({"'T'", "x"}) + ", 1 + x % 1000, " + site +
                           ", 6000, 'good', 4500, 1, CASE WHEN x <= " + std::to_string(loans) +
                           " THEN 'checked_out' ELSE 'available' END, 0, 0, "
                           "'2026-08-20T10:00:00'",
                       loans + spare));
  db.exec(
      db.insertNumbers("INSERT INTO loans (copy_id, patron_id, checked_out_at, due_date, "
                       "status, overridden)",
                       "x, 1 + x % " + std::to_string(patrons) + ", '2026-08-20T10:00:00', " +
                           dueSql + ", 'open', 0",
                       loans));
  db.analyze();
}

void sweepCase(bench::BenchDb& db, const std::string& dir, const std::string& name, long loans,
               const std::string& dueSql) {
  db.fresh(dir, name);  // schema
  auto t0 = Clock::now();
  populate(db, loans, 0, dueSql);
  auto t1 = Clock::now();
  auto store = db.open();
  Config c = benchConfig();
  auto t2 = Clock::now();
  auto out = sweep(store->circulation(), c, CivilTime{2026, 11, 29, 1, 0, 0});
  auto t3 = Clock::now();
  if (!out) {
    std::cerr << "bench: sweep failed: " << out.error().describe() << "\n";
    std::exit(1);
  }
  auto again = sweep(store->circulation(), c, CivilTime{2026, 11, 29, 1, 0, 0});
  auto t4 = Clock::now();
  std::printf(
      "%s: sweep %-10s %8ld open loans: %7ld lost, %12s charged in %6.2f s; again: %ld lost "
      "in %5.2f s  (data generated in %.1f s)\n",
      db.name(), name.c_str(), loans, static_cast<long>(out->lost),
      formatCents(out->finesCents).c_str(), seconds(t2, t3),
      again ? static_cast<long>(again->lost) : -1L, seconds(t3, t4), seconds(t0, t1));
}

void checkoutCase(bench::BenchDb& db, const std::string& dir, long loans, int checkouts) {
  db.fresh(dir, "checkout");
  // Due dates spread over the year: some patrons are blocked (overdue), most are not.
  populate(db, loans, checkouts, db.dayAfter("2026-10-01", "x % 365"));
  auto store = db.open();
  Config c = benchConfig();
  std::mt19937 rnd(7);
  long patrons = std::max(1L, loans / 5);
  std::vector<double> ms;
  int blocked = 0;
  for (int i = 0; i < checkouts; ++i) {
    std::string patron = "P" + std::to_string(1 + rnd() % static_cast<unsigned long>(patrons));
    std::string copy = "T" + std::to_string(loans + 1 + i);
    auto t0 = Clock::now();
    auto out = checkout(store->circulation(), c, {patron, copy, std::nullopt, false},
                        CivilTime{2026, 11, 29, 10, 0, 0});
    auto t1 = Clock::now();
    if (!out) {
      std::cerr << "bench: checkout failed: " << out.error().describe() << "\n";
      std::exit(1);
    }
    blocked += out->ok ? 0 : 1;
    ms.push_back(seconds(t0, t1) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms[static_cast<size_t>(p * static_cast<double>(ms.size() - 1))];
  };
  std::printf(
      "%s: checkout with %ld loans in the database: %d decisions (%d blocked, %d made): "
      "median %.2f ms, p99 %.2f ms, max %.2f ms\n",
      db.name(), loans, checkouts, blocked, checkouts - blocked, pct(0.5), pct(0.99), ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  long loans = 1'000'000;
  int checkouts = 1000;
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--loans") {
      loans = std::atol(argv[i + 1]);
    } else if (a == "--checkouts") {
      checkouts = std::atoi(argv[i + 1]);
    } else if (a == "--keep") {
      keep = argv[i + 1];
    }
  }
  std::string dir = keep.empty()
                        ? (std::filesystem::temp_directory_path() / "patrond-circ-bench").string()
                        : keep;
  std::filesystem::create_directories(dir);
  // A normal day: due dates spread over 200 days from 2026-10-26, so ~2% of loans are past
  // their site's overdue_to_lost_days on 2026-11-29 (30 days; LHS 60).
  bench::BenchDb db = bench::BenchDb::fromArgs(argc, argv);
  sweepCase(db, dir, "normal-day", loans, db.dayAfter("2026-10-26", "x % 200"));
  // Worst case: every loan long overdue, all lost (and charged) in one sweep.
  sweepCase(db, dir, "all-lost", loans, "'2026-01-15'");
  checkoutCase(db, dir, loans, checkouts);
  if (keep.empty()) {
    std::filesystem::remove_all(dir);
  }
  return 0;
}
