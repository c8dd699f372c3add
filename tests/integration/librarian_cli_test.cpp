// issue 18, the librarian's commands through the real binary on the shipped example
// (SQLite): `items show/list`, `fines list/waive`, who overrode a checkout, and `reports
// loans` in text, CSV (parsed back; formulas made inert) and HTML (escaped). JSON shapes,
// bad input with its exit code, and refusals that change nothing.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Who patrond records when no --by is given (daemon/librarian_commands.h, loginName).
std::string expectedLoginName() {
  char buf[256];
  if (::getlogin_r(buf, sizeof buf) == 0 && buf[0] != '\0') {
    return buf;
  }
  if (::geteuid() == 0) {
    if (const char* s = std::getenv("SUDO_USER"); s != nullptr && *s != '\0') {
      return s;
    }
  }
  const passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : "#" + std::to_string(::geteuid());
}

// RFC 4180 records: quoted fields with doubled quotes, CR LF between records.
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      ++i;
      any = false;
    } else {
      EXPECT_NE(c, '\n') << "a bare LF outside quotes at " << i;
      field += c;
      any = true;
    }
  }
  EXPECT_FALSE(quoted) << "an unterminated quote";
  EXPECT_TRUE(field.empty() && row.empty() && !any) << "the last record has no CR LF";
  return rows;
}

class LibrarianCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    logFile_ = (dir_.path() / "logs" / "patrond.log").string();
    std::string yaml = test::readFile(config_);
    const std::string logging = "logging:\n  level: info\n  system: false\n";
    auto at = yaml.find(logging);
    ASSERT_NE(at, std::string::npos);
    yaml.replace(at, logging.size(), logging + "  file: " + logFile_ + "\n");
    test::writeFile(config_, yaml);
    copies_ = (dir_.path() / "conf" / "items" / "copies.csv").string();
    auto r = patrond({"import", "students", "--as-of", "2026-08-20 02:00"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    r = patrond({"items", "import", copies_, "--as-of", "2026-08-20 09:00"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }
  json jsonOf(std::vector<std::string> args, int expectedExit = 0) {
    args.push_back("--json");
    auto r = patrond(args);
    EXPECT_EQ(r.exitCode, expectedExit) << args[0] << " " << args[1] << ": " << r.err;
    last_ = r;
    return json::parse(r.out.empty() ? "null" : r.out);
  }
  void checkoutOk(const std::string& patron, const std::string& copy,
                  const std::string& when = "2026-09-01 10:00") {
    auto r = patrond({"circ", "checkout", patron, copy, "--as-of", when});
    ASSERT_EQ(r.exitCode, 0) << patron << " " << copy << ": " << r.err;
  }

  test::TempDir dir_;
  std::string config_, copies_, logFile_;
  test::CommandResult last_;
};

TEST_F(LibrarianCli, ItemsShowGivesTheCopyAndItsLoan) {
  auto j = jsonOf({"items", "show", "T0001"});
  EXPECT_EQ(j["copy"], "T0001");
  EXPECT_EQ(j["title"], "Algebra I");
  EXPECT_EQ(j["status"], "available");
  EXPECT_EQ(j["condition"], "new");
  EXPECT_EQ(j["value"], "60.00");
  EXPECT_EQ(j["circulations"], 0);
  EXPECT_EQ(j["site"], "LHS");
  EXPECT_EQ(j["replacement_price"], "72.50");
  EXPECT_TRUE(j["loan"].is_null());

  checkoutOk("S1001", "T0001");
  j = jsonOf({"items", "show", "T0001", "--as-of", "2026-09-02"});
  EXPECT_EQ(j["status"], "checked_out");
  ASSERT_TRUE(j["loan"].is_object()) << j.dump();
  EXPECT_EQ(j["loan"]["patron"], "P1001");
  EXPECT_EQ(j["loan"]["district_id"], "S1001");
  EXPECT_EQ(j["loan"]["due"], "2027-02-28");
  EXPECT_EQ(j["loan"]["status"], "open");
  EXPECT_EQ(j["loan"]["patron_status"], "active");
  EXPECT_EQ(j["loan"]["overridden"], false);
  EXPECT_TRUE(j["loan"]["override_by"].is_null());

  auto text = patrond({"items", "show", "T0001", "--as-of", "2026-09-02"});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_NE(text.out.find("T0001 'Algebra I'"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("status: checked_out"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("value: 60.00"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("loan: to Smith, Chloé (P1001)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("due 2027-02-28"), std::string::npos) << text.out;

  auto unknown = jsonOf({"items", "show", "Z9999"}, 2);
  EXPECT_EQ(unknown["ok"], false);
  EXPECT_NE(last_.err.find("no copy with barcode 'Z9999'"), std::string::npos) << last_.err;
  EXPECT_EQ(patrond({"items", "show"}).exitCode, 2);
}

TEST_F(LibrarianCli, ItemsListFiltersBySiteStatusAndTitle) {
  checkoutOk("S1001", "T0001");
  auto all = jsonOf({"items", "list"});
  ASSERT_EQ(all.size(), 11u);  // 14 rows, 3 of them bad
  EXPECT_EQ(all[0]["copy"], "L0001");
  EXPECT_EQ(all[0]["title"], "Charlotte's Web");
  EXPECT_EQ(all[0]["textbook"], false);
  auto wes = jsonOf({"items", "list", "--site", "WES"});
  ASSERT_EQ(wes.size(), 2u);
  EXPECT_EQ(wes[0]["copy"], "L0001");
  EXPECT_EQ(wes[1]["copy"], "T0009");
  auto out = jsonOf({"items", "list", "--status", "checked_out"});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["copy"], "T0001");
  auto bio = jsonOf({"items", "list", "--title", "LIVING world", "--status", "available"});
  ASSERT_EQ(bio.size(), 2u);
  EXPECT_EQ(bio[0]["copy"], "T0004");
  EXPECT_EQ(bio[1]["condition"], "fair");
  EXPECT_EQ(bio[1]["value"], "42.50");
  EXPECT_EQ(jsonOf({"items", "list", "--limit", "3"}).size(), 3u);
  EXPECT_TRUE(jsonOf({"items", "list", "--title", "Quantum"}).empty());
  auto text = patrond({"items", "list", "--site", "WES"});
  ASSERT_EQ(text.exitCode, 0);
  EXPECT_NE(text.out.find("T0009  'Reading Street 3'  WES  available  new  32.00"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("2 copies"), std::string::npos) << text.out;

  auto site = patrond({"items", "list", "--site", "XYZ"});
  EXPECT_EQ(site.exitCode, 2);
  EXPECT_NE(site.err.find("site 'XYZ' is not configured"), std::string::npos) << site.err;
  EXPECT_EQ(patrond({"items", "list", "--status", "gone"}).exitCode, 2);
  EXPECT_EQ(patrond({"items", "list", "--limit", "lots"}).exitCode, 2);
  EXPECT_EQ(patrond({"items", "list", "--limit", "0"}).exitCode, 2);
}

// Commands that only read never create a database (SPEC section 11).
TEST(LibrarianCliFresh, ReadOnlyCommandsSayToMigrateAndCreateNothing) {
  test::TempDir dir;
  std::string config = test::copyExamples(dir);
  auto before = std::distance(fs::recursive_directory_iterator(dir.path()),
                              fs::recursive_directory_iterator());
  for (std::vector<std::string> args : {std::vector<std::string>{"items", "show", "T0001"},
                                        {"items", "list"},
                                        {"fines", "list"},
                                        {"fines", "list", "S1001"},
                                        {"reports", "loans"},
                                        {"reports", "loans", "--format", "csv"}}) {
    auto r = test::runPatrond(PATROND_BIN, config, args);
    EXPECT_EQ(r.exitCode, 2) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find("patrond db migrate"), std::string::npos) << r.err;
  }
  auto after = std::distance(fs::recursive_directory_iterator(dir.path()),
                             fs::recursive_directory_iterator());
  EXPECT_EQ(before, after);
}

TEST_F(LibrarianCli, OverrideRecordsWhoInTheLoanItsDisplaysAndTheLog) {
  ASSERT_EQ(patrond({"circ", "checkout", "S1001", "T0002", "--due", "2026-09-10", "--as-of",
                     "2026-09-01"})
                .exitCode,
            0);
  // --by without --override, a blank or hostile name: usage errors, nothing checked out.
  EXPECT_EQ(patrond({"circ", "checkout", "S1001", "T0003", "--by", "ms.jones"}).exitCode, 2);
  for (std::string bad :
       std::vector<std::string>{"", "  ", "ms\x1b[2Jjones", std::string(101, 'x')}) {
    auto r = patrond(
        {"circ", "checkout", "S1001", "T0003", "--override", "--by", bad, "--as-of", "2026-09-15"});
    EXPECT_EQ(r.exitCode, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--by"), std::string::npos) << r.err;
  }
  EXPECT_EQ(jsonOf({"items", "show", "T0003"})["status"], "available");

  auto forced = jsonOf({"circ", "checkout", "S1001", "T0003", "--override", "--by", "ms.jones",
                        "--as-of", "2026-09-15"});
  EXPECT_EQ(forced["ok"], true);
  EXPECT_EQ(forced["override"], true);
  EXPECT_EQ(forced["override_by"], "ms.jones");
  auto show = jsonOf({"patrons", "show", "S1001", "--as-of", "2026-09-15"});
  ASSERT_EQ(show["loans"].size(), 2u);
  EXPECT_TRUE(show["loans"][0]["override_by"].is_null());
  EXPECT_EQ(show["loans"][1]["copy"], "T0003");
  EXPECT_EQ(show["loans"][1]["overridden"], true);
  EXPECT_EQ(show["loans"][1]["override_by"], "ms.jones");
  auto text = patrond({"patrons", "show", "S1001", "--as-of", "2026-09-15"});
  EXPECT_NE(text.out.find("T0003 'Algebra I' due 2027-03-14, blocks overridden by ms.jones"),
            std::string::npos)
      << text.out;
  auto item = jsonOf({"items", "show", "T0003", "--as-of", "2026-09-15"});
  EXPECT_EQ(item["loan"]["override_by"], "ms.jones");
  auto itemText = patrond({"items", "show", "T0003", "--as-of", "2026-09-15"});
  EXPECT_NE(itemText.out.find("override by ms.jones: OVERDUE"), std::string::npos) << itemText.out;
  auto checkoutText = patrond({"circ", "checkout", "S1001", "T0004", "--override", "--by", "Mr. Ng",
                               "--as-of", "2026-09-15"});
  ASSERT_EQ(checkoutText.exitCode, 0) << checkoutText.err;
  EXPECT_NE(checkoutText.out.find("overridden by Mr. Ng"), std::string::npos) << checkoutText.out;

  // No --by: the login name.
  auto mine = jsonOf({"circ", "checkout", "S1001", "T0005", "--override", "--as-of", "2026-09-15"});
  EXPECT_EQ(mine["override_by"], expectedLoginName());
  // Nothing to override: no one is recorded.
  auto plain = jsonOf({"circ", "checkout", "S1003", "T0006", "--override", "--by", "ms.jones"});
  EXPECT_EQ(plain["override"], false);
  EXPECT_TRUE(plain["override_by"].is_null());

  std::string log = test::readFile(logFile_);
  EXPECT_NE(log.find("checkout of T0003 to P1001 overrode its blocks, by ms.jones (OVERDUE: "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("overrode its blocks, by " + expectedLoginName()), std::string::npos) << log;
}

TEST_F(LibrarianCli, FinesAreListedAndWaivedWithWhoWhenAndWhy) {
  ASSERT_EQ(patrond({"circ", "checkout", "S1002", "T0007", "--due", "2026-09-05", "--as-of",
                     "2026-09-01"})
                .exitCode,
            0);
  ASSERT_EQ(jsonOf({"circ", "sweep", "--as-of", "2026-10-05 01:00"})["fines_charged"], "41.63");
  auto lost = patrond({"items", "show", "T0007"});
  EXPECT_NE(lost.out.find("status: lost"), std::string::npos) << lost.out;
  EXPECT_NE(lost.out.find("loan: lost by Smith, Léa (P1002)"), std::string::npos) << lost.out;
  EXPECT_NE(lost.out.find(", marked lost 2026-10-05T01:00:00-05:00"), std::string::npos)
      << lost.out;
  EXPECT_EQ(jsonOf({"items", "show", "T0007"})["loan"]["status"], "lost");

  auto all = jsonOf({"fines", "list"});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["patron"], "P1002");
  EXPECT_EQ(all[0]["district_id"], "S1002");
  EXPECT_EQ(all[0]["owed"], "41.63");
  EXPECT_EQ(all[0]["charged"], "41.63");
  EXPECT_NE(all[0]["reason"].get<std::string>().find("T0007"), std::string::npos);
  auto allText = patrond({"fines", "list"});
  EXPECT_NE(allText.out.find("1 unpaid fine(s) of 1 patron(s), 41.63 owed"), std::string::npos)
      << allText.out;
  auto none = jsonOf({"fines", "list", "S1001"});
  EXPECT_EQ(none["fine_balance"], "0.00");
  EXPECT_TRUE(none["fines"].empty());

  // Bad input: usage errors (exit 2) and refusals (exit 1); nothing changes.
  struct Bad {
    std::vector<std::string> args;
    int exit;
    std::string says;
  };
  std::vector<Bad> bad{
      {{"S1002", "-5.00", "--reason", "x"}, 2, "more than 0.00, got -5.00"},
      {{"S1002", "0", "--reason", "x"}, 2, "more than 0.00"},
      {{"S1002", "lots", "--reason", "x"}, 2, "not an amount of money"},
      {{"S1002", "1.001", "--reason", "x"}, 2, "not an amount of money"},
      {{"S1002", "41.64", "--reason", "x"}, 1, "more than S1002's balance of 41.63"},
      {{"S1001", "1.00", "--reason", "x"}, 1, "owes no fines"},
      {{"S9999", "1.00", "--reason", "x"}, 2, "no patron with district id or barcode 'S9999'"},
      {{"S1002", "1.00"}, 2, "--reason"},
      {{"S1002", "1.00", "--reason", " "}, 2, "needs a reason"},
      {{"S1002", "1.00", "--reason", "x", "--by", ""}, 2, "--by"},
  };
  for (const auto& b : bad) {
    std::vector<std::string> args{"fines", "waive"};
    args.insert(args.end(), b.args.begin(), b.args.end());
    auto r = patrond(args);
    EXPECT_EQ(r.exitCode, b.exit) << b.args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
  }
  auto unchanged = jsonOf({"fines", "list", "S1002"});
  EXPECT_EQ(unchanged["fine_balance"], "41.63");
  EXPECT_TRUE(unchanged["waivers"].empty());
  auto badJson = jsonOf({"fines", "waive", "S1002", "50", "--reason", "x"}, 1);
  EXPECT_EQ(badJson["ok"], false);
  EXPECT_EQ(badJson["code"], "NOT_OWED");

  auto w = jsonOf({"fines", "waive", "S1002", "10.00", "--reason", "found on the bus", "--by",
                   "ms.jones", "--as-of", "2026-10-06 09:30"});
  EXPECT_EQ(w["ok"], true);
  EXPECT_EQ(w["patron"], "P1002");
  EXPECT_EQ(w["waived"], "10.00");
  EXPECT_EQ(w["by"], "ms.jones");
  EXPECT_EQ(w["reason"], "found on the bus");
  EXPECT_EQ(w["fine_balance"], "31.63");
  EXPECT_EQ(w["at"].get<std::string>().substr(0, 19), "2026-10-06T09:30:00");
  auto text = patrond({"fines", "waive", "P1002", "1.63", "--reason", "rounding"});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_NE(text.out.find("Waived 1.63 of Smith, Léa (P1002)'s fines (by " + expectedLoginName() +
                          ": rounding); balance now 30.00"),
            std::string::npos)
      << text.out;

  auto after = jsonOf({"fines", "list", "S1002"});
  EXPECT_EQ(after["fine_balance"], "30.00");
  ASSERT_EQ(after["fines"].size(), 1u);
  EXPECT_EQ(after["fines"][0]["charged"], "41.63");
  EXPECT_EQ(after["fines"][0]["waived"], "11.63");
  EXPECT_EQ(after["fines"][0]["paid"], "0.00");
  EXPECT_EQ(after["fines"][0]["owed"], "30.00");
  ASSERT_EQ(after["waivers"].size(), 2u);
  EXPECT_EQ(after["waivers"][0]["amount"], "10.00");
  EXPECT_EQ(after["waivers"][0]["by"], "ms.jones");
  EXPECT_EQ(after["waivers"][1]["by"], expectedLoginName());
  auto listText = patrond({"fines", "list", "S1002"});
  EXPECT_NE(listText.out.find("owes 30.00"), std::string::npos) << listText.out;
  EXPECT_NE(listText.out.find("charged 41.63, paid 0.00, waived 11.63, owed 30.00"),
            std::string::npos)
      << listText.out;
  EXPECT_NE(listText.out.find("10.00 by ms.jones: found on the bus"), std::string::npos)
      << listText.out;
  // Payments still see the balance the waivers left.
  EXPECT_EQ(patrond({"fines", "pay", "S1002", "30.01"}).exitCode, 3);
  EXPECT_EQ(jsonOf({"fines", "pay", "S1002", "30"})["fine_balance"], "0.00");
  EXPECT_TRUE(jsonOf({"fines", "list"}).empty());
  EXPECT_EQ(patrond({"fines", "list", "S9999"}).exitCode, 2);

  std::string log = test::readFile(logFile_);
  EXPECT_NE(log.find("fines of P1002: 10.00 waived by ms.jones (found on the bus); balance now "
                     "31.63"),
            std::string::npos)
      << log;
}

class LoansReportCli : public LibrarianCli {
 protected:
  void SetUp() override {
    LibrarianCli::SetUp();
    // Titles a spreadsheet would run, and one a browser would.
    std::string file = (dir_.path() / "hostile.csv").string();
    test::writeFile(
        file,
        "copy_barcode,title,isbn,site,purchase_price,replacement_price,condition,textbook\n"
        "H0001,\"=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\",,LHS,10.00,,new,yes\n"
        "H0002,\"<script>alert('x')</script> & \"\"q\"\"\",,LHS,10.00,,new,yes\n"
        "H0003,\"@SUM(A1), -1\",,LHS,10.00,,new,yes\n");
    auto r = patrond({"items", "import", file, "--as-of", "2026-08-21 09:00"});
    ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
    checkoutOk("S1004", "T0001");  // LHS Moved
    checkoutOk("S1005", "T0002");  // LHS Moved
    checkoutOk("S1001", "T0004");  // LHS Smith 104
    checkoutOk("S1015", "T0007");  // JMS Reed 14
    checkoutOk("S1006", "T0006");  // LHS Smith 104: "Español para todos, 1"
    checkoutOk("S1006", "H0001");
    checkoutOk("S1006", "H0002");
    checkoutOk("S1006", "H0003");
    // Damaged while out: now worth the title's replacement price (72.50).
    r = patrond({"circ", "condition", "T0002", "damaged", "--as-of", "2026-09-02"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
};

TEST_F(LoansReportCli, JsonCountsAndValuesPerHomeroomWithTheCurrentCondition) {
  auto j = jsonOf({"reports", "loans", "--as-of", "2026-09-15"});
  EXPECT_EQ(j["date"], "2026-09-15");
  EXPECT_EQ(j["filters"]["status"], "all");
  ASSERT_EQ(j["loans"].size(), 8u);
  EXPECT_EQ(j["total"]["loans"], 8);
  // JMS Reed 14: 41.63; LHS Moved: 60.00 + 72.50; LHS Smith 104: 85.00 + 48.00 + 3 x 10.00.
  EXPECT_EQ(j["total"]["value"], "337.13");
  ASSERT_EQ(j["homerooms"].size(), 3u);
  EXPECT_EQ(j["homerooms"][0],
            json({{"site", "JMS"}, {"homeroom", "Reed 14"}, {"loans", 1}, {"value", "41.63"}}));
  EXPECT_EQ(j["homerooms"][1],
            json({{"site", "LHS"}, {"homeroom", "Moved"}, {"loans", 2}, {"value", "132.50"}}));
  EXPECT_EQ(j["homerooms"][2]["homeroom"], "Smith 104");
  EXPECT_EQ(j["homerooms"][2]["loans"], 5);
  EXPECT_EQ(j["homerooms"][2]["value"], "163.00");
  const json& first = j["loans"][1];  // LHS Moved: Smith, Jamal (S1004)
  EXPECT_EQ(first["site"], "LHS");
  EXPECT_EQ(first["homeroom"], "Moved");
  EXPECT_EQ(first["district_id"], "S1004");
  EXPECT_EQ(first["patron"], "P1004");
  EXPECT_EQ(first["last_name"], "Smith");
  EXPECT_EQ(first["patron_status"], "active");
  EXPECT_EQ(first["copy"], "T0001");
  EXPECT_EQ(first["title"], "Algebra I");
  EXPECT_EQ(first["due"], "2027-02-28");
  EXPECT_EQ(first["overdue_days"], 0);
  EXPECT_EQ(first["value"], "60.00");
  EXPECT_EQ(j["loans"][2]["condition"], "damaged");
  EXPECT_EQ(j["loans"][2]["value"], "72.50");

  auto moved = jsonOf({"reports", "loans", "--homeroom", "Moved", "--site", "LHS"});
  EXPECT_EQ(moved["total"], json({{"loans", 2}, {"value", "132.50"}}));
  EXPECT_EQ(moved["filters"]["homeroom"], "Moved");
  EXPECT_EQ(jsonOf({"reports", "loans", "--site", "JMS"})["total"]["loans"], 1);
  EXPECT_EQ(jsonOf({"reports", "loans", "--status", "active"})["total"]["loans"], 8);
  auto inactive = jsonOf({"reports", "loans", "--status", "inactive"});
  EXPECT_EQ(inactive["total"], json({{"loans", 0}, {"value", "0.00"}}));
  EXPECT_TRUE(inactive["loans"].empty());
}

TEST_F(LoansReportCli, BadInputIsAUsageError) {
  auto homeroom = patrond({"reports", "loans", "--homeroom", "Moovd"});
  EXPECT_EQ(homeroom.exitCode, 2);
  EXPECT_NE(homeroom.err.find("no patron has homeroom 'Moovd' (did you mean 'Moved'?)"),
            std::string::npos)
      << homeroom.err;
  auto elsewhere = patrond({"reports", "loans", "--homeroom", "Moved", "--site", "JMS"});
  EXPECT_EQ(elsewhere.exitCode, 2);
  EXPECT_NE(elsewhere.err.find("at site JMS"), std::string::npos) << elsewhere.err;
  EXPECT_EQ(patrond({"reports", "loans", "--site", "XYZ"}).exitCode, 2);
  EXPECT_EQ(patrond({"reports", "loans", "--status", "gone"}).exitCode, 2);
  EXPECT_EQ(patrond({"reports", "loans", "--format", "pdf"}).exitCode, 2);
  auto both = patrond({"reports", "loans", "--format", "csv", "--json"});
  EXPECT_EQ(both.exitCode, 2);
  // No report; with --json, the error as the one JSON document (no CSV, no partial output).
  EXPECT_EQ(json::parse(both.out)["ok"], false) << both.out;
  EXPECT_NE(both.out.find("exclude each other"), std::string::npos) << both.out;
  EXPECT_EQ(patrond({"reports"}).exitCode, 2);
  EXPECT_EQ(patrond({"reports", "fines"}).exitCode, 2);
}

TEST_F(LoansReportCli, TextShowsEachHomeroomAndTheTotal) {
  auto r = patrond({"reports", "loans", "--as-of", "2026-09-15"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Open loans on 2026-09-15 (patrons: all)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nLHS / Moved\n"
                       "  Smith, Jamal (P1004)  T0001 'Algebra I'  due 2027-02-28  new  60.00\n"
                       "  Smith, Léa (P1005)  T0002 'Algebra I'  due 2027-02-28  damaged  72.50\n"
                       "  2 loan(s), value 132.50\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Total: 8 loan(s), value 337.13, in 3 homeroom(s)"), std::string::npos)
      << r.out;
  auto overdue = patrond({"reports", "loans", "--site", "JMS", "--as-of", "2027-03-02"});
  EXPECT_NE(overdue.out.find("due 2027-02-28 (2 days overdue)"), std::string::npos) << overdue.out;
  auto empty = patrond({"reports", "loans", "--status", "inactive"});
  EXPECT_NE(empty.out.find("No open loans match."), std::string::npos) << empty.out;
  EXPECT_NE(empty.out.find("Total: 0 loan(s), value 0.00, in 0 homeroom(s)"), std::string::npos)
      << empty.out;
}

TEST_F(LoansReportCli, CsvParsesBackAndFormulasAreInert) {
  auto r = patrond({"reports", "loans", "--format", "csv", "--as-of", "2026-09-15"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto rows = parseCsv(r.out);
  // Header, 8 loans, 3 homeroom rows, the total.
  ASSERT_EQ(rows.size(), 13u);
  std::vector<std::string> header{
      "row",          "site",      "homeroom",      "district_id", "patron_barcode", "last_name",
      "first_name",   "grade",     "patron_status", "copy",        "title",          "due",
      "overdue_days", "condition", "loans",         "value"};
  EXPECT_EQ(rows[0], header);
  for (const auto& row : rows) {
    EXPECT_EQ(row.size(), header.size());
  }
  EXPECT_EQ(rows[1][0], "loan");
  EXPECT_EQ(rows[1][9], "T0007");
  EXPECT_EQ(rows[2][0], "homeroom");
  EXPECT_EQ(rows[2][2], "Reed 14");
  EXPECT_EQ(rows[2][14], "1");
  EXPECT_EQ(rows[2][15], "41.63");
  EXPECT_EQ(rows.back(), (std::vector<std::string>{"total", "", "", "", "", "", "", "", "", "", "",
                                                   "", "", "", "8", "337.13"}));
  std::map<std::string, std::string> titles;
  for (const auto& row : rows) {
    if (row[0] == "loan") {
      titles[row[9]] = row[10];
    }
  }
  EXPECT_EQ(titles["T0006"], "Español para todos, 1");  // a comma, quoted
  EXPECT_EQ(titles["H0001"], "'=HYPERLINK(\"http://evil.example/\",\"click\")");
  EXPECT_EQ(titles["H0002"], "<script>alert('x')</script> & \"q\"");
  EXPECT_EQ(titles["H0003"], "'@SUM(A1), -1");
  // The raw text: no cell starts with a formula character.
  EXPECT_EQ(r.out.find(",=HYPERLINK"), std::string::npos);
  EXPECT_EQ(r.out.find(",\"=HYPERLINK"), std::string::npos);
  EXPECT_NE(r.out.find(",\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\","),
            std::string::npos)
      << r.out;
}

TEST_F(LoansReportCli, HtmlIsOneEscapedSelfContainedPage) {
  auto r = patrond({"reports", "loans", "--format", "html", "--as-of", "2026-09-15"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string& html = r.out;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("</html>\n"), std::string::npos);
  // Nothing fetched from elsewhere.
  for (const char* outside : {"<link", "src=", "@import", "url("}) {
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  }
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<caption>LHS / Moved</caption>"), std::string::npos);
  EXPECT_NE(html.find("<td>Español para todos, 1</td>"), std::string::npos);
  EXPECT_NE(html.find("Total: 8 loan(s), value 337.13, in 3 homeroom(s)"), std::string::npos);
  auto moved = patrond({"reports", "loans", "--format", "html", "--homeroom", "Moved"});
  EXPECT_NE(moved.out.find("homeroom Moved"), std::string::npos);
  EXPECT_NE(moved.out.find("2 loan(s)</td><td class=\"num\">132.50"), std::string::npos)
      << moved.out;
}

}  // namespace
}  // namespace patrond
