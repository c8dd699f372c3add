// Hostile and careless configurations through the real binary (issue 13, findings 4, 6, 8):
// check-config names file:line:col and the key, reads every secret, never prints one, and no
// configuration ends the process with a signal: commands exit 1 or 2, the service stays up.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

class BadInputCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    conf_ = fs::path(config_).parent_path();
    example_ = test::readFile(config_);
  }
  test::CommandResult patrond(std::vector<std::string> args,
                              std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), PATROND_BIN);
    args.push_back("--config");
    args.push_back(config_);
    env["PATROND_CONFIG"] = "";
    return test::run(args, env);
  }
  // The example with `text` appended; returns the line the appended text starts on.
  int append(const std::string& text) {
    int line = 1 + static_cast<int>(std::count(example_.begin(), example_.end(), '\n'));
    test::writeFile(config_, example_ + text);
    return line;
  }
  // A process that ended by a signal has exitCode 128 + signal.
  static void expectNoSignal(const test::CommandResult& r) {
    EXPECT_LT(r.exitCode, 128) << r.err;
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
  }

  test::TempDir dir_;
  std::string config_, example_;
  fs::path conf_;
};

TEST_F(BadInputCli, CheckConfigRefusesCredentialsInUrlsAndConnectionStringsAndNeverPrintsThem) {
  std::string cfg = example_;
  cfg.replace(cfg.find("connection: \"db=patrond.db\""), 27,
              "connection: \"db=patrond.db pass=hunter2\"");
  test::writeFile(config_, cfg);
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find(config_ + ":10:15: database.connection: a password in the connection "
                                 "string: secrets never sit in the YAML"),
            std::string::npos)
      << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2"), std::string::npos);

  cfg = example_;
  cfg.replace(
      cfg.find("      directory: sis\n      file: students.csv"), 21,
      "      sftp:\n        url: \"sftp://sis:hunter2@127.0.0.1:2222/out/\"\n"
      "        username: sis\n        password_env: SIS_PASSWORD\n        known_hosts: kh\n");
  test::writeFile(config_, cfg);
  r = patrond({"check-config", "--json"}, {{"SIS_PASSWORD", "pw"}});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ((r.out + r.err).find("hunter2"), std::string::npos) << r.out << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["errors"].size(), 1u) << r.out;
  EXPECT_NE(j["errors"][0].get<std::string>().find(
                config_ + ":25:14: imports[0].source.sftp.url: a password in the URL"),
            std::string::npos)
      << r.out;
  // `import` and `run` refuse the same configuration before doing anything.
  r = patrond({"import", "students"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos);
}

TEST_F(BadInputCli, CheckConfigReadsEverySecretAndNamesKeyAndFile) {
  fs::create_directory(conf_ / "smtp.secret");
  test::writeFile(conf_ / "db.secret", "");
  ::chmod((conf_ / "db.secret").c_str(), 0600);
  std::string cfg = example_;
  cfg.replace(cfg.find("  connection: \"db=patrond.db\"\n"), 30,
              "  connection: \"db=patrond.db\"\n  password_file: db.secret\n");
  cfg +=
      "smtp:\n  host: 127.0.0.1\n  from: library@springfield.example.org\n"
      "  username: library\n  password_file: smtp.secret\n";
  test::writeFile(config_, cfg);
  // Before: check-config said OK, and the first delivery aborted the process.
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2) << r.out;
  EXPECT_NE(r.err.find(config_ + ":11:18: database.password_file: " +
                       (conf_ / "db.secret").string() + ": the secret file is empty"),
            std::string::npos)
      << r.err;
  int smtpLine = 1 + static_cast<int>(std::count(cfg.begin(), cfg.end(), '\n')) - 1;
  EXPECT_NE(r.err.find(config_ + ":" + std::to_string(smtpLine) + ":18: smtp.password_file: " +
                       (conf_ / "smtp.secret").string() + ": the secret file is a directory"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("2 errors in the configuration"), std::string::npos);
  // An unset variable, as the user running check-config.
  cfg = example_ +
        "smtp:\n  host: 127.0.0.1\n  from: library@springfield.example.org\n"
        "  password_env: PATROND_TEST_NO_SUCH_SECRET\n";
  test::writeFile(config_, cfg);
  r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("smtp.password_env: environment variable PATROND_TEST_NO_SUCH_SECRET is "
                       "not set (as the user running this command)"),
            std::string::npos)
      << r.err;
  r = patrond({"check-config"}, {{"PATROND_TEST_NO_SUCH_SECRET", "pw"}});
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(BadInputCli, SecretThatIsADirectoryFailsTheCommandNotTheProcess) {
  // The database password: every command that opens the database read it with a stream that
  // threw on a directory (SIGABRT).
  fs::create_directory(conf_ / "db.secret");
  std::string cfg = example_;
  cfg.replace(cfg.find("  connection: \"db=patrond.db\"\n"), 30,
              "  connection: \"db=patrond.db\"\n  password_file: db.secret\n");
  test::writeFile(config_, cfg);
  auto r = patrond({"db", "migrate"});
  expectNoSignal(r);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("database password: " + (conf_ / "db.secret").string() +
                       ": the secret file is a directory"),
            std::string::npos)
      << r.err;
  // The SFTP password and passphrase: test-source.
  test::writeFile(config_, example_);
  fs::create_directory(conf_ / "sftp.secret");
  cfg = example_;
  cfg.replace(cfg.find("      directory: sis\n      file: students.csv"), 21,
              "      sftp:\n        url: \"sftp://127.0.0.1:1/out/\"\n        username: sis\n"
              "        password_file: sftp.secret\n        known_hosts: kh\n");
  test::writeFile(config_, cfg);
  r = patrond({"test-source", "students"});
  expectNoSignal(r);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("SFTP password: " + (conf_ / "sftp.secret").string() +
                       ": the secret file is a directory"),
            std::string::npos)
      << r.err;
}

TEST_F(BadInputCli, ServiceSurvivesADeliveryWhoseSecretIsADirectory) {
  // The service used to abort at its first delivery (the outbox is checked at start and every
  // minute once smtp is set up), and systemd restarted it in a loop.
  fs::create_directory(conf_ / "smtp.secret");
  append("smtp:\n  host: 127.0.0.1\n  port: " + std::to_string(test::freePort()) +
         "\n  from: library@springfield.example.org\n  username: library\n"
         "  password_file: smtp.secret\n");
  std::string log = dir_ / "service.log";
  test::Process p({PATROND_BIN, "run", "--config", config_}, log,
                  {{"NOTIFY_SOCKET", ""}, {"PATROND_CONFIG", ""}});
  auto logHas = [&](const std::string& s) {
    return test::readFile(log).find(s) != std::string::npos;
  };
  ASSERT_TRUE(test::eventually([&] { return logHas("running:"); }, 10s)) << test::readFile(log);
  // The start-up warning names the directory; the outbox delivery at start fails cleanly.
  EXPECT_TRUE(logHas("warning: smtp.password_file: secret file " +
                     (conf_ / "smtp.secret").string() + " is a directory"))
      << test::readFile(log);
  ASSERT_TRUE(test::eventually([&] { return logHas("the secret file is a directory"); }, 10s))
      << test::readFile(log);
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(p.running()) << test::readFile(log);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0) << test::readFile(log);
}

TEST_F(BadInputCli, HostileFilesAreLocatedErrorsNotSignals) {
  // --config naming a directory, a FIFO or /dev/zero.
  ::mkfifo((conf_ / "fifo.yaml").c_str(), 0600);
  for (std::string path :
       {conf_.string(), (conf_ / "fifo.yaml").string(), std::string("/dev/zero")}) {
    auto r = test::run({PATROND_BIN, "check-config", "--config", path}, {{"PATROND_CONFIG", ""}});
    expectNoSignal(r);
    EXPECT_EQ(r.exitCode, 2) << path;
    EXPECT_NE(r.err.find(path + ": "), std::string::npos) << r.err;
  }
  // A mapping file that is a directory (SIGABRT before).
  std::string cfg = example_;
  cfg.replace(cfg.find("mapping: students.mapping.yaml"), 30, "mapping: sis");
  test::writeFile(config_, cfg);
  auto r = patrond({"check-config"});
  expectNoSignal(r);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find((conf_ / "sis").string() + ": is a directory, not a YAML file"),
            std::string::npos)
      << r.err;
  // A matcher alias that contains itself (SIGSEGV before).
  test::writeFile(config_, example_);
  std::string mapping = test::readFile(conf_ / "students.mapping.yaml");
  mapping.replace(mapping.find("rules:\n"), 7,
                  "rules:\n  - when: {grade: &x {not: *x}}\n    skip: loop\n");
  test::writeFile(conf_ / "students.mapping.yaml", mapping);
  r = patrond({"check-config"});
  expectNoSignal(r);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("students.mapping.yaml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("matchers nest at most 8 levels deep"), std::string::npos) << r.err;
  // A template path too long for the file system (SIGABRT before).
  fs::copy(fs::path(PATROND_SOURCE_DIR) / "conf/examples/students.mapping.yaml",
           conf_ / "students.mapping.yaml", fs::copy_options::overwrite_existing);
  cfg = example_;
  cfg.insert(cfg.find("    subject: \"Overdue books"),
             "    template: " + std::string(5000, 't') + "\n");
  test::writeFile(config_, cfg);
  r = patrond({"check-config"});
  expectNoSignal(r);
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("notices[0].template"), std::string::npos) << r.err.substr(0, 500);
  // Invalid UTF-8, with its line and column.
  int line = append("# caf\xE9\n");
  r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find(config_ + ":" + std::to_string(line) + ":6: invalid UTF-8 (byte 0xE9)"),
            std::string::npos)
      << r.err;
  // A duplicate key, with both positions.
  line = append("district:\n  name: Other\n");
  r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find(config_ + ":" + std::to_string(line) +
                       ":1: district: duplicate key 'district' (first at line 3, column 1)"),
            std::string::npos)
      << r.err;
}

TEST_F(BadInputCli, JobNamesThatWouldLeaveTheStateFolderAreRefused) {
  std::string cfg = example_;
  cfg.replace(cfg.find("- name: students"), 16, "- name: ../../x");
  test::writeFile(config_, cfg);
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find(config_ + ":22:11: imports[0].name: a job name is 1 to 64 letters"),
            std::string::npos)
      << r.err;
  // A name of its own beside the test folder: another test (or anything else on the
  // machine) may have made a plain "x" there.
  const std::string escaped = dir_.path().filename().string() + "-escaped";
  r = patrond({"import", "../../" + escaped});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_FALSE(fs::exists(dir_.path().parent_path() / escaped));
}

TEST_F(BadInputCli, LogFileThatCannotBeWrittenIsSaidAndTheCommandRuns) {
  fs::create_directory(conf_ / "log-is-a-dir");
  std::string cfg = example_;
  cfg.replace(cfg.find("  system: false\n"), 16, "  system: false\n  file: log-is-a-dir\n");
  test::writeFile(config_, cfg);
  auto r = patrond({"check-config"});
  expectNoSignal(r);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("cannot write the log file " + (conf_ / "log-is-a-dir").string()),
            std::string::npos)
      << r.err;
  r = patrond({"import", "students"});
  expectNoSignal(r);
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

TEST_F(BadInputCli, ClearTextMailWarnsInCheckConfigAndTheServiceLog) {
  test::writeFile(conf_ / "smtp.secret", "pw\n");
  ::chmod((conf_ / "smtp.secret").c_str(), 0600);
  int line = append(
      "smtp:\n  host: 127.0.0.1\n  from: library@springfield.example.org\n"
      "  security: none\n  username: library\n  password_file: smtp.secret\n"
      "  verify_certificate: false\n");
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find(config_ + ":" + std::to_string(line + 3) +
                       ":13: warning: smtp.security: security: none sends the SMTP password in "
                       "clear text"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(config_ + ":" + std::to_string(line + 6) +
                       ":23: warning: smtp.verify_certificate: the mail server's certificate is "
                       "not checked"),
            std::string::npos)
      << r.err;
  std::string log = dir_ / "service.log";
  std::string cfg = test::readFile(config_);
  cfg.replace(cfg.find("  system: false\n"), 16,
              "  system: false\n  file: " + (conf_ / "patrond.log").string() + "\n");
  test::writeFile(config_, cfg);
  test::Process p({PATROND_BIN, "run", "--config", config_}, log,
                  {{"NOTIFY_SOCKET", ""}, {"PATROND_CONFIG", ""}});
  ASSERT_TRUE(test::eventually(
      [&] { return test::readFile(conf_ / "patrond.log").find("running:") != std::string::npos; },
      10s));
  std::string fileLog = test::readFile(conf_ / "patrond.log");
  EXPECT_NE(fileLog.find("warning: " + config_), std::string::npos) << fileLog;
  EXPECT_NE(fileLog.find("sends the SMTP password in clear text"), std::string::npos) << fileLog;
  EXPECT_NE(fileLog.find("certificate is not checked"), std::string::npos) << fileLog;
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

}  // namespace
}  // namespace patrond

// check-config --keys needs no configuration: the key reference, from the loader's tables.
TEST(ConfigKeysCli, PrintsEveryKeyWithoutAConfiguration) {
  auto r = patrond::test::run(
      {PATROND_BIN, "check-config", "--keys", "--json", "--config", "/nonexistent/patrond.yaml"},
      {{"PATROND_CONFIG", ""}});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto keys = nlohmann::json::parse(r.out);
  ASSERT_TRUE(keys.is_array());
  std::set<std::string> paths;
  for (const auto& k : keys) {
    paths.insert(k["key"].get<std::string>());
    EXPECT_FALSE(k["doc"].get<std::string>().empty()) << k.dump();
  }
  for (const char* want :
       {"district.timezone", "database.password_file", "imports[].source.sftp.known_hosts",
        "mapping:match_on", "monitoring.alerts.to"}) {
    EXPECT_EQ(paths.count(want), 1u) << want;
  }
  auto text = patrond::test::run({PATROND_BIN, "check-config", "--keys"}, {{"PATROND_CONFIG", ""}});
  EXPECT_EQ(text.exitCode, 0);
  EXPECT_NE(text.out.find("district.statistical_year_starts"), std::string::npos);
}
