// `patrond run` following sources and schedules (issue 4), with the real binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const char* kMapping =
    "fields: {district_id: ID, barcode: Barcode, last_name: Last, first_name: First, site: "
    "School}\n"
    "defaults: {patron_type: Student, persona: student}\n";

std::string csvRows(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) {
    s += "S" + std::to_string(i) + ",B" + std::to_string(i) + ",Núñez,Zoë,LHS\n";
  }
  return s;
}
const std::string kHeader = "ID,Barcode,Last,First,School\n";

class Sources : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "drop");
    test::writeFile(dir_ / "m.yaml", kMapping);
    log_ = dir_ / "service.log";
  }
  void writeConfig(const std::string& job, const std::string& database = "") {
    test::writeFile(dir_ / "patrond.yaml",
                    "district: {name: T, timezone: UTC}\n" + database +
                        "logging: {level: info, system: false}\n"
                        "sites:\n  - {code: LHS, name: L, type: high}\n"
                        "imports:\n  - name: students\n    mapping: m.yaml\n" +
                        job);
  }
  // Finished runs only: a run in progress is listed too, with no counts yet.
  json runs() {
    auto r = test::run({PATROND_BIN, "runs", "--json", "--config", dir_ / "patrond.yaml"});
    json done = json::array();
    if (r.exitCode == 0) {
      for (const auto& run : json::parse(r.out)) {
        if (run["status"] != "running") {
          done.push_back(run);
        }
      }
    }
    return done;
  }
  bool logHas(const std::string& s) { return test::readFile(log_).find(s) != std::string::npos; }

  test::TempDir dir_;
  std::string log_;
};

TEST_F(Sources, SlowlyWrittenFileIsImportedOnceAfterItSettles) {
  writeConfig(
      "    source: {directory: drop, file: students.csv, settle: 2s}\n"
      "    on_new_file: full\n");
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("watching"); }, 10s)) << test::readFile(log_);
  std::string content = kHeader + csvRows(1, 400);
  std::string path = dir_ / "drop/students.csv";
  // Written in four pieces over three seconds, as a slow SIS export would.
  for (int piece = 0; piece < 4; ++piece) {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << content.substr(piece * content.size() / 4, content.size() / 4 + (piece == 3 ? 4 : 0));
    out.close();
    if (piece < 3) {
      std::this_thread::sleep_for(1s);
    }
  }
  auto finished = std::chrono::steady_clock::now();
  EXPECT_TRUE(runs().empty()) << "imported before the file settled";
  ASSERT_TRUE(test::eventually([&] { return runs().size() == 1; }, 4s)) << test::readFile(log_);
  EXPECT_LT(std::chrono::steady_clock::now() - finished, 2s + 2s);
  json run = runs()[0];
  EXPECT_EQ(run["status"], "completed");
  EXPECT_EQ(run["counts"]["added"], 400);
  EXPECT_EQ(run["counts"]["read"], 400);
  // The same content again (touched, or copied in again) is not imported twice.
  test::writeFile(path, content);
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(runs().size(), 1u);
  // New content is.
  test::writeFile(path, kHeader + csvRows(1, 401));
  ASSERT_TRUE(test::eventually([&] { return runs().size() == 2; }, 5s)) << test::readFile(log_);
  EXPECT_EQ(runs()[0]["counts"]["added"], 1);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

TEST_F(Sources, KeepCopiesArchivesEachImportedFile) {
  writeConfig(
      "    source: {directory: drop, file: students.csv, settle: 1s, keep_copies: 1}\n"
      "    on_new_file: incremental\n");
  test::writeFile(dir_ / "drop/students.csv", kHeader + csvRows(1, 3));
  // Someone's own file in the archive folder: neither a crash nor deleted.
  fs::create_directories(dir_.path() / "archive/students");
  test::writeFile(dir_ / "archive/students/notes.txt", "mine");
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return runs().size() == 1; }, 8s)) << test::readFile(log_);
  test::writeFile(dir_ / "drop/students.csv", kHeader + csvRows(1, 4));
  ASSERT_TRUE(test::eventually([&] { return runs().size() == 2; }, 8s)) << test::readFile(log_);
  ASSERT_TRUE(test::eventually([&] { return fs::exists(dir_.path() / "archive/students"); }, 2s));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_.path() / "archive/students")) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 2u);  // keep_copies: 1, and the foreign file
  EXPECT_EQ(names[0], std::to_string(runs()[0]["run_id"].get<int>()) + "-students.csv");
  EXPECT_EQ(names[1], "notes.txt");
  EXPECT_TRUE(p.running());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

TEST_F(Sources, MissingFolderIsReportedAndTheServiceKeepsRunning) {
  writeConfig(
      "    source: {directory: nowhere, file: students.csv, settle: 1s}\n"
      "    on_new_file: full\n");
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("retrying every 30s"); }, 10s))
      << test::readFile(log_);
  EXPECT_TRUE(logHas("nowhere"));
  EXPECT_TRUE(p.running());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

// The schedule's slot two minutes ago (UTC), on today's weekday.
std::string slotTwoMinutesAgo() {
  auto t = std::chrono::system_clock::now() - 2min;
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  static const char* kDays[] = {"sunday",   "monday", "tuesday", "wednesday",
                                "thursday", "friday", "saturday"};
  char hhmm[8];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", tm.tm_hour, tm.tm_min);
  return std::string("    schedule:\n      ") + kDays[tm.tm_wday] + ": {update: full, at: \"" +
         hhmm + "\"}\n";
}

TEST_F(Sources, ARunMissedWhileDownRunsOnceAtStart) {
  test::writeFile(dir_ / "drop/students.csv", kHeader + csvRows(1, 5));
  writeConfig("    source: {directory: drop, file: students.csv}\n" + slotTwoMinutesAgo());
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return runs().size() == 1; }, 10s)) << test::readFile(log_);
  EXPECT_TRUE(logHas("missed its run"));
  EXPECT_EQ(runs()[0]["counts"]["added"], 5);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
  // Started again: the slot has its run, nothing more happens.
  test::Process again({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                      {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("scheduler: next"); }, 10s));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(runs().size(), 1u);
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait(5s), 0);
}

TEST_F(Sources, TwoInstancesOnOnePostgresRunAScheduledSlotExactlyOnce) {
  test::DatabaseServer& pg = test::postgres();
  ASSERT_EQ(pg.error(), "");
  std::string db = "database: {backend: postgresql, connection: \"" + pg.newDatabase() + "\"}\n";
  test::writeFile(dir_ / "drop/students.csv", kHeader + csvRows(1, 50));
  writeConfig("    source: {directory: drop, file: students.csv}\n" + slotTwoMinutesAgo(), db);
  std::string log2 = dir_ / "service2.log";
  test::Process a({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                  {{"NOTIFY_SOCKET", ""}});
  test::Process b({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log2,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return runs().size() >= 1; }, 15s)) << test::readFile(log_);
  // Both have looked at the missed slot once their schedulers are armed. Which one runs it
  // depends on timing: the other finds the lease taken or the run already recorded.
  ASSERT_TRUE(test::eventually(
      [&] {
        return test::readFile(log_).find("scheduler: next") != std::string::npos &&
               test::readFile(log2).find("scheduler: next") != std::string::npos;
      },
      10s))
      << test::readFile(log_) << test::readFile(log2);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(runs().size(), 1u);
  // Starting together is not a fault: neither instance logs an error (a race on the sites
  // table once made the second one wait for a database it could reach).
  std::string both = test::readFile(log_) + test::readFile(log2);
  EXPECT_EQ(both.find("error:"), std::string::npos) << both;
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  EXPECT_EQ(a.wait(5s), 0);
  EXPECT_EQ(b.wait(5s), 0);
}

TEST_F(Sources, SigtermDuringARunRollsItBackAndExitsWithinFiveSeconds) {
  writeConfig(
      "    source: {directory: drop, file: students.csv, settle: 1s}\n"
      "    on_new_file: full\n");
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("watching"); }, 10s));
  test::writeFile(dir_ / "drop/students.csv", kHeader + csvRows(1, 600000));
  ASSERT_TRUE(test::eventually([&] { return logHas("(full, new_file) from"); }, 10s))
      << test::readFile(log_);
  std::this_thread::sleep_for(300ms);
  auto start = std::chrono::steady_clock::now();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0) << test::readFile(log_);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_EQ(runs().size(), 1u) << test::readFile(log_);
  EXPECT_EQ(runs()[0]["status"], "interrupted");
  auto list = test::run({PATROND_BIN, "patrons", "list", "--json", "--limit", "5", "--config",
                         dir_ / "patrond.yaml"});
  EXPECT_EQ(json::parse(list.out).size(), 0u);
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

TEST_F(Sources, DatabaseDownAtStartIsWaitedForNotFatal) {
  test::DatabaseServer& pg = test::postgres();
  ASSERT_EQ(pg.error(), "");
  // A port nothing listens on: the database "is down".
  std::string db = "database: {backend: postgresql, connection: \"host=127.0.0.1 port=" +
                   std::to_string(test::freePort()) +
                   " dbname=x user=postgres connect_timeout=2\"}\n";
  writeConfig("    source: {directory: drop, file: students.csv}\n", db);
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log_,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(
      test::eventually([&] { return logHas("the database cannot be reached; retrying"); }, 10s))
      << test::readFile(log_);
  EXPECT_TRUE(logHas("running:"));
  EXPECT_TRUE(p.running());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

}  // namespace
}  // namespace patrond
