// `patrond import`, `runs`, `summary`, `patrons` through the real binary, with the bad input
// the issue lists: each gives a clear message and changes nothing it should not.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ImportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    sis_ = (dir_.path() / "conf" / "sis").string();
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }
  json importJson(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"import", "students", "--json", "--as-of", "2026-10-15 02:00"};
    if (!file.empty()) {
      args.push_back("--file");
      args.push_back(file);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = patrond(args);
    last_ = r;
    return json::parse(r.out.empty() ? "{}" : r.out);
  }
  std::int64_t patronCount() {
    auto r = patrond({"patrons", "list", "--json"});
    return static_cast<std::int64_t>(json::parse(r.out).size());
  }
  std::string header() {
    return "StudentID,Barcode,LastName,FirstName,MiddleName,SchoolCode,Grade,GradYear,Homeroom,"
           "TeacherEmail,DOB,Email,Username\n";
  }
  std::string good(int n, const std::string& last = "Núñez") {
    return "S" + std::to_string(n) + ",P" + std::to_string(n) + "," + last +
           ",Zoë,,LHS,10,2029,Smith 104,,01/02/2011,,z" + std::to_string(n) + "\n";
  }

  test::TempDir dir_;
  std::string config_, sis_;
  test::CommandResult last_;
};

TEST_F(ImportCli, ShippedSampleImportsWithItsDeliberateBadRows) {
  auto j = importJson("");
  ASSERT_EQ(last_.exitCode, 0) << last_.err;
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["type"], "full");
  EXPECT_EQ(j["counts"]["read"], 47);
  EXPECT_EQ(j["counts"]["added"], 43);
  EXPECT_EQ(j["counts"]["skipped"], 4);
  EXPECT_EQ(j["lifecycle"]["ran"], true);
  std::set<std::string> codes;
  for (const auto& m : j["messages"]) {
    codes.insert(m["code"].get<std::string>());
    EXPECT_TRUE(m["line"].is_number());
  }
  EXPECT_EQ(codes, (std::set<std::string>{"RULE_SKIP", "RULE_REJECT", "UNKNOWN_SITE", "BAD_DATE"}));
  auto runId = j["run_id"].get<int>();
  auto summary = patrond({"summary", std::to_string(runId), "--errors-only", "--json"});
  ASSERT_EQ(summary.exitCode, 0);
  EXPECT_EQ(json::parse(summary.out)["messages"].size(), 3u);
  auto text = patrond({"summary", std::to_string(runId)});
  EXPECT_NE(text.out.find("UNKNOWN_SITE: site 'XYZ' is not configured"), std::string::npos)
      << text.out;
  auto runs = patrond({"runs", "--json", "--job", "students"});
  EXPECT_EQ(json::parse(runs.out)[0]["run_id"], runId);
  auto p = patrond({"patrons", "show", "P1001", "--json"});
  ASSERT_EQ(p.exitCode, 0);
  EXPECT_EQ(json::parse(p.out)["district_id"], "S1001");
  auto list = patrond({"patrons", "list", "--site", "WES", "--json"});
  ASSERT_EQ(list.exitCode, 0) << list.err;
  ASSERT_FALSE(json::parse(list.out).empty());
  for (const auto& x : json::parse(list.out)) {
    EXPECT_EQ(x["site"], "WES");
  }
  // Streamed a patron at a time, the output is still the array's own indented form, and the
  // text listing counts what it printed.
  EXPECT_EQ(list.out, json::parse(list.out).dump(2) + "\n");
  auto none = patrond({"patrons", "list", "--site", "NOSUCH", "--json"});
  EXPECT_EQ(none.out, "[]\n");
  // Not an error (a removed site's patrons can still be listed), but said on stderr.
  EXPECT_EQ(none.exitCode, 0);
  EXPECT_NE(none.err.find("site 'NOSUCH' is not in sites: (configured: "), std::string::npos)
      << none.err;
  EXPECT_EQ(patrond({"patrons", "list", "--site", "WES"}).err, "");
  auto listing = patrond({"patrons", "list", "--site", "WES"});
  EXPECT_NE(listing.out.find(std::to_string(json::parse(list.out).size()) + " patron(s)\n"),
            std::string::npos)
      << listing.out;
}

TEST_F(ImportCli, SecondRunIncrementalFindsNothingChanged) {
  importJson("");
  auto j = importJson("", {"--incremental"});
  EXPECT_EQ(j["type"], "incremental");
  EXPECT_EQ(j["counts"]["unchanged"], 43);
  EXPECT_EQ(j["counts"]["updated"], 0);
}

TEST_F(ImportCli, MissingFileIsAFailedRunExitOne) {
  auto j = importJson(dir_ / "nope.csv");
  EXPECT_EQ(last_.exitCode, 1);
  EXPECT_EQ(j["status"], "failed");
  EXPECT_NE(j["messages"][0]["text"].get<std::string>().find("nope.csv"), std::string::npos);
  auto runs = patrond({"runs", "--json"});
  EXPECT_EQ(json::parse(runs.out)[0]["status"], "failed");
}

TEST_F(ImportCli, EmptyFileFailsAndChangesNothing) {
  importJson("");
  test::writeFile(dir_ / "empty.csv", "");
  auto j = importJson(dir_ / "empty.csv");
  EXPECT_EQ(last_.exitCode, 1);
  EXPECT_EQ(j["messages"][0]["code"], "EMPTY_FILE");
  EXPECT_EQ(patronCount(), 43);
}

TEST_F(ImportCli, HeaderWithoutARequiredColumnFailsAndAppliesNothing) {
  test::writeFile(dir_ / "h.csv", "StudentID,Barcode,LastName\nS1,P1,X\n");
  auto j = importJson(dir_ / "h.csv");
  EXPECT_EQ(last_.exitCode, 1);
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["counts"]["added"], 0);
  std::string text = j["messages"][0]["text"];
  EXPECT_NE(text.find("'SchoolCode'"), std::string::npos) << text;
  EXPECT_EQ(patronCount(), 0);
}

TEST_F(ImportCli, RowLevelProblemsAreSkippedWithLineAndKey) {
  std::string csv = header() + good(1) + "S2,P2,Short\n" +  // wrong column count
                    good(3) + "S4,P4,\"never closed,Zoë,,LHS,10,2029,,,,,z4\n";
  test::writeFile(dir_ / "rows.csv", csv);
  auto j = importJson(dir_ / "rows.csv");
  EXPECT_EQ(last_.exitCode, 0);
  EXPECT_EQ(j["counts"]["added"], 2);
  EXPECT_EQ(j["counts"]["skipped"], 2);
  EXPECT_EQ(j["messages"][0]["code"], "COLUMN_COUNT");
  EXPECT_EQ(j["messages"][0]["line"], 3);
  EXPECT_EQ(j["messages"][0]["key"], "S2");
  EXPECT_EQ(j["messages"][1]["code"], "UNTERMINATED_QUOTE");
  EXPECT_EQ(j["messages"][1]["line"], 5);
}

TEST_F(ImportCli, InvalidUtf8AndNulBytesAreRowErrors) {
  std::string csv = header() + good(1) + "S2,P2,Bad\xE9name,Zoë,,LHS,10,2029,,,,,z2\n" +
                    std::string("S3,P3,Nul\0x,Zo,,LHS,10,2029,,,,,z3\n", 35) + good(4);
  test::writeFile(dir_ / "enc.csv", csv);
  auto j = importJson(dir_ / "enc.csv");
  EXPECT_EQ(j["counts"]["added"], 2);
  ASSERT_EQ(j["messages"].size(), 2u);
  EXPECT_EQ(j["messages"][0]["code"], "BAD_ENCODING");
  EXPECT_EQ(j["messages"][0]["line"], 3);
  EXPECT_EQ(j["messages"][1]["code"], "BAD_ENCODING");
  EXPECT_NE(j["messages"][1]["text"].get<std::string>().find("NUL"), std::string::npos);
}

TEST_F(ImportCli, Windows1252AndUtf16AreDecoded) {
  std::string yaml = test::readFile(config_);
  std::string cp = yaml;
  cp.replace(cp.find("encoding: utf-8"), 15, "encoding: windows-1252");
  test::writeFile(config_, cp);
  test::writeFile(dir_ / "cp.csv", header() +
                                       "S1,P1,N\xFA\xF1"
                                       "ez,Zo\xEB,,LHS,10,2029,,,,,z1\n");
  auto j = importJson(dir_ / "cp.csv");
  ASSERT_EQ(j["counts"]["added"], 1) << last_.out;
  EXPECT_EQ(json::parse(patrond({"patrons", "show", "S1", "--json"}).out)["last_name"], "Núñez");

  std::string u16 = yaml;
  u16.replace(u16.find("encoding: utf-8"), 15, "encoding: utf-16");
  test::writeFile(config_, u16);
  std::string text = header() + "S2,P2,Müller,Zoë,,LHS,10,2029,,,,,z2\n";
  std::string le = "\xFF\xFE";
  // UTF-8 to UTF-16LE for the code points used here (all in the BMP).
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    unsigned code = c;
    if (c >= 0xC0) {
      code = ((c & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
      i += 2;
    } else {
      ++i;
    }
    le += static_cast<char>(code & 0xFF);
    le += static_cast<char>(code >> 8);
  }
  test::writeFile(dir_ / "u16.csv", le);
  j = importJson(dir_ / "u16.csv", {"--incremental"});
  ASSERT_EQ(j["counts"]["added"], 1) << last_.out << last_.err;
  EXPECT_EQ(json::parse(patrond({"patrons", "show", "S2", "--json"}).out)["last_name"], "Müller");
}

// Issue 13: a cell is read up to 1024 characters (cut to its field after the rules); a
// longer one is TOO_LONG for its row, and a record over 1 MB ends the run, naming its line.
TEST_F(ImportCli, LongFieldIsCutWithAWarningAndAHugeOneIsALocatedError) {
  std::string big(1000, 'x');
  test::writeFile(dir_ / "big.csv",
                  header() + "S1,P1,\"" + big + "\",Zoë,,LHS,10,2029,,,,,z1\n" + good(2));
  auto j = importJson(dir_ / "big.csv");
  ASSERT_EQ(last_.exitCode, 0);
  EXPECT_EQ(j["counts"]["added"], 2);
  EXPECT_EQ(j["messages"][0]["code"], "TRUNCATED");
  auto p = json::parse(patrond({"patrons", "show", "S1", "--json"}).out);
  EXPECT_EQ(p["last_name"].get<std::string>().size(), 100u);
  std::string huge(10 * 1024 * 1024, 'x');
  test::writeFile(dir_ / "huge.csv",
                  header() + good(3) + "S4,P4,\"" + huge + "\",Zoë,,LHS,10,2029,,,,,z4\n");
  j = importJson(dir_ / "huge.csv");
  EXPECT_EQ(last_.exitCode, 1);
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["messages"].back()["code"], "CSV");
  EXPECT_NE(j["messages"].back()["text"].get<std::string>().find("line 3: the record starting on "
                                                                 "line 3 is longer than 1 MB"),
            std::string::npos)
      << j.dump();
  EXPECT_EQ(patronCount(), 2);
}

TEST_F(ImportCli, DryRunPrintsTheSummaryAndChangesNothing) {
  auto j = importJson("", {"--dry-run"});
  EXPECT_EQ(last_.exitCode, 0);
  EXPECT_TRUE(j["run_id"].is_null());
  EXPECT_EQ(j["counts"]["added"], 43);
  EXPECT_EQ(patronCount(), 0);
  EXPECT_EQ(json::parse(patrond({"runs", "--json"}).out).size(), 0u);
  // The text form names it a dry run; it has no run number.
  auto t = patrond({"import", "students", "--dry-run"});
  EXPECT_EQ(t.exitCode, 0) << t.err;
  EXPECT_EQ(t.out.rfind("Dry run: students, full (dry run: nothing was changed), completed", 0), 0u)
      << t.out;
  EXPECT_EQ(t.out.find("Run 0"), std::string::npos) << t.out;
}

TEST_F(ImportCli, RunsLineShowsReactivatedErrorsAndWarnings) {
  ASSERT_EQ(patrond({"import", "students"}).exitCode, 0);
  auto r = patrond({"runs"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("reactivated 0, skipped "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", errors "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", warnings "), std::string::npos) << r.out;
}

// The job summary per patron (SPEC 11): who was added, and which fields of whom changed.
TEST_F(ImportCli, SummaryPatronsListsEachPatronAndTheChangedFields) {
  test::writeFile(dir_ / "a.csv", header() + good(1) + good(2) + good(3));
  auto first = importJson(dir_ / "a.csv");
  ASSERT_EQ(last_.exitCode, 0) << last_.err;
  test::writeFile(dir_ / "b.csv", header() + good(1, "Nunez") + good(2) + good(3));
  auto second = importJson(dir_ / "b.csv");
  ASSERT_EQ(second["counts"]["updated"], 1) << second.dump();
  auto r = patrond(
      {"summary", std::to_string(second["run_id"].get<std::int64_t>()), "--patrons", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["patrons_total"], 1);
  EXPECT_EQ(j["patrons_kept"], 1);
  ASSERT_EQ(j["patrons"].size(), 1u);
  EXPECT_EQ(j["patrons"][0]["action"], "updated");
  EXPECT_EQ(j["patrons"][0]["line"], 2);
  EXPECT_TRUE(j["patrons"][0]["rule"].is_null());
  ASSERT_EQ(j["patrons"][0]["changes"].size(), 1u);
  EXPECT_EQ(j["patrons"][0]["changes"][0]["field"], "last_name");
  EXPECT_NE(j["patrons"][0]["changes"][0]["old"].get<std::string>().find("Núñez"),
            std::string::npos);
  EXPECT_NE(j["patrons"][0]["changes"][0]["new"].get<std::string>().find("Nunez"),
            std::string::npos);
  auto text =
      patrond({"summary", std::to_string(first["run_id"].get<std::int64_t>()), "--patrons"});
  ASSERT_EQ(text.exitCode, 0) << text.err;
  EXPECT_NE(text.out.find("patrons: 3 added, updated, reactivated, inactivated or deleted"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("    added "), std::string::npos) << text.out;
  // Without --patrons the summary has no such list.
  auto plain = patrond({"summary", std::to_string(first["run_id"].get<std::int64_t>()), "--json"});
  EXPECT_FALSE(json::parse(plain.out).contains("patrons"));
}

TEST_F(ImportCli, GlobPicksTheNewestFile) {
  // The faculty job reads "faculty*.csv".
  test::writeFile(sis_ + "/faculty-2026-10-14.csv",
                  "EmployeeID,Barcode,LastName,FirstName,Building,Homeroom,Email,Username,Role\nE1,"
                  "T1,Old,A,LHS,,,a,Teacher\n");
  fs::last_write_time(sis_ + "/faculty-2026-10-14.csv",
                      fs::file_time_type::clock::now() + std::chrono::hours(1));
  auto r = patrond({"import", "faculty", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = json::parse(r.out);
  EXPECT_NE(j["file"].get<std::string>().find("faculty-2026-10-14.csv"), std::string::npos);
  EXPECT_EQ(j["counts"]["added"], 1);
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

TEST_F(ImportCli, MappedPasswordsAreStoredOnlyAsSaltedHashesAndChangesAreDetected) {
  std::string mapping = test::readFile(dir_ / "conf/students.mapping.yaml");
  mapping.replace(mapping.find("  username: Username"), 20,
                  "  username: Username\n  password: Password");
  test::writeFile(dir_ / "conf/students.mapping.yaml", mapping);
  std::string head = header();
  head.insert(head.size() - 1, ",Password");
  auto line = [](int n, const std::string& pw) {
    return "S" + std::to_string(n) + ",P" + std::to_string(n) + ",Lee,Al,,LHS,10,2029,H,,,,u" +
           std::to_string(n) + "," + pw + "\n";
  };
  test::writeFile(dir_ / "pw.csv", head + line(1, "s3cret-One") + line(2, "s3cret-Two"));
  auto j = importJson(dir_ / "pw.csv");
  ASSERT_EQ(j["counts"]["added"], 2) << last_.out << last_.err;
  EXPECT_TRUE(fs::exists(dir_.path() / "conf" / "patrond.key"));
  EXPECT_EQ(fs::status(dir_.path() / "conf" / "patrond.key").permissions() & fs::perms::others_read,
            fs::perms::none);
  // The clear text is nowhere in the database, and patrons show never prints the hash.
  std::string db =
      test::readFile(dir_ / "conf/patrond.db") + test::readFile(dir_ / "conf/patrond.db-wal");
  EXPECT_EQ(db.find("s3cret-One"), std::string::npos);
  EXPECT_NE(db.find("$argon2id$v=19$m=19456,t=2,p=1$"), std::string::npos);
  auto show = patrond({"patrons", "show", "S1", "--json"});
  EXPECT_EQ(show.out.find("argon2"), std::string::npos);
  // Same passwords: unchanged. A changed password: that row is written.
  j = importJson(dir_ / "pw.csv", {"--incremental"});
  EXPECT_EQ(j["counts"]["unchanged"], 2);
  test::writeFile(dir_ / "pw.csv", head + line(1, "s3cret-One") + line(2, "changed-Two"));
  j = importJson(dir_ / "pw.csv", {"--incremental"});
  EXPECT_EQ(j["counts"]["unchanged"], 1);
  EXPECT_EQ(j["counts"]["updated"], 1);
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

TEST_F(ImportCli, PasswordSetByARuleIsHashedToo) {
  std::string mapping = test::readFile(dir_ / "conf/students.mapping.yaml");
  mapping.replace(mapping.find("rules:\n"), 7,
                  "rules:\n  - set: {password: \"${district_id}-start\"}\n");
  test::writeFile(dir_ / "conf/students.mapping.yaml", mapping);
  auto j = importJson("");
  ASSERT_EQ(last_.exitCode, 0) << last_.err << last_.out;
  EXPECT_EQ(j["counts"]["added"], 43);
  EXPECT_TRUE(fs::exists(dir_.path() / "conf" / "patrond.key"));
  std::string db =
      test::readFile(dir_ / "conf/patrond.db") + test::readFile(dir_ / "conf/patrond.db-wal");
  EXPECT_EQ(db.find("S1001-start"), std::string::npos);
  EXPECT_NE(db.find("$argon2id$v=19$"), std::string::npos);
}

}  // namespace
}  // namespace patrond
