// issue 18, the seeds' librarian scenarios end to end through the real binary on the shipped
// example (SQLite): a student moved by hand to "Moved" stays there through SIS changes and
// imports, shows in `reports loans --homeroom Moved` with the value of the books, and is left
// out of homeroom notices; the Leavers are deleted in June with their history archived; a
// senior the SIS still lists is kept through the year.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class LibrarianSeedScenarios : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    students_ = (dir_.path() / "conf" / "sis" / "students.csv").string();
    ok({"import", "students", "--as-of", "2026-08-20 02:00"});
    ok({"items", "import", (dir_.path() / "conf" / "items" / "copies.csv").string(), "--as-of",
        "2026-08-20 09:00"});
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }
  test::CommandResult ok(std::vector<std::string> args) {
    auto r = patrond(args);
    EXPECT_EQ(r.exitCode, 0) << args[0] << " " << args[1] << ": " << r.err;
    return r;
  }
  json jsonOf(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = ok(args);
    return json::parse(r.out.empty() ? "null" : r.out);
  }
  // The SIS changes one student's row: `from` (the start of the row) becomes `to`.
  void sisChanges(const std::string& from, const std::string& to) {
    std::string csv = test::readFile(students_);
    auto at = csv.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    csv.replace(at, from.size(), to);
    test::writeFile(students_, csv);
  }
  // Every student of every message of a notice preview or send, as "homeroom/district_id".
  static std::vector<std::string> noticeStudents(const json& j) {
    std::vector<std::string> out;
    for (const auto& m : j["messages"]) {
      for (const auto& s : m["students"]) {
        out.push_back(m["homeroom"].get<std::string>() + "/" + s["district_id"].get<std::string>());
      }
    }
    return out;
  }
  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }

  test::TempDir dir_;
  std::string config_, students_;
};

TEST_F(LibrarianSeedScenarios, AStudentMovedByHandStaysInMovedAndIsLeftOutOfNotices) {
  // Chloé (Smith 104) leaves for another district with two books; Jamal (Smith 104) stays.
  ok({"circ", "checkout", "S1001", "T0001", "--due", "2026-09-10", "--as-of", "2026-09-01"});
  ok({"circ", "checkout", "S1001", "T0005", "--due", "2026-09-10", "--as-of", "2026-09-01"});
  ok({"circ", "checkout", "S1003", "T0003", "--due", "2026-09-10", "--as-of", "2026-09-01"});
  const std::string kDay = "2026-10-16 07:00";
  auto before = noticeStudents(jsonOf({"notices", "preview", "weekly-overdues", "--as-of", kDay}));
  ASSERT_TRUE(has(before, "Smith 104/S1001"));  // the notice would reach her old teacher
  ok({"patrons", "set", "S1001", "--homeroom", "Moved", "--as-of", "2026-09-15 10:00"});

  // The SIS keeps changing her row: a new homeroom, then a new e-mail too.
  sisChanges("S1001,P1001,Smith,Chloé,,LHS,11,2028,Smith 104,",
             "S1001,P1001,Smith,Chloé,,LHS,11,2028,Jones 210,");
  ok({"import", "students", "--incremental", "--as-of", "2026-09-16 02:00"});
  sisChanges(
      "S1001,P1001,Smith,Chloé,,LHS,11,2028,Jones 210,jsmith@springfield.example.org,"
      "02/27/2010,,",
      "S1001,P1001,Smith,Chloé,,LHS,11,2028,Jones 210,ajones@springfield.example.org,"
      "02/27/2010,chloe@example.org,");
  ok({"import", "students", "--full", "--as-of", "2026-09-19 03:00"});
  auto quiet =
      jsonOf({"import", "students", "--incremental", "--as-of", "2026-09-21 02:00"})["counts"];
  EXPECT_EQ(quiet["updated"], 0) << quiet.dump();  // not "updated" night after night
  json chloe = jsonOf({"patrons", "show", "S1001"});
  EXPECT_EQ(chloe["homeroom"], "Moved");
  EXPECT_EQ(chloe["homeroom_pinned"], true);
  EXPECT_TRUE(chloe["homeroom_teacher_email"].is_null());

  // "How many books walk out the door with students who moved": hers, with their value.
  auto report =
      jsonOf({"reports", "loans", "--site", "LHS", "--homeroom", "Moved", "--as-of", "2026-10-16"});
  std::vector<std::string> copies;
  long long cents = 0;
  for (const auto& l : report["loans"]) {
    if (l["district_id"] == "S1001") {
      copies.push_back(l["copy"]);
      auto item = jsonOf({"items", "show", l["copy"].get<std::string>()});
      EXPECT_EQ(l["value"], item["value"]) << l.dump();
      std::string v = l["value"];
      cents += std::stoll(v.substr(0, v.find('.'))) * 100 + std::stoll(v.substr(v.find('.') + 1));
    }
  }
  EXPECT_EQ(copies, (std::vector<std::string>{"T0001", "T0005"}));
  EXPECT_GT(cents, 0);
  EXPECT_EQ(report["total"]["loans"], 2);

  // Left out of homeroom notices (Moved: notices off), in the preview and when sent.
  auto preview = noticeStudents(jsonOf({"notices", "preview", "weekly-overdues", "--as-of", kDay}));
  EXPECT_FALSE(has(preview, "Smith 104/S1001"));
  EXPECT_FALSE(has(preview, "Jones 210/S1001"));
  EXPECT_FALSE(has(preview, "Moved/S1001"));
  EXPECT_TRUE(has(preview, "Smith 104/S1003"));  // her classmate's notice still goes
  auto sent = noticeStudents(jsonOf({"notices", "send", "weekly-overdues", "--as-of", kDay}));
  EXPECT_TRUE(has(sent, "Smith 104/S1003"));
  for (const auto& s : sent) {
    EXPECT_EQ(s.find("/S1001"), std::string::npos) << s;
  }
}

TEST_F(LibrarianSeedScenarios, TheLeaversAreDeletedInJuneWithTheirHistoryArchived) {
  for (const char* key : {"S1002", "S1006"}) {
    ok({"patrons", "set", key, "--homeroom", "Leavers", "--as-of", "2027-05-01 10:00"});
  }
  ok({"circ", "checkout", "S1002", "T0002", "--due", "2027-06-01", "--as-of", "2027-05-03"});
  // The SIS still sends them through May: they stay Leavers.
  ok({"import", "students", "--full", "--as-of", "2027-05-08 03:00"});
  auto leavers = jsonOf({"patrons", "list", "--site", "LHS", "--homeroom", "Leavers"});
  ASSERT_EQ(leavers.size(), 2u);

  // June: a book is still out, so the plain delete is refused and names her.
  auto refused = patrond({"patrons", "delete", "--site", "LHS", "--homeroom", "Leavers", "--as-of",
                          "2027-06-20 10:00"});
  EXPECT_EQ(refused.exitCode, 3);
  EXPECT_NE(refused.err.find("S1002  Smith, Léa  LHS Leavers: 1 open loan"), std::string::npos)
      << refused.err;
  EXPECT_EQ(jsonOf({"patrons", "list", "--site", "LHS", "--homeroom", "Leavers"}).size(), 2u);
  auto gone = jsonOf({"patrons", "delete", "--site", "LHS", "--homeroom", "Leavers",
                      "--with-transactions", "--as-of", "2027-06-20 10:00"});
  ASSERT_EQ(gone["deleted"].size(), 2u);
  EXPECT_TRUE(jsonOf({"patrons", "list", "--site", "LHS", "--homeroom", "Leavers"}).empty());
  EXPECT_EQ(patrond({"patrons", "show", "S1002"}).exitCode, 2);
  EXPECT_EQ(jsonOf({"items", "show", "T0002"})["status"], "lost");

  // Their history is in the archive: the row, the open loan, the rule, no run.
  soci::session db(soci::sqlite3, "db=" + (dir_.path() / "conf" / "patrond.db").string());
  soci::rowset<soci::row> rows =
      (db.prepare << "SELECT district_id, record, rule_name, run_id, deleted_at FROM "
                     "deleted_patrons ORDER BY district_id");
  std::vector<std::string> ids;
  for (const auto& r : rows) {
    ids.push_back(r.get<std::string>(0));
    json record = json::parse(r.get<std::string>(1));
    EXPECT_EQ(r.get<std::string>(2), "patrons_delete");
    EXPECT_EQ(r.get_indicator(3), soci::i_null);
    EXPECT_EQ(r.get<std::string>(4).substr(0, 10), "2027-06-20");
    EXPECT_EQ(record["homeroom"], "Leavers");
    if (ids.back() == "S1002") {
      ASSERT_EQ(record["loans"].size(), 1u);
      EXPECT_EQ(record["loans"][0]["copy"], "T0002");
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"S1002", "S1006"}));
}

// Seed: a senior the SIS still exports after graduation (not rolled over yet) is kept through
// the year, not deleted and re-added each week; once the SIS drops them, the next full run
// deletes them (SPEC 5: rules 2 and 4 never delete a patron in the file just read).
TEST_F(LibrarianSeedScenarios, ASeniorStillInTheFileIsKeptThroughTheYear) {
  // Statistical year 2027 from August 2027: the class of 2027 has graduated.
  for (const char* week : {"2027-09-04 03:00", "2027-09-11 03:00", "2027-09-18 03:00"}) {
    json run = jsonOf({"import", "students", "--full", "--as-of", week});
    EXPECT_EQ(run["status"], "completed") << week;
    EXPECT_EQ(run["counts"]["deleted"], 0) << week;
    EXPECT_EQ(run["counts"]["added"], 0) << week;  // never deleted and re-added
    json p = jsonOf({"patrons", "show", "S1006"});
    EXPECT_EQ(p["status"], "active") << week;
  }
  // The SIS drops S1006: the next full run deletes the graduate.
  std::string csv = test::readFile(students_);
  auto at = csv.find("S1006,");
  ASSERT_NE(at, std::string::npos);
  csv.erase(at, csv.find('\n', at) + 1 - at);
  test::writeFile(students_, csv);
  json run = jsonOf({"import", "students", "--full", "--as-of", "2027-09-25 03:00"});
  EXPECT_EQ(run["counts"]["deleted"], 1) << run.dump();
  EXPECT_EQ(patrond({"patrons", "show", "S1006"}).exitCode, 2);
}

}  // namespace
}  // namespace patrond
