// The real binary: exit codes, --help everywhere, global options before or after, check-config.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/ports/patron_store.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using test::run;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override { config_ = test::copyExamples(dir_); }
  test::CommandResult patrond(std::vector<std::string> args) {
    args.insert(args.begin(), PATROND_BIN);
    return run(args, {{"PATROND_CONFIG", ""}});
  }
  test::TempDir dir_;
  std::string config_;
};

TEST_F(Cli, VersionAndHelp) {
  auto v = patrond({"--version"});
  EXPECT_EQ(v.exitCode, 0);
  EXPECT_NE(v.out.find("patrond 0."), std::string::npos);
  auto h = patrond({"--help"});
  EXPECT_EQ(h.exitCode, 0);
  for (const char* cmd : {"run", "check-config", "import", "runs", "summary", "patrons", "circ",
                          "notices", "outbox", "homerooms", "items", "fines", "test-source"}) {
    EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
  }
}

TEST_F(Cli, EverySubcommandHasHelp) {
  std::vector<std::vector<std::string>> cmds{{"run"},
                                             {"check-config"},
                                             {"db", "migrate"},
                                             {"db", "status"},
                                             {"db", "backup"},
                                             {"import"},
                                             {"test-source"},
                                             {"runs"},
                                             {"summary"},
                                             {"patrons", "show"},
                                             {"patrons", "list"},
                                             {"patrons", "set"},
                                             {"patrons", "delete"},
                                             {"homerooms", "list"},
                                             {"homerooms", "set"},
                                             {"items", "import"},
                                             {"circ", "checkout"},
                                             {"circ", "checkin"},
                                             {"circ", "condition"},
                                             {"circ", "sweep"},
                                             {"fines", "pay"},
                                             {"notices", "send"},
                                             {"notices", "preview"},
                                             {"outbox"},
                                             {"service", "install"},
                                             {"service", "uninstall"}};
  for (auto c : cmds) {
    c.push_back("--help");
    auto r = patrond(c);
    EXPECT_EQ(r.exitCode, 0) << c[0];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << c[0];
  }
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(patrond({}).exitCode, 2);
  EXPECT_EQ(patrond({"frobnicate"}).exitCode, 2);
  EXPECT_EQ(patrond({"import", "--config", config_}).exitCode, 2);  // JOB missing
  EXPECT_EQ(
      patrond({"import", "students", "--full", "--incremental", "--config", config_}).exitCode, 2);
  EXPECT_EQ(patrond({"import", "nosuchjob", "--config", config_}).exitCode, 2);
  auto asOf = patrond({"runs", "--as-of", "yesterday", "--config", config_});
  EXPECT_EQ(asOf.exitCode, 2);
  EXPECT_NE(asOf.err.find("--as-of"), std::string::npos);
}

TEST_F(Cli, MissingConfigNamesTheFile) {
  auto r = patrond({"check-config", "--config", dir_ / "nope.yaml"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("nope.yaml"), std::string::npos);
}

TEST_F(Cli, ConfigFromEnvironment) {
  auto r = run({PATROND_BIN, "check-config"}, {{"PATROND_CONFIG", config_}});
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(Cli, CheckConfigOnTheExampleShowsJobsAndNextRuns) {
  auto r = patrond({"check-config", "--config", config_, "--as-of", "2026-11-23 10:00"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("import students"), std::string::npos);
  EXPECT_NE(r.out.find("incremental at 2026-11-24T02:00:00-06:00"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("full at 2026-11-28T03:30:00-06:00"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("notice weekly-overdues"), std::string::npos);
  EXPECT_NE(r.out.find("circulation sweep: daily at 01:00, next run: 2026-11-24T01:00:00-06:00"),
            std::string::npos)
      << r.out;
  // Global options after the subcommand work as well as before it.
  auto j = patrond({"--json", "--as-of", "2026-11-28 03:00", "check-config", "--config", config_});
  ASSERT_EQ(j.exitCode, 0) << j.err;
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_TRUE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["jobs"][0]["next_run"], "2026-11-30T02:00:00-06:00");
  EXPECT_EQ(doc["jobs"][1]["next_run"], "2026-11-28T03:30:00-06:00");
  EXPECT_EQ(doc["jobs"][1]["next_update"], "full");
  EXPECT_EQ(doc["circulation_sweep"]["next_run"], "2026-11-29T01:00:00-06:00");
}

TEST_F(Cli, CheckConfigReportsThreeErrorsWithPositions) {
  test::writeFile(
      dir_ / "conf/bad.yaml",
      "sites:\n  - {code: LHS, name: L, type: high}\nimports:\n  - name: students\n"
      "    source: {directory: sis, file: s.csv}\n    mapping: students.mapping.yaml\n"
      "    shedule:\n      monday: {update: full, at: \"02:00\"}\n"
      "    options: {keep_runs: many}\ntextbook_policies:\n  district: {max_checkouts: 0}\n");
  auto r = patrond({"check-config", "--config", dir_ / "conf/bad.yaml"});
  EXPECT_EQ(r.exitCode, 2);
  std::string path = dir_ / "conf/bad.yaml";
  EXPECT_NE(
      r.err.find(path +
                 ":7:5: imports[0].shedule: unknown key 'shedule' (did you mean 'schedule'?)"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(path + ":9:26: imports[0].options.keep_runs: expected a whole number"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find(path +
                 ":11:29: textbook_policies.district.max_checkouts: must be between 1 and 999"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("3 errors"), std::string::npos);
  // Each error shows its line with a caret under the column.
  EXPECT_NE(r.err.find("  7 |     shedule:\n    |     ^\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  9 |     options: {keep_runs: many}\n    |                          ^\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find("  11 |   district: {max_checkouts: 0}\n     |                             ^\n"),
      std::string::npos)
      << r.err;
  auto j = patrond({"check-config", "--json", "--config", dir_ / "conf/bad.yaml"});
  EXPECT_EQ(j.exitCode, 2);
  auto doc = nlohmann::json::parse(j.out);
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["errors"].size(), 3u);
}

// The line shown under an error never shows a secret someone put in the YAML by mistake.
TEST_F(Cli, ConfigErrorExcerptsNeverShowSecrets) {
  test::writeFile(dir_ / "conf/secret.yaml",
                  "sites:\n  - {code: LHS, name: L, type: high}\n"
                  "smtp: {host: mail.example.org, password: hunter2, user: lib}\n"
                  "database:\n  backend: postgresql\n"
                  "  connection: \"host=db password=swordfish\"\n"
                  "  api_token: tok3n\n  pasword: s3same\n");
  auto r = patrond({"check-config", "--config", dir_ / "conf/secret.yaml"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find(" | "), std::string::npos) << r.err;  // excerpts are shown
  for (const char* secret : {"hunter2", "swordfish", "tok3n", "s3same"}) {
    EXPECT_EQ((r.out + r.err).find(secret), std::string::npos) << secret << "\n" << r.err;
  }
}

TEST_F(Cli, DbMigrateCreatesTheSqliteDatabaseNextToTheConfig) {
  auto r = patrond({"db", "migrate", "--config", config_});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("version " + std::to_string(PatronStore::kSchemaVersion)), std::string::npos)
      << r.out;
  EXPECT_TRUE(fs::exists(dir_.path() / "conf" / "patrond.db"));
  auto runs = patrond({"runs", "--json", "--config", config_});
  ASSERT_EQ(runs.exitCode, 0) << runs.err;
  EXPECT_EQ(nlohmann::json::parse(runs.out), nlohmann::json::array());
}

TEST_F(Cli, UnknownRunAndPatronAreUsageErrors) {
  ASSERT_EQ(patrond({"db", "migrate", "--config", config_}).exitCode, 0);
  EXPECT_EQ(patrond({"summary", "42", "--config", config_}).exitCode, 2);
  auto p = patrond({"patrons", "show", "S0", "--config", config_});
  EXPECT_EQ(p.exitCode, 2);
  EXPECT_NE(p.err.find("S0"), std::string::npos);
}

TEST_F(Cli, ServiceCommandsAreForWindows) {
  auto r = patrond({"service", "install"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("Windows"), std::string::npos);
  EXPECT_NE(r.err.find("systemctl enable --now patrond"), std::string::npos) << r.err;
  for (const char* verb : {"start", "setup"}) {
    auto help = patrond({"service", verb, "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.out.find("Windows only"), std::string::npos) << verb << "\n" << help.out;
  }
}

}  // namespace
}  // namespace patrond
