// Hostile and careless command lines (issue 13): every one ends with a clear error and a
// usage or failure exit code, never a crash or a hang, and changes nothing in the database.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;

struct CliCase {
  const char* name;               // the test's name
  std::vector<std::string> args;  // after `patrond`; "{dir}" is the test's temp dir
  std::vector<int> exitCodes;     // any of these
  const char* mustSay;            // stderr (or stdout) contains this, case-sensitive
};

void PrintTo(const CliCase& c, std::ostream* os) {
  *os << c.name;
}

// Each case runs against one database imported from the sample files. A case may not crash
// (a signal), hang (killed after 60 s), nor change the patrons or the run history.
class BadInputCli : public ::testing::TestWithParam<CliCase> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    config_ = test::copyExamples(*dir_);
    auto r = patrond({"import", "students", "--as-of", "2026-10-15 02:00"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    // Copies and one loan, so the circulation cases have something to leave alone.
    auto items = patrond({"items", "import",
                          std::string(PATROND_SOURCE_DIR) + "/conf/examples/items/copies.csv",
                          "--as-of", "2026-10-15 02:00"});
    ASSERT_LT(items.exitCode, 2) << items.err;
    auto loan = patrond({"circ", "checkout", "S1001", "T0001", "--as-of", "2026-10-15 10:00"});
    ASSERT_EQ(loan.exitCode, 0) << loan.err;
    test::writeFile(*dir_ / "empty.csv", "");
    fs::create_directories(dir_->path() / "a-directory");
    before_ = snapshot();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static test::CommandResult patrond(std::vector<std::string> args) {
    std::vector<std::string> argv{"timeout", "-s", "KILL", "60", PATROND_BIN};
    bool ownConfig = false;
    for (auto& a : args) {
      ownConfig = ownConfig || a == "--config";
      auto at = a.find("{dir}");
      if (at != std::string::npos) {
        a.replace(at, 5, dir_->path().string());
      }
      argv.push_back(a);
    }
    if (!ownConfig) {
      argv.push_back("--config");
      argv.push_back(config_);
    }
    return test::run(argv, {{"PATROND_CONFIG", ""}});
  }

  // What must not change: every patron and homeroom, the loan, fines and blocks of the patron
  // the circulation cases name, and the outbox (a failed import adds a failed run to the
  // history, as it should).
  static std::string snapshot() {
    std::string all;
    for (std::vector<std::string> cmd : {std::vector<std::string>{"patrons", "list", "--json"},
                                         {"homerooms", "list", "--json"},
                                         {"patrons", "show", "S1001", "--json"},
                                         {"outbox", "--json"}}) {
      auto r = patrond(cmd);
      EXPECT_EQ(r.exitCode, 0) << cmd[0] << " " << cmd[1] << ": " << r.err;
      all += r.out + "\n";
    }
    return all;
  }

  static test::TempDir* dir_;
  static std::string config_;
  static std::string before_;
};

test::TempDir* BadInputCli::dir_ = nullptr;
std::string BadInputCli::config_;
std::string BadInputCli::before_;

TEST_P(BadInputCli, ClearErrorNoCrashNoChange) {
  const CliCase& c = GetParam();
  auto r = patrond(c.args);
  ASSERT_LT(r.exitCode, 128) << "crashed or hung (killed): " << r.exitCode << "\n" << r.err;
  EXPECT_NE(std::find(c.exitCodes.begin(), c.exitCodes.end(), r.exitCode), c.exitCodes.end())
      << "exit " << r.exitCode << "\nstdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_TRUE(r.err.find(c.mustSay) != std::string::npos ||
              r.out.find(c.mustSay) != std::string::npos)
      << "expected '" << c.mustSay << "' in:\n"
      << r.err << r.out;
  EXPECT_LT(r.err.size() + r.out.size(), 20000u) << "an unbounded echo of the input";
  EXPECT_EQ(snapshot(), before_) << "the database changed";
}

// Below Linux's 128 KiB limit for one argument (MAX_ARG_STRLEN), so exec takes it.
const std::string kHugeKey(100000, 'K');

// clang-format off
const CliCase kCases[] = {
    {"LimitOverflows", {"runs", "--limit", "99999999999999999999"}, {2}, "--limit"},
    {"LimitNegative", {"runs", "--limit", "-1"}, {2}, "--limit"},
    {"ListLimitNegative", {"patrons", "list", "--limit", "-5"}, {2}, "--limit"},
    {"ListLimitText", {"patrons", "list", "--limit", "ten"}, {2}, "--limit"},
    {"OutboxLimitZero", {"outbox", "--limit", "0"}, {2}, "--limit"},
    {"SummaryNegativeId", {"summary", "-1"}, {1, 2}, "-1"},
    {"SummaryIdOverflows", {"summary", "99999999999999999999"}, {2}, "RUN_ID"},
    {"SummaryIdText", {"summary", "abc"}, {2}, "RUN_ID"},
    {"SummaryUnknownRun", {"summary", "424242"}, {1, 2}, "424242"},
    {"FinePayNegative", {"fines", "pay", "S1001", "-5"}, {2}, "amount"},
    {"FinePayHuge", {"fines", "pay", "S1001", "1e308"}, {2}, "amount"},
    {"FinePayNan", {"fines", "pay", "S1001", "nan"}, {2}, "amount"},
    {"FinePayThreeDecimals", {"fines", "pay", "S1001", "12.505"}, {2}, "amount"},
    {"FinePayUnknownPatron", {"fines", "pay", "NOPE", "1.00"}, {1, 2}, "NOPE"},
    {"DueDateImpossible", {"circ", "checkout", "S1001", "T0001", "--due", "2026-02-30"}, {2}, "--due"},
    {"DueDateText", {"circ", "checkout", "S1001", "T0001", "--due", "soon"}, {2}, "--due"},
    {"CheckoutUnknownCopy", {"circ", "checkout", "S1001", "NO-SUCH-COPY"}, {1, 2}, "NO-SUCH-COPY"},
    {"CheckinUnknownCopy", {"circ", "checkin", "NO-SUCH-COPY"}, {1, 2}, "NO-SUCH-COPY"},
    {"ConditionUnknown", {"circ", "condition", "T0001", "excellent"}, {2}, "excellent"},
    {"AsOfMonth13", {"runs", "--as-of", "2026-13-01"}, {2}, "--as-of"},
    {"AsOfHour25", {"runs", "--as-of", "2026-01-01 25:00"}, {2}, "--as-of"},
    {"AsOfYear0", {"runs", "--as-of", "0000-01-01"}, {2}, "--as-of"},
    {"AsOfFiveDigitYear", {"runs", "--as-of", "99999-01-01"}, {2}, "--as-of"},
    {"AsOfTrailingJunk", {"runs", "--as-of", "2026-01-01 10:00; rm -rf /"}, {2}, "--as-of"},
    {"ImportUnknownJob", {"import", "nosuchjob"}, {2}, "nosuchjob"},
    {"ImportJobPathTraversal", {"import", "../../x"}, {2}, "../../x"},
    {"ImportMaxPercentOver100", {"import", "students", "--max-percent", "101"}, {2}, "--max-percent"},
    {"ImportMaxPercentNegative", {"import", "students", "--max-percent", "-1"}, {2}, "--max-percent"},
    {"ImportFileMissing", {"import", "students", "--file", "{dir}/missing.csv"}, {1, 2}, "missing.csv"},
    {"ImportFileIsDirectory", {"import", "students", "--file", "{dir}/a-directory"}, {1, 2}, "a-directory"},
    {"ImportFileIsDevZero", {"import", "students", "--file", "/dev/zero"}, {1, 2}, "/dev/zero"},
    {"ImportFileEmpty", {"import", "students", "--file", "{dir}/empty.csv"}, {1}, "empty"},
    {"ItemsFileMissing", {"items", "import", "{dir}/missing.csv"}, {1, 2}, "missing.csv"},
    {"ItemsFileIsDirectory", {"items", "import", "{dir}/a-directory"}, {1, 2}, "a-directory"},
    {"ConfigMissing", {"runs", "--config", "{dir}/nope.yaml"}, {2}, "nope.yaml"},
    {"ConfigIsDirectory", {"runs", "--config", "{dir}/a-directory"}, {2}, "a-directory"},
    {"ConfigIsDevNull", {"runs", "--config", "/dev/null"}, {2}, "/dev/null"},
    {"PatronShowEmptyKey", {"patrons", "show", ""}, {1, 2}, "no patron with district id or barcode"},
    {"PatronShowHugeKey", {"patrons", "show", kHugeKey}, {1, 2}, "no patron with district id or barcode 'KKK"},
    {"PatronShowSqlInjection", {"patrons", "show", "S1001' OR '1'='1"}, {1, 2}, "no patron with district id or barcode 'S1001' OR"},
    {"RunsJobSqlInjection", {"runs", "--job", "x'; DROP TABLE patrons; --"}, {2}, "no import job named 'x'; DROP TABLE"},
    {"HomeroomUnknownSite", {"homerooms", "set", "XXX", "Smith 104"}, {2}, "XXX"},
    {"HomeroomNameNewline", {"homerooms", "set", "LHS", "Smith\n104"}, {2}, "homeroom"},
    {"HomeroomEmailHeaderInjection", {"homerooms", "set", "LHS", "Smith 104", "--teacher-email", "a@b.org\r\nBcc: x@evil.example"}, {2}, "--teacher-email"},
    {"HomeroomLibraryDayUnknown", {"homerooms", "set", "LHS", "Smith 104", "--library-day", "funday"}, {2}, "funday"},
    {"NoticeUnknown", {"notices", "send", "nosuch"}, {2}, "nosuch"},
    {"NoticePreviewUnknown", {"notices", "preview", "nosuch"}, {2}, "nosuch"},
    {"TestSourceUnknownJob", {"test-source", "nosuch"}, {2}, "nosuch"},
    {"UnknownSubcommand", {"frobnicate"}, {2}, "frobnicate"},
    {"UnknownFlag", {"runs", "--frobnicate"}, {2}, "--frobnicate"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Cases, BadInputCli, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace patrond
