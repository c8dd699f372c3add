// Issue 13, hostile rows and rule regexes through the real binary: a huge cell against a regex
// rule (a crash today), a catastrophic pattern (30 s today), patterns RE2 refuses, identifiers
// too long to keep, header-only files, byte order marks in mid-file, unbounded echoes and a
// FIFO as the source. Each ends in a clear, located error; the process lives; the database
// holds what it should.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const char* kMapping =
    "fields:\n"
    "  district_id: StudentID\n"
    "  barcode: Barcode\n"
    "  last_name: LastName\n"
    "  site: SchoolCode\n"
    "  homeroom: Homeroom\n"
    "defaults: {patron_type: Student, persona: student}\n"
    "rules:\n"
    "  - when: {homeroom: {regex: \"REGEX\"}}\n"
    "    set: {user_1: plain}\n";
const std::string kHeader = "StudentID,Barcode,LastName,SchoolCode,Homeroom\n";

std::string row(const std::string& id, const std::string& homeroom = "Smith 104") {
  return id + ",P" + id + ",Lee," + "LHS," + homeroom + "\n";
}

class BadInputRows : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "drop");
    writeMapping("^[A-Za-z0-9 ]+$");
    writeConfig("    source: {directory: drop, file: students.csv, settle: 1s}\n");
  }
  void writeMapping(const std::string& regex) {
    std::string m = kMapping;
    m.replace(m.find("REGEX"), 5, regex);
    test::writeFile(dir_ / "m.yaml", m);
  }
  void writeConfig(const std::string& source) {
    test::writeFile(dir_ / "patrond.yaml",
                    "district: {name: T, timezone: UTC}\n"
                    "logging: {level: info, system: false}\n"
                    "sites:\n  - {code: LHS, name: L, type: high}\n"
                    "imports:\n  - name: students\n    mapping: m.yaml\n" +
                        source);
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, dir_ / "patrond.yaml", std::move(args));
  }
  json import(const std::string& file) {
    auto r = patrond({"import", "students", "--json", "--file", file});
    exitCode_ = r.exitCode;
    output_ = r.out + r.err;
    return r.out.empty() ? json::object() : json::parse(r.out);
  }
  // A command in the background: a hang is a failure, not a test run that never ends.
  int runWithin(std::vector<std::string> args, std::chrono::seconds limit) {
    std::string out = dir_ / "command.out";
    fs::remove(out);
    args.insert(args.begin(), PATROND_BIN);
    args.push_back("--config");
    args.push_back(dir_ / "patrond.yaml");
    test::Process p(args, out);
    int code = p.wait(limit);
    if (code == -1) {
      p.signal(SIGKILL);
      ADD_FAILURE() << args[1] << " did not end within " << limit.count() << " s";
    }
    output_ = test::readFile(out);
    return code;
  }
  bool hasPatron(const std::string& key) {
    return patrond({"patrons", "show", key, "--json"}).exitCode == 0;
  }
  std::int64_t patronCount() {
    auto r = patrond({"patrons", "list", "--json"});
    return r.exitCode == 0 ? static_cast<std::int64_t>(json::parse(r.out).size()) : -1;
  }

  test::TempDir dir_;
  int exitCode_ = -1;
  std::string output_;
};

// Today: SIGSEGV (std::regex recursing over 50 KB). Now the row is TOO_LONG, the run goes on.
TEST_F(BadInputRows, FiftyKilobyteCellAgainstARegexRuleIsTooLongInImport) {
  test::writeFile(dir_ / "s.csv", kHeader + row("S1", std::string(50 * 1024, 'x')) + row("S2"));
  auto j = import(dir_ / "s.csv");
  ASSERT_EQ(exitCode_, 0) << output_;
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["counts"]["added"], 1);
  EXPECT_EQ(j["counts"]["skipped"], 1);
  ASSERT_EQ(j["messages"].size(), 1u) << j.dump();
  EXPECT_EQ(j["messages"][0]["code"], "TOO_LONG");
  EXPECT_EQ(j["messages"][0]["line"], 2);
  EXPECT_EQ(j["messages"][0]["key"], "S1");
  EXPECT_EQ(j["messages"][0]["text"],
            "column 5 (Homeroom): the cell (homeroom) is 51200 characters long, more than the "
            "1024 a cell may hold");
  EXPECT_TRUE(hasPatron("S2"));
  EXPECT_FALSE(hasPatron("S1"));
  EXPECT_EQ(json::parse(patrond({"patrons", "show", "S2", "--json"}).out)["user_1"], "plain");
}

// The same file arriving while the service runs: the service imports it and stays up.
TEST_F(BadInputRows, FiftyKilobyteCellAgainstARegexRuleUnderRun) {
  writeConfig(
      "    source: {directory: drop, file: students.csv, settle: 1s}\n"
      "    on_new_file: full\n");
  std::string log = dir_ / "service.log";
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log,
                  {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually(
      [&] { return test::readFile(log).find("watching") != std::string::npos; }, 20s))
      << test::readFile(log);
  test::writeFile(dir_ / "drop.tmp",
                  kHeader + row("S1", std::string(50 * 1024, 'x')) + row("S2") + row("S3"));
  fs::rename(dir_ / "drop.tmp", dir_ / "drop/students.csv");
  json runs;
  ASSERT_TRUE(test::eventually(
      [&] {
        auto r = patrond({"runs", "--json"});
        if (r.exitCode != 0) {
          return false;
        }
        runs = json::parse(r.out);
        return !runs.empty() && runs[0]["status"] != "running";
      },
      30s))
      << test::readFile(log);
  EXPECT_TRUE(p.running()) << test::readFile(log);
  EXPECT_EQ(runs[0]["status"], "completed");
  EXPECT_EQ(runs[0]["counts"]["added"], 2) << runs.dump();
  EXPECT_EQ(runs[0]["counts"]["skipped"], 1);
  auto summary = patrond({"summary", std::to_string(runs[0]["run_id"].get<int>()), "--json"});
  EXPECT_NE(summary.out.find("TOO_LONG"), std::string::npos) << summary.out;
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(20s), 0) << test::readFile(log);
}

// Today `^(a+)+$` took 30 s on one 31-character value (backtracking); RE2 is linear.
TEST_F(BadInputRows, NestedQuantifierOnAThirtyOneCharacterValueTakesNoTime) {
  writeMapping("^(a+)+$");
  test::writeFile(dir_ / "s.csv", kHeader + row("S1", std::string(30, 'a') + "!") +
                                      row("S2", std::string(30, 'a')) + row("S3", "b"));
  auto started = std::chrono::steady_clock::now();
  auto j = import(dir_ / "s.csv");
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(exitCode_, 0) << output_;
  EXPECT_EQ(j["counts"]["added"], 3);
  EXPECT_LT(took, 10s);
  EXPECT_EQ(json::parse(patrond({"patrons", "show", "S2", "--json"}).out)["user_1"], "plain");
  EXPECT_NE(json::parse(patrond({"patrons", "show", "S1", "--json"}).out)["user_1"], "plain");
}

// What RE2 cannot take is refused by check-config and by every command, FILE:LINE:COL.
TEST_F(BadInputRows, PatternsTheEngineCannotTakeAreConfigErrors) {
  struct Case {
    std::string regex, reason;
  };
  for (const Case& c :
       {Case{"(a)\\\\1", "invalid escape sequence: \\1"},
        Case{"^(?=a)", "invalid perl operator: (?="}, Case{"(?<=a)b", "invalid perl operator: (?<"},
        Case{"^(?!x)", "invalid perl operator: (?!"},
        Case{"\\\\pL{1000}", "pattern too large - compile failed"},
        Case{"[a-z", "missing ]: [a-z"}}) {
    writeMapping(c.regex);
    std::string where = dir_ / "m.yaml:9:30: rules[0].when.homeroom.regex: ";
    for (std::vector<std::string> cmd :
         {std::vector<std::string>{"check-config"}, {"import", "students", "--dry-run"}}) {
      auto r = patrond(cmd);
      EXPECT_EQ(r.exitCode, 2) << c.regex << " " << cmd[0] << r.err;
      EXPECT_NE(r.err.find(where), std::string::npos) << c.regex << "\n" << r.err;
      EXPECT_NE(r.err.find("does not compile (RE2 syntax"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(c.reason), std::string::npos) << c.regex << "\n" << r.err;
    }
  }
  writeMapping("^\\\\p{Lu}[\\\\p{L} .'-]*$");  // RE2 syntax: Unicode classes are fine
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

// Today the IDs were cut to 64 characters: the second student was dropped as a duplicate of
// the first. Now each is an error for its row and nobody is stored under a cut-down ID.
TEST_F(BadInputRows, SixtyFiveCharacterIdsAreErrorsAndNoStudentIsMerged) {
  std::string id(64, '7');
  test::writeFile(dir_ / "s.csv", kHeader + row(id + "1") + row(id + "2") + row("S3"));
  auto j = import(dir_ / "s.csv");
  ASSERT_EQ(exitCode_, 0) << output_;
  EXPECT_EQ(j["counts"]["added"], 1);
  EXPECT_EQ(j["counts"]["skipped"], 2);
  ASSERT_EQ(j["messages"].size(), 2u) << j.dump();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(j["messages"][i]["code"], "TOO_LONG");
    EXPECT_EQ(j["messages"][i]["line"], i + 2);
    EXPECT_NE(
        j["messages"][i]["text"].get<std::string>().find("column 1 (StudentID): district_id '"),
        std::string::npos);
    EXPECT_NE(j["messages"][i]["text"].get<std::string>().find("(65 characters)"),
              std::string::npos);
  }
  EXPECT_FALSE(hasPatron(id));
  EXPECT_TRUE(hasPatron("S3"));
  EXPECT_EQ(patronCount(), 1);
}

// Today a header and nothing else "completed". Now it fails like an empty file.
TEST_F(BadInputRows, HeaderOnlyFileFailsLikeAnEmptyFile) {
  test::writeFile(dir_ / "s.csv", kHeader + row("S1"));
  import(dir_ / "s.csv");
  ASSERT_EQ(exitCode_, 0) << output_;
  for (std::string text : {kHeader, kHeader + "\n\n", kHeader.substr(0, kHeader.size() - 1)}) {
    test::writeFile(dir_ / "h.csv", text);
    auto j = import(dir_ / "h.csv");
    EXPECT_EQ(exitCode_, 1) << output_;
    EXPECT_EQ(j["status"], "failed");
    ASSERT_FALSE(j["messages"].empty()) << j.dump();
    EXPECT_EQ(j["messages"].back()["code"], "EMPTY_FILE");
    EXPECT_EQ(j["messages"].back()["text"], dir_ / "h.csv: the file has a header line but no rows");
    EXPECT_EQ(j["lifecycle"]["ran"], false);
  }
  EXPECT_EQ(patronCount(), 1);
  auto runs = json::parse(patrond({"runs", "--json"}).out);
  EXPECT_EQ(runs[0]["status"], "failed");
}

// Two exports joined: the second one's byte order mark must not become part of an ID.
TEST_F(BadInputRows, ByteOrderMarkInMidFileIsNotPartOfAnId) {
  const std::string bom = "\xEF\xBB\xBF";
  test::writeFile(dir_ / "s.csv", bom + kHeader + row("S1") + bom + row("S2") + row("S3"));
  auto j = import(dir_ / "s.csv");
  ASSERT_EQ(exitCode_, 0) << output_;
  EXPECT_EQ(j["counts"]["added"], 3) << j.dump();
  EXPECT_TRUE(hasPatron("S2"));
  EXPECT_FALSE(hasPatron(bom + "S2"));
}

// Today a 200 KB value was echoed whole into a stored message.
TEST_F(BadInputRows, ValuesEchoedIntoMessagesAreBounded) {
  test::writeFile(dir_ / "s.csv",
                  kHeader + "S1,P1,Lee," + std::string(1000, 'Q') + ",Room\n" + row("S2"));
  auto j = import(dir_ / "s.csv");
  ASSERT_EQ(exitCode_, 0) << output_;
  ASSERT_EQ(j["messages"].size(), 1u);
  EXPECT_EQ(j["messages"][0]["code"], "UNKNOWN_SITE");
  EXPECT_EQ(j["messages"][0]["text"],
            "site '" + std::string(40, 'Q') + "...' (1000 characters) is not configured");
  auto summary = patrond({"summary", std::to_string(j["run_id"].get<int>()), "--json"});
  EXPECT_LT(summary.out.size(), 2000u) << summary.out.size();
}

// Today a FIFO as the source blocked the import until some writer came (forever).
TEST_F(BadInputRows, FifoAsTheSourceIsAClearErrorNotAHang) {
  std::string fifo = dir_ / "drop/students.csv";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string refused = fifo + ": is not a regular file";
  // --file, the job's own source (directory + name) and `items import` refuse it alike.
  for (std::vector<std::string> cmd :
       {std::vector<std::string>{"import", "students", "--file", fifo},
        {"import", "students"},
        {"items", "import", fifo}}) {
    EXPECT_EQ(runWithin(cmd, 20s), 1) << cmd[0] << " " << cmd[1] << "\n" << output_;
    EXPECT_NE(output_.find(refused), std::string::npos) << output_;
  }
  auto runs = json::parse(patrond({"runs", "--json"}).out);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_EQ(patronCount(), 0);
}

}  // namespace
}  // namespace patrond
