// issue 18, the librarian's hand edits of patrons through the real binary on the shipped
// example (SQLite): `patrons set KEY --homeroom H | --homeroom-from-sis`, what `patrons show`
// says of a pinned homeroom, imports that leave it; `patrons delete` by key and by homeroom,
// refused for open loans and fines, --dry-run, --json; bad input with its exit code.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;

class PatronCommandsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    students_ = (dir_.path() / "conf" / "sis" / "students.csv").string();
    auto r = patrond({"import", "students", "--as-of", "2026-08-20 02:00"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }
  json show(const std::string& key) {
    auto r = patrond({"patrons", "show", key, "--json"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return json::parse(r.out.empty() ? "null" : r.out);
  }
  // The SIS moves S1001 from "Smith 104" to another homeroom.
  void sisMovesS1001To(const std::string& homeroom) {
    std::string csv = test::readFile(students_);
    const std::string from = "S1001,P1001,Smith,Chloé,,LHS,11,2028,Smith 104,";
    auto at = csv.find(from);
    ASSERT_NE(at, std::string::npos);
    csv.replace(at, from.size(), "S1001,P1001,Smith,Chloé,,LHS,11,2028," + homeroom + ",");
    test::writeFile(students_, csv);
  }

  void checkoutOk(const std::string& patron, const std::string& copy) {
    auto r = patrond({"circ", "checkout", patron, copy, "--as-of", "2026-09-01 10:00"});
    ASSERT_EQ(r.exitCode, 0) << patron << " " << copy << ": " << r.err;
  }
  bool exists(const std::string& key) { return patrond({"patrons", "show", key}).exitCode == 0; }

  test::TempDir dir_;
  std::string config_, students_;
};

TEST_F(PatronCommandsCli, SetPinsTheHomeroomAndShowSaysSo) {
  ASSERT_EQ(show("S1001")["homeroom_pinned"], false);
  auto r =
      patrond({"patrons", "set", "S1001", "--homeroom", "Moved", "--as-of", "2026-09-01 10:00"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Pinned the homeroom of Smith, Chloé (S1001): Moved (was Smith 104)"),
            std::string::npos)
      << r.out;
  json p = show("S1001");
  EXPECT_EQ(p["homeroom"], "Moved");
  EXPECT_EQ(p["homeroom_pinned"], true);
  EXPECT_TRUE(p["homeroom_teacher_email"].is_null());  // Moved has no teacher from the SIS
  auto text = patrond({"patrons", "show", "P1001"});   // by barcode too
  EXPECT_NE(text.out.find("homeroom: Moved (pinned by hand: imports leave it)"), std::string::npos)
      << text.out;
  auto list = json::parse(patrond({"patrons", "list", "--homeroom", "Moved", "--json"}).out);
  bool listed = false;
  for (const auto& e : list) {
    listed = listed || (e["district_id"] == "S1001" && e["homeroom_pinned"] == true);
  }
  EXPECT_TRUE(listed) << list.dump();
  // Pinned again elsewhere: the new label.
  auto again = patrond({"patrons", "set", "S1001", "--homeroom", "Leavers", "--json"});
  ASSERT_EQ(again.exitCode, 0) << again.err;
  json j = json::parse(again.out);
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["changed"], true);
  EXPECT_EQ(j["district_id"], "S1001");
  EXPECT_EQ(j["homeroom"], "Leavers");
  EXPECT_EQ(j["homeroom_pinned"], true);
}

TEST_F(PatronCommandsCli, ImportsLeaveAPinnedHomeroomUntilItIsReleased) {
  ASSERT_EQ(patrond({"patrons", "set", "S1001", "--homeroom", "Moved"}).exitCode, 0);
  sisMovesS1001To("Jones 210");
  for (const char* type : {"--incremental", "--full"}) {
    auto r = patrond({"import", "students", type, "--as-of", "2026-09-02 02:00"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(show("S1001")["homeroom"], "Moved") << type;
  }
  // Night after night: unchanged, not updated again.
  auto quiet = json::parse(
      patrond({"import", "students", "--incremental", "--as-of", "2026-09-03 02:00", "--json"})
          .out);
  EXPECT_EQ(quiet["counts"]["updated"], 0) << quiet.dump();

  auto r = patrond({"patrons", "set", "S1001", "--homeroom-from-sis"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Released the homeroom of Smith, Chloé (S1001) (now Moved): the next "
                       "import writes the SIS homeroom again"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(show("S1001")["homeroom_pinned"], false);
  auto next = json::parse(
      patrond({"import", "students", "--incremental", "--as-of", "2026-09-04 02:00", "--json"})
          .out);
  EXPECT_EQ(next["counts"]["updated"], 1) << next.dump();
  EXPECT_EQ(show("S1001")["homeroom"], "Jones 210");
  EXPECT_EQ(show("S1001")["homeroom_teacher_email"], "jsmith@springfield.example.org");
}

TEST_F(PatronCommandsCli, ReleasingAHomeroomThatIsNotPinnedChangesNothing) {
  auto r = patrond({"patrons", "set", "S1001", "--homeroom-from-sis", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["changed"], false);
  EXPECT_EQ(j["homeroom"], "Smith 104");
  auto text = patrond({"patrons", "set", "S1001", "--homeroom-from-sis"});
  EXPECT_NE(text.out.find("is not pinned: nothing to release"), std::string::npos) << text.out;
}

TEST_F(PatronCommandsCli, BadInputIsAUsageErrorAndChangesNothing) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases{
      {{"patrons", "set", "NOPE", "--homeroom", "Moved"},
       "no patron with district id or barcode 'NOPE'"},
      {{"patrons", "set", "NOPE", "--homeroom-from-sis"}, "no patron with district id"},
      {{"patrons", "set", "S1001"}, "patrons set needs --homeroom H or --homeroom-from-sis"},
      {{"patrons", "set", "S1001", "--homeroom", "Moved", "--homeroom-from-sis"}, "excludes"},
      {{"patrons", "set", "S1001", "--homeroom", ""}, "needs a homeroom name"},
      {{"patrons", "set", "S1001", "--homeroom", "   "}, "needs a homeroom name"},
      {{"patrons", "set", "S1001", "--homeroom", " Moved"}, "spaces at its start or end"},
      {{"patrons", "set", "S1001", "--homeroom", "Mo\x1bved"}, "control characters"},
      {{"patrons", "set", "S1001", "--homeroom", "Mo\xffved"}, "not UTF-8"},
      {{"patrons", "set", "S1001", "--homeroom", std::string(300, 'x')}, "longer than"},
      {{"patrons", "set"}, "KEY is required"},
  };
  for (const auto& c : cases) {
    auto r = patrond(c.args);
    EXPECT_EQ(r.exitCode, 2) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args.back() << ": " << r.err;
  }
  json p = show("S1001");
  EXPECT_EQ(p["homeroom"], "Smith 104");
  EXPECT_EQ(p["homeroom_pinned"], false);
}

TEST_F(PatronCommandsCli, AnUnknownPatronIsRefusedAsPatronsShowRefusesIt) {
  // The same exit code and words as `patrons show` for an unknown key.
  auto shown = patrond({"patrons", "show", "S9999"});
  auto set = patrond({"patrons", "set", "S9999", "--homeroom", "Moved"});
  EXPECT_EQ(shown.exitCode, 2);
  EXPECT_EQ(set.exitCode, shown.exitCode);
  EXPECT_EQ(set.err, shown.err);
}

TEST_F(PatronCommandsCli, DeleteByKeyArchivesAndSaysWhoWasDeleted) {
  auto r = patrond({"patrons", "delete", "S1001", "P1003", "--as-of", "2027-06-20 10:00"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Deleted 2 patrons (archived with rule patrons_delete):"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("S1001  Smith, Chloé  LHS Smith 104"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("S1003  Hernández, Jamal"), std::string::npos) << r.out;
  EXPECT_FALSE(exists("S1001"));
  EXPECT_FALSE(exists("S1003"));
  EXPECT_TRUE(exists("S1002"));
}

TEST_F(PatronCommandsCli, DeleteRefusesOpenLoansAndFinesUnlessWithTransactions) {
  auto items = patrond({"items", "import", (dir_.path() / "conf" / "items" / "copies.csv").string(),
                        "--as-of", "2026-08-20 09:00"});
  ASSERT_EQ(items.exitCode, 0) << items.err;
  checkoutOk("S1001", "T0001");
  auto refused = patrond({"patrons", "delete", "S1001", "S1002"});
  EXPECT_EQ(refused.exitCode, 3) << refused.err;
  EXPECT_NE(refused.err.find("1 patron has open loans or unpaid fines; nothing deleted"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("S1001  Smith, Chloé  LHS Smith 104: 1 open loan"), std::string::npos)
      << refused.err;
  EXPECT_TRUE(exists("S1001"));
  EXPECT_TRUE(exists("S1002"));  // all or nothing
  auto j = json::parse(patrond({"patrons", "delete", "S1001", "--json"}).out);
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["refused"].size(), 1u);
  EXPECT_EQ(j["refused"][0]["district_id"], "S1001");
  EXPECT_EQ(j["refused"][0]["reasons"], json::array({"1 open loan"}));

  auto dry = patrond({"patrons", "delete", "S1001", "--with-transactions", "--dry-run"});
  ASSERT_EQ(dry.exitCode, 0) << dry.err;
  EXPECT_NE(dry.out.find("Dry run: would delete 1 patron (nothing changed):"), std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("(1 open loan: loans would be closed as lost)"), std::string::npos)
      << dry.out;
  EXPECT_TRUE(exists("S1001"));
  EXPECT_EQ(json::parse(patrond({"items", "show", "T0001", "--json"}).out)["status"],
            "checked_out");

  auto done = patrond({"patrons", "delete", "S1001", "--with-transactions", "--json"});
  ASSERT_EQ(done.exitCode, 0) << done.err;
  json d = json::parse(done.out);
  EXPECT_EQ(d["ok"], true);
  EXPECT_EQ(d["dry_run"], false);
  ASSERT_EQ(d["deleted"].size(), 1u);
  EXPECT_EQ(d["deleted"][0]["district_id"], "S1001");
  EXPECT_EQ(d["deleted"][0]["open_loans"], 1);
  EXPECT_EQ(d["deleted"][0]["unpaid_fines"], "0.00");
  EXPECT_FALSE(exists("S1001"));
  EXPECT_EQ(json::parse(patrond({"items", "show", "T0001", "--json"}).out)["status"], "lost");
}

TEST_F(PatronCommandsCli, DeleteBadInputIsAUsageErrorAndChangesNothing) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases{
      {{"patrons", "delete", "S1001", "NOPE", "S9999"},
       "no patron with district id or barcode 'NOPE'; 'S9999': nothing deleted"},
      {{"patrons", "delete"}, "patrons delete needs the patrons"},
      {{"patrons", "delete", "--site", "LHS"}, "--site requires --homeroom"},
      {{"patrons", "delete", "--homeroom", "Moved"}, "--homeroom requires --site"},
      {{"patrons", "delete", "S1001", "--site", "LHS", "--homeroom", "Moved"}, "excludes"},
      {{"patrons", "delete", "--site", "LHS", "--homeroom", ""}, "each need a value"},
      {{"patrons", "delete", "--site", " ", "--homeroom", "Moved"}, "each need a value"},
      {{"patrons", "delete", "--site", "XYZ", "--homeroom", "Moved"},
       "site 'XYZ' is not configured"},
      {{"patrons", "delete", "--site", "LHS", "--homeroom", "Nowhere"},
       "no patron has homeroom 'Nowhere' at site LHS: nothing deleted"},
      {{"patrons", "delete", "--site", "WES", "--homeroom", "Moved", "--dry-run"},
       "no patron has homeroom 'Moved' at site WES"},
  };
  for (const auto& c : cases) {
    auto r = patrond(c.args);
    EXPECT_EQ(r.exitCode, 2) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.args.back() << ": " << r.err;
  }
  EXPECT_TRUE(exists("S1001"));
  auto moved = json::parse(patrond({"patrons", "list", "--homeroom", "Moved", "--json"}).out);
  EXPECT_EQ(moved.size(), 6u);
}

}  // namespace
}  // namespace patrond
