// `patrond status` through the real binary (SPEC section 11): each state with its
// monitoring-plugin exit code, a status line whose performance data parses, and --json.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/example_cli.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class StatusCli : public test::ExampleCli {
 protected:
  // Thursday 2026-10-15 02:00, the students job's incremental slot.
  void importStudents(const char* asOf = "2026-10-15 02:00", std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"import", "students", "--as-of", asOf};
    args.insert(args.end(), extra.begin(), extra.end());
    last_ = patrond(args);
  }
  std::string dbPath() const { return (dir_.path() / "conf" / "patrond.db").string(); }
  // 'label'=value[UOM];[warn];[crit];[min];[max] items, by label.
  static std::map<std::string, std::string> perfdata(const std::string& line) {
    std::map<std::string, std::string> out;
    auto bar = line.find(" | ");
    EXPECT_NE(bar, std::string::npos) << line;
    if (bar == std::string::npos) {
      return out;
    }
    std::string pd = line.substr(bar + 3);
    std::regex item(R"('([^']+)'=(-?[0-9.]+)(s|%|B|c)?;([0-9.]*);([0-9.]*);([0-9.]*);([0-9.]*))");
    std::string rest = std::regex_replace(pd, item, "");
    EXPECT_EQ(rest.find_first_not_of(" \n"), std::string::npos) << "unparsed perfdata: " << pd;
    for (std::sregex_iterator it(pd.begin(), pd.end(), item), end; it != end; ++it) {
      out[(*it)[1]] = (*it)[2];
    }
    return out;
  }

  test::CommandResult last_;
};

TEST_F(StatusCli, AJobThatRanIsOkWithParseablePerfdata) {
  importStudents();
  ASSERT_EQ(last_.exitCode, 0) << last_.err;
  auto r = patrond({"status", "--job", "students", "--as-of", "2026-10-15 09:00"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  std::string line = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(
      line.rfind("PATROND OK - 1 job healthy: students last run completed 2026-10-15T02:00", 0), 0u)
      << line;
  EXPECT_NE(line.find("-05:00"), std::string::npos) << line;  // Chicago, daylight time
  auto pd = perfdata(line);
  EXPECT_EQ(pd["students_age"], std::to_string(7 * 3600));
  EXPECT_EQ(pd["students_read"], "47");
  EXPECT_EQ(pd["students_skipped"], "4");
  EXPECT_EQ(pd.count("outbox_queued"), 0u);  // --job: that job only
}

TEST_F(StatusCli, EveryJobAndTheOutboxWithoutJob) {
  importStudents();
  // The faculty job (Saturdays 03:30) never ran: its slot of 2026-10-10 is long past.
  auto r = patrond({"status", "--as-of", "2026-10-15 09:00"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("PATROND CRITICAL - faculty: no completed run since the one scheduled "
                        "for 2026-10-10T03:30:00-05:00 (none completed yet)",
                        0),
            0u)
      << r.out;
  auto pd = perfdata(r.out.substr(0, r.out.find('\n')));
  EXPECT_EQ(pd["outbox_queued"], "0");
  EXPECT_EQ(pd["outbox_failed"], "0");
  EXPECT_NE(r.out.find("\n  students: OK - last run completed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("next run 2026-10-16T02:00:00-05:00"), std::string::npos) << r.out;
}

TEST_F(StatusCli, ALateJobIsCriticalOnlyAfterGrace) {
  importStudents();
  // Friday's 02:00 slot: fine until 04:00 (grace 2h by default), critical after.
  EXPECT_EQ(patrond({"status", "--job", "students", "--as-of", "2026-10-16 03:59"}).exitCode, 0);
  auto r = patrond({"status", "--job", "students", "--as-of", "2026-10-16 04:01"});
  EXPECT_EQ(r.exitCode, 2) << r.out;
  EXPECT_NE(r.out.find("students: no completed run since the one scheduled for "
                       "2026-10-16T02:00:00-05:00 (last completed 2026-10-15T02:00:00-05:00)"),
            std::string::npos)
      << r.out;
  // monitoring.grace widens it.
  std::ofstream(config_, std::ios::app) << "\nmonitoring:\n  grace: 3h\n";
  EXPECT_EQ(patrond({"status", "--job", "students", "--as-of", "2026-10-16 04:01"}).exitCode, 0);
}

TEST_F(StatusCli, AFailedLastRunIsCritical) {
  importStudents();
  importStudents("2026-10-15 08:00", {"--file", sis_ + "/missing.csv"});
  ASSERT_EQ(last_.exitCode, 1) << last_.err;
  auto r = patrond({"status", "--job", "students", "--as-of", "2026-10-15 09:00", "--json"});
  EXPECT_EQ(r.exitCode, 2) << r.out;
  auto j = json::parse(r.out);
  EXPECT_EQ(j["state"], "CRITICAL");
  EXPECT_EQ(j["exit_code"], 2);
  ASSERT_EQ(j["problems"].size(), 1u);
  EXPECT_EQ(j["problems"][0]["subject"], "students");
  EXPECT_EQ(j["problems"][0]["text"].get<std::string>().rfind(
                "last run failed 2026-10-15T08:00:00-05:00", 0),
            0u);
  EXPECT_EQ(j["jobs"][0]["last_run"]["status"], "failed");
  EXPECT_EQ(j["jobs"][0]["age_seconds"], 7 * 3600);
  EXPECT_EQ(j["jobs"][0]["next_scheduled"], "2026-10-16T02:00:00-05:00");
  // The next completed run clears it.
  importStudents("2026-10-15 08:30");
  EXPECT_EQ(patrond({"status", "--job", "students", "--as-of", "2026-10-15 09:00"}).exitCode, 0);
}

TEST_F(StatusCli, AGuardThatStoppedTheLifecycleIsAWarning) {
  importStudents("2026-10-15 02:00", {"--full"});
  ASSERT_EQ(last_.exitCode, 0) << last_.err;
  // A truncated export: 12 of 43 students. max_percent (10) stops the inactivation.
  std::ifstream in(sis_ + "/students.csv");
  std::string line, head;
  std::getline(in, head);
  std::ofstream out(sis_ + "/short.csv");
  out << head << "\n";
  for (int i = 0; i < 12 && std::getline(in, line); ++i) {
    out << line << "\n";
  }
  out.close();
  // Nine days later (inactivate: not_updated_days 7).
  importStudents("2026-10-24 08:00", {"--full", "--file", sis_ + "/short.csv"});
  ASSERT_EQ(last_.exitCode, 0) << last_.err;
  auto r = patrond({"status", "--job", "students", "--as-of", "2026-10-24 09:00"});
  EXPECT_EQ(r.exitCode, 1) << r.out;
  EXPECT_EQ(r.out.rfind("PATROND WARNING - students: lifecycle stopped by a guard: ", 0), 0u)
      << r.out;
}

TEST_F(StatusCli, FailedOrLongQueuedEmailIsAWarning) {
  importStudents();
  ASSERT_EQ(patrond({"import", "faculty", "--as-of", "2026-10-15 02:00"}).exitCode, 0);
  ASSERT_EQ(patrond({"status", "--as-of", "2026-10-15 09:00"}).exitCode, 0);
  {
    soci::session s(soci::sqlite3, "db=" + dbPath());
    s << "INSERT INTO outbox (notice, dedupe_key, notice_date, to_addrs, subject, status, "
         "attempts, last_error, created_at) VALUES ('weekly-overdues', 'k1', '2026-10-14', "
         "'t@example.org', 's', 'failed', 3, '550 5.1.1 no such user', '2026-10-14T07:00:00')";
  }
  auto r = patrond({"status", "--as-of", "2026-10-15 09:00", "--json"});
  EXPECT_EQ(r.exitCode, 1) << r.out;
  auto j = json::parse(r.out);
  EXPECT_EQ(j["outbox"]["failed_last_7_days"], 1);
  bool found = false;
  for (const auto& p : j["problems"]) {
    if (p["subject"] == "outbox") {
      found = true;
      EXPECT_EQ(p["state"], "WARNING");
      EXPECT_NE(p["text"].get<std::string>().find("550 5.1.1 no such user"), std::string::npos);
    }
  }
  EXPECT_TRUE(found) << r.out;
  // A week later the failure no longer counts.
  EXPECT_EQ(json::parse(patrond({"status", "--as-of", "2026-10-22 09:00", "--json"})
                            .out)["outbox"]["failed_last_7_days"],
            0);
  {
    soci::session s(soci::sqlite3, "db=" + dbPath());
    s << "INSERT INTO outbox (notice, dedupe_key, notice_date, to_addrs, subject, status, "
         "attempts, created_at) VALUES ('weekly-overdues', 'k2', '2026-10-15', 't@example.org', "
         "'s', 'queued', 0, '2026-10-15T07:00:00')";
  }
  r = patrond({"status", "--as-of", "2026-10-15 07:30", "--json"});
  EXPECT_EQ(json::parse(r.out)["outbox"]["queued_over_1h"], 0);
  r = patrond({"status", "--as-of", "2026-10-15 08:30", "--json"});
  EXPECT_EQ(json::parse(r.out)["outbox"]["queued_over_1h"], 1) << r.out;
}

TEST_F(StatusCli, AnUnreadableDatabaseIsCritical) {
  // No database yet: status does not create one, and says so.
  auto r = patrond({"status", "--job", "students"});
  EXPECT_EQ(r.exitCode, 2) << r.out;
  EXPECT_EQ(r.out.rfind("PATROND CRITICAL - database: cannot be read: ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("patrond db migrate"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dbPath()));
}

TEST_F(StatusCli, ConfigurationAndUsageProblemsAreUnknown) {
  auto r = patrond({"status", "--job", "nosuchjob"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out.rfind("PATROND UNKNOWN - no import job named 'nosuchjob'", 0), 0u) << r.out;
  r = patrond({"status", "--bogus"});
  EXPECT_EQ(r.exitCode, 3) << r.err;
  EXPECT_EQ(r.out.rfind("PATROND UNKNOWN - usage: ", 0), 0u) << r.out;  // what the tool shows
  r = patrond({"status", "--as-of", "tomorrow"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out.rfind("PATROND UNKNOWN - --as-of: expected", 0), 0u) << r.out;
  auto j = json::parse(patrond({"status", "--job", "nosuchjob", "--json"}).out);
  EXPECT_EQ(j["state"], "UNKNOWN");
  EXPECT_TRUE(j.contains("line") && j.contains("jobs") && j.contains("outbox")) << j.dump();
  std::ofstream(config_, std::ios::app) << "\nmonitoring:\n  grace: forever\n";
  r = patrond({"status"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_EQ(r.out.rfind("PATROND UNKNOWN - the configuration cannot be loaded", 0), 0u) << r.out;
  auto help = patrond({"status", "--help"});
  EXPECT_NE(help.out.find("3 UNKNOWN"), std::string::npos) << help.out;
}

TEST_F(StatusCli, CheckConfigShowsTheMonitoringSettings) {
  auto r = patrond({"check-config"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("monitoring: patrond status allows 2h past a slot; metrics off; alerts off"),
            std::string::npos)
      << r.out;
  std::ofstream(config_, std::ios::app) << "\nmonitoring:\n  grace: 30m\n  metrics: 0.0.0.0:9464\n";
  r = patrond({"check-config", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = json::parse(r.out);
  EXPECT_EQ(j["monitoring"]["grace"], "30m");
  EXPECT_EQ(j["monitoring"]["metrics"], "0.0.0.0:9464");
  bool warned = false;
  for (const auto& w : j["warnings"]) {
    warned = warned || w.get<std::string>().find("not a loopback address") != std::string::npos;
  }
  EXPECT_TRUE(warned) << r.out;
}

}  // namespace
}  // namespace patrond
