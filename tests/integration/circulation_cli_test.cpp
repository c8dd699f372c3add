// `patrond items`, `circ`, `fines` and the circulation part of `patrons show` through the real
// binary on the shipped example (SQLite): exit codes 0/2/3, the SPEC's JSON shapes, and
// refusals that change nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;

class CircCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
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

  test::TempDir dir_;
  std::string config_, copies_;
  test::CommandResult last_;
};

TEST_F(CircCli, ItemsImportReportsBadRowsByLineAndReimportFindsThemUnchanged) {
  auto j = jsonOf({"items", "import", copies_});
  EXPECT_EQ(j["read"], 14);
  EXPECT_EQ(j["added"], 0);
  EXPECT_EQ(j["updated"], 0);
  EXPECT_EQ(j["unchanged"], 11);
  EXPECT_EQ(j["skipped"], 3);
  ASSERT_EQ(j["messages"].size(), 3u);
  EXPECT_EQ(j["messages"][0]["line"], 13);
  EXPECT_EQ(j["messages"][0]["code"], "UNKNOWN_SITE");
  EXPECT_EQ(j["messages"][0]["key"], "X0001");

  auto missing = patrond({"items", "import", (dir_.path() / "nope.csv").string()});
  EXPECT_EQ(missing.exitCode, 1);
  EXPECT_NE(missing.err.find("nope.csv"), std::string::npos);
  auto encoding = patrond({"items", "import", copies_, "--encoding", "ebcdic"});
  EXPECT_EQ(encoding.exitCode, 2);
  EXPECT_NE(encoding.err.find("unknown encoding 'ebcdic'"), std::string::npos) << encoding.err;
  test::writeFile(dir_ / "bad.csv", "barcode,title\nT1,X\n");
  auto header = patrond({"items", "import", dir_ / "bad.csv"});
  EXPECT_EQ(header.exitCode, 1);
  EXPECT_NE(header.err.find("bad.csv:1: the header has no column 'copy_barcode'"),
            std::string::npos)
      << header.err;
  // A header and no rows is a truncated export: a failure, like an empty patron file.
  for (std::string text :
       {"copy_barcode,title\n", "copy_barcode,title\n\n", "copy_barcode,title"}) {
    test::writeFile(dir_ / "h.csv", text);
    auto h = patrond({"items", "import", dir_ / "h.csv"});
    EXPECT_EQ(h.exitCode, 1) << h.out;
    EXPECT_NE(h.err.find("h.csv:1: the file has a header line but no rows"), std::string::npos)
        << h.err;
  }
}

TEST_F(CircCli, CheckoutCheckinAndTheCopyShape) {
  auto co = jsonOf({"circ", "checkout", "S1001", "T0001", "--as-of", "2026-09-01 10:00"});
  EXPECT_EQ(co["ok"], true);
  EXPECT_EQ(co["patron"], "P1001");
  EXPECT_EQ(co["copy"], "T0001");
  EXPECT_EQ(co["due"], "2027-02-28");
  EXPECT_EQ(co["override"], false);
  EXPECT_TRUE(co["blocks"].empty());

  auto show = jsonOf({"patrons", "show", "P1001", "--as-of", "2026-09-02"});
  ASSERT_EQ(show["loans"].size(), 1u);
  EXPECT_EQ(show["loans"][0]["copy"], "T0001");
  EXPECT_EQ(show["loans"][0]["title"], "Algebra I");
  EXPECT_EQ(show["loans"][0]["due"], "2027-02-28");
  EXPECT_EQ(show["loans"][0]["overdue_days"], 0);
  EXPECT_EQ(show["fine_balance"], "0.00");

  auto in = jsonOf({"circ", "checkin", "T0001", "--as-of", "2026-09-20 10:00"});
  EXPECT_EQ(in["copy"], "T0001");
  EXPECT_EQ(in["status"], "available");
  EXPECT_EQ(in["condition"], "new");
  EXPECT_EQ(in["value"], "60.00");
  EXPECT_EQ(in["circulations"], 1);
  EXPECT_EQ(in["title"], "Algebra I");

  EXPECT_EQ(patrond({"circ", "checkin", "Z9999"}).exitCode, 2);  // unknown copy
  // Not out any more: refused, exit 3, nothing changed.
  auto again = patrond({"circ", "checkin", "T0001", "--as-of", "2026-09-21"});
  EXPECT_EQ(again.exitCode, 3);
  EXPECT_NE(again.err.find("not checked out"), std::string::npos);
}

TEST_F(CircCli, BlockedCheckoutExitsThreeNamesEveryBlockAndOverrideWorks) {
  // District max_checkouts 10, elementary 6; LHS loses after 60 days. Make S1001 overdue.
  ASSERT_EQ(patrond({"circ", "checkout", "S1001", "T0002", "--due", "2026-09-10", "--as-of",
                     "2026-09-01"})
                .exitCode,
            0);
  auto blocked = jsonOf({"circ", "checkout", "S1001", "T0003", "--as-of", "2026-09-15"}, 3);
  EXPECT_EQ(blocked["ok"], false);
  ASSERT_EQ(blocked["blocks"].size(), 1u);
  EXPECT_EQ(blocked["blocks"][0]["code"], "OVERDUE");
  EXPECT_NE(last_.err.find("OVERDUE"), std::string::npos);
  EXPECT_NE(last_.err.find("--override"), std::string::npos);
  auto show = jsonOf({"patrons", "show", "S1001", "--as-of", "2026-09-15"});
  EXPECT_EQ(show["loans"].size(), 1u);  // the refused checkout changed nothing
  EXPECT_EQ(show["loans"][0]["overdue_days"], 5);
  EXPECT_EQ(show["blocks"][0]["code"], "OVERDUE");

  auto forced =
      jsonOf({"circ", "checkout", "S1001", "T0003", "--override", "--as-of", "2026-09-15"});
  EXPECT_EQ(forced["ok"], true);
  EXPECT_EQ(forced["override"], true);
  EXPECT_EQ(forced["blocks"][0]["code"], "OVERDUE");

  // A copy already out: no override gets past that.
  auto out = jsonOf({"circ", "checkout", "S1002", "T0003", "--override"}, 3);
  EXPECT_EQ(out["blocks"][0]["code"], "COPY_OUT");
  // Unknown patron, copy, condition: usage errors, exit 2.
  EXPECT_EQ(patrond({"circ", "checkout", "S9999", "T0004"}).exitCode, 2);
  EXPECT_EQ(patrond({"circ", "checkout", "S1001", "Z9999"}).exitCode, 2);
  EXPECT_EQ(patrond({"circ", "checkout", "S1001", "T0004", "--due", "someday"}).exitCode, 2);
  EXPECT_EQ(patrond({"circ", "condition", "T0004", "shiny"}).exitCode, 2);
}

TEST_F(CircCli, SweepChargesLostCopiesOnceAndFinesArePaid) {
  ASSERT_EQ(patrond({"circ", "checkout", "S1002", "T0007", "--due", "2026-09-05", "--as-of",
                     "2026-09-01"})
                .exitCode,
            0);
  auto none = jsonOf({"circ", "sweep", "--as-of", "2026-10-04 01:00"});
  EXPECT_EQ(none["lost"], 0);
  auto s = jsonOf({"circ", "sweep", "--as-of", "2026-10-05 01:00"});
  EXPECT_EQ(s["lost"], 1);
  EXPECT_EQ(s["fines_charged"], "41.63");  // good: 75% of 55.50, to the cent
  EXPECT_EQ(s["loans"], json::array({"T0007"}));
  auto twice = jsonOf({"circ", "sweep", "--as-of", "2026-10-06 01:00"});
  EXPECT_EQ(twice["lost"], 0);
  EXPECT_EQ(twice["fines_charged"], "0.00");

  auto show = jsonOf({"patrons", "show", "S1002", "--as-of", "2026-10-06"});
  EXPECT_EQ(show["fine_balance"], "41.63");
  EXPECT_EQ(show["blocks"][0]["code"], "FINES");
  EXPECT_EQ(show["blocks"][0]["text"], "unpaid fines 41.63");

  auto over = patrond({"fines", "pay", "S1002", "50.00"});
  EXPECT_EQ(over.exitCode, 3);
  EXPECT_NE(over.err.find("41.63"), std::string::npos);
  EXPECT_EQ(patrond({"fines", "pay", "S1002", "lots"}).exitCode, 2);
  EXPECT_EQ(patrond({"fines", "pay", "S1002", "0.00"}).exitCode, 2);
  auto pay = jsonOf({"fines", "pay", "S1002", "40"});
  EXPECT_EQ(pay["paid"], "40.00");
  EXPECT_EQ(pay["fine_balance"], "1.63");
  pay = jsonOf({"fines", "pay", "P1002", "1.63"});
  EXPECT_EQ(pay["fine_balance"], "0.00");
}

TEST_F(CircCli, ConditionByHandRevaluesTheCopy) {
  auto c = jsonOf({"circ", "condition", "T0004", "damaged"});
  EXPECT_EQ(c["condition"], "damaged");
  EXPECT_EQ(c["value"], "90.00");  // the title's replacement price
  c = jsonOf({"circ", "condition", "T0004", "fair"});
  EXPECT_EQ(c["value"], "42.50");
}

TEST_F(CircCli, BadInputSweepShowsABarcodeWithControlCharactersEscaped) {
  // A copy barcode from a copies file that tries to clear the librarian's screen.
  std::string header = test::readFile(copies_).substr(0, test::readFile(copies_).find('\n') + 1);
  // The row of T0007, the copy SweepChargesLostCopiesOnceAndFinesArePaid sees go lost.
  std::string all = test::readFile(copies_);
  std::string row = all.substr(all.find("\nT0007,") + 1);
  row = row.substr(0, row.find('\n'));
  std::string barcode = "T\x1b[2J99";
  std::string hostileRow = barcode + row.substr(row.find(','));
  std::string file = (dir_.path() / "hostile.csv").string();
  test::writeFile(file, header + hostileRow + "\n");
  auto imported = patrond({"items", "import", file, "--as-of", "2026-08-21 09:00"});
  ASSERT_EQ(imported.exitCode, 0) << imported.err << imported.out;
  ASSERT_EQ(patrond({"circ", "checkout", "S1002", barcode, "--due", "2026-09-05", "--as-of",
                     "2026-09-01"})
                .exitCode,
            0);
  auto s = patrond({"circ", "sweep", "--as-of", "2026-10-05 01:00"});
  ASSERT_EQ(s.exitCode, 0) << s.err;
  EXPECT_NE(s.out.find("  T\\x1b[2J99\n"), std::string::npos) << s.out;
  EXPECT_EQ(s.out.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace patrond
