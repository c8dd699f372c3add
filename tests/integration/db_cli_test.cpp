// issue 14, the CLI and database half: db status and db backup on the three backends,
// commands that only read never create or upgrade a database, check-config's look at the
// environment, and the command line's own help, suggestions and bounds.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class DbCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    conf_ = fs::path(config_).parent_path();
    db_ = conf_ / "patrond.db";
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    args.insert(args.begin(), PATROND_BIN);
    args.push_back("--config");
    args.push_back(config_);
    return test::run(args, {{"PATROND_CONFIG", ""}});
  }
  // The example with its database section replaced.
  void useDatabase(const std::string& section) {
    std::string cfg = test::readFile(config_);
    auto at = cfg.find("database:\n");
    auto end = cfg.find("\n\n", at);
    cfg.replace(at, end - at, section);
    test::writeFile(config_, cfg);
  }
  // A server database: the connection, and the password in a 0600 file when it needs one.
  void useServer(const std::string& backend, test::DatabaseServer& server) {
    ASSERT_EQ(server.error(), "");
    std::string section =
        "database:\n  backend: " + backend + "\n  connection: \"" + server.newDatabase() + "\"";
    if (!server.password().empty()) {
      std::string secret = conf_ / "db.secret";
      test::writeFile(secret, server.password());
      fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
      section += "\n  password_file: " + secret;
    }
    useDatabase(section);
  }
  long long patronCount(const std::string& file) {
    soci::session s(soci::sqlite3, "db=" + file);
    long long n = 0;
    s << "SELECT COUNT(*) FROM patrons", soci::into(n);
    return n;
  }

  test::TempDir dir_;
  std::string config_;
  fs::path conf_, db_;
};

// Before: `runs` with a wrong SQLite path created an empty database there.
TEST_F(DbCli, CommandsThatOnlyReadNeverCreateTheSqliteFile) {
  std::vector<std::vector<std::string>> readers{{"runs"},
                                                {"summary", "1"},
                                                {"patrons", "show", "S1001"},
                                                {"patrons", "list"},
                                                {"homerooms", "list"},
                                                {"outbox"},
                                                {"notices", "preview", "weekly-overdues"},
                                                {"db", "status"}};
  for (const auto& cmd : readers) {
    auto r = patrond(cmd);
    EXPECT_EQ(r.exitCode, 2) << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find("patrond db migrate"), std::string::npos) << cmd[0] << ": " << r.err;
    EXPECT_NE(r.err.find(db_.string()), std::string::npos) << cmd[0] << ": " << r.err;
    EXPECT_FALSE(fs::exists(db_)) << cmd[0];
  }
  // A command that writes still creates it.
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  EXPECT_TRUE(fs::exists(db_));
  EXPECT_EQ(patrond({"runs"}).exitCode, 0);
}

// Before: `circ checkout` with a wrong SQLite path created and migrated an empty database
// there, then only said the patron did not exist. Every command that needs the database
// still creates it (SPEC section 2); those that change the library without filling it now
// warn that they did, naming the file and what to check.
TEST_F(DbCli, CommandsThatChangeButDoNotFillTheLibrarySayWhenTheyCreatedTheDatabase) {
  std::vector<std::vector<std::string>> changers{
      {"circ", "checkout", "S1001", "T1"},
      {"circ", "checkin", "T1"},
      {"circ", "condition", "T1", "good"},
      {"circ", "sweep"},
      {"fines", "pay", "S1001", "1.00"},
      {"fines", "waive", "S1001", "1.00", "--reason", "x"},
      {"patrons", "set", "S1001", "--homeroom", "Smith 104"},
      {"patrons", "delete", "S1001"},
      {"homerooms", "set", "LHS", "Smith 104", "--teacher-email", "a@example.org"},
      {"notices", "send", "weekly-overdues"},
      {"outbox", "deliver"}};
  for (const auto& cmd : changers) {
    fs::remove(db_);
    auto r = patrond(cmd);
    const std::string what = cmd[0] + " " + cmd[1];
    EXPECT_NE(r.err.find("warning: created a new, empty database " + db_.string()),
              std::string::npos)
        << what << ": " << r.err;
    EXPECT_NE(r.err.find("correct database.connection"), std::string::npos) << what;
    EXPECT_TRUE(fs::exists(db_)) << what;
    // The database exists now: the same command says nothing of the kind.
    auto again = patrond(cmd);
    EXPECT_EQ(again.err.find("created a new"), std::string::npos) << what << ": " << again.err;
  }
  // A patron looked up in a library with no patrons at all: the answer says why that may be.
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"circ", "checkout", "S1001", "T1"},
                                                               {"patrons", "show", "S1001"},
                                                               {"fines", "pay", "S1001", "1.00"},
                                                               {"patrons", "delete", "S1001"}}) {
    auto r = patrond(cmd);
    EXPECT_EQ(r.exitCode, 2) << cmd[0] << " " << cmd[1];
    EXPECT_NE(r.err.find("no patron with district id or barcode"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the database has no patrons at all: import them first"),
              std::string::npos)
        << cmd[0] << " " << cmd[1] << ": " << r.err;
  }
  // Imports fill the library: creating its database on a first run is what they are for.
  fs::remove(db_);
  auto first = patrond({"import", "students"});
  EXPECT_EQ(first.err.find("created a new"), std::string::npos) << first.err;
  EXPECT_TRUE(fs::exists(db_));
  // With patrons, an unknown one is only that.
  auto unknown = patrond({"patrons", "show", "NOPE"});
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_EQ(unknown.err.find("no patrons at all"), std::string::npos) << unknown.err;
}

// SPEC section 2: --json prints one JSON document on stdout. Before, a command that failed
// printed nothing there (patrons show, usage errors, a broken configuration).
TEST_F(DbCli, WithJsonEveryFailurePrintsOneJsonDocumentOnStdout) {
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  struct Case {
    std::vector<std::string> args;
    int exitCode;
    std::string says;
  };
  std::vector<Case> cases{
      {{"patrons", "show", "NOPE", "--json"}, 2, "no patron with district id or barcode 'NOPE'"},
      {{"patrons", "shwo", "--json"}, 2, "did you mean 'patrons show'"},
      {{"--json", "runs", "--limit", "x"}, 2, "--limit"},
      {{"summary", "999", "--json"}, 2, "999"},
      {{"circ", "checkout", "NOPE", "T0001", "--json"}, 2, "NOPE"},
      // Not UTF-8: replaced in the document, never a crash.
      {{"notices", "send", "bad\xff", "--json"}, 2, "no notice named 'bad"}};
  for (const auto& c : cases) {
    auto r = patrond(c.args);
    const std::string what = c.args[0] + " " + c.args[1];
    EXPECT_EQ(r.exitCode, c.exitCode) << what << ": " << r.err;
    json j = json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << what << ": not one JSON document: " << r.out;
    EXPECT_EQ(j["ok"], false) << what;
    EXPECT_NE(j["error"].get<std::string>().find(c.says), std::string::npos) << what << ": " << j;
    // One shape for every failure: the exit code is in the document too.
    EXPECT_EQ(j["exit_code"], c.exitCode) << what << ": " << j;
  }
  // Refused while loading, though not a diagnostic of the file: still said.
  auto asOf = patrond({"runs", "--json", "--as-of", "garbage"});
  EXPECT_EQ(asOf.exitCode, 2) << asOf.err;
  json refused = json::parse(asOf.out, nullptr, false);
  ASSERT_FALSE(refused.is_discarded()) << asOf.out;
  ASSERT_FALSE(refused["errors"].empty()) << refused;
  EXPECT_NE(refused["errors"][0].get<std::string>().find("garbage"), std::string::npos) << refused;
  // A configuration that does not load: its diagnostics, as check-config --json gives them.
  std::string cfg = test::readFile(config_);
  cfg += "\nshedule: 1\n";
  test::writeFile(config_, cfg);
  auto r = patrond({"runs", "--json"});
  EXPECT_EQ(r.exitCode, 2);
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["ok"], false);
  ASSERT_FALSE(j["errors"].empty());
  EXPECT_NE(j["errors"][0].get<std::string>().find("unknown key 'shedule'"), std::string::npos)
      << j;
  EXPECT_EQ(j["error"], j["errors"][0]);
  EXPECT_EQ(j["exit_code"], 2);
}

TEST_F(DbCli, CommandsThatOnlyReadNeverUpgradeAnOldSchema) {
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  {
    soci::session s(soci::sqlite3, "db=" + db_.string());
    s << "DELETE FROM schema_version WHERE version = 6";
  }
  auto r = patrond({"runs"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("schema version 5 (this patrond: 6): run 'patrond db migrate'"),
            std::string::npos)
      << r.err;
  auto st = patrond({"db", "status", "--json"});
  EXPECT_EQ(st.exitCode, 2) << st.err;
  auto doc = json::parse(st.out);
  EXPECT_EQ(doc["schema_version"], 5);
  EXPECT_EQ(doc["latest_version"], 6);
  EXPECT_EQ(doc["pending_migrations"], json::array({6}));
  // Still at 5: nothing upgraded it.
  EXPECT_EQ(json::parse(patrond({"db", "status", "--json"}).out)["schema_version"], 5);
  {
    soci::session s(soci::sqlite3, "db=" + db_.string());
    s << "INSERT INTO schema_version (version, applied_at) VALUES (6, '2026-12-06T00:00:00')";
  }
  EXPECT_EQ(patrond({"db", "status"}).exitCode, 0);
  EXPECT_EQ(patrond({"runs"}).exitCode, 0);
}

TEST_F(DbCli, DbStatusShowsBackendVersionPendingAndSize) {
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  auto r = patrond({"db", "status"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("backend: sqlite3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("database: " + db_.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("schema version: 6 (this patrond: 6)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pending migrations: none"), std::string::npos) << r.out;
  auto doc = json::parse(patrond({"db", "status", "--json"}).out);
  EXPECT_EQ(doc["backend"], "sqlite3");
  EXPECT_EQ(doc["pending_migrations"], json::array());
  EXPECT_GT(doc["size_bytes"].get<long long>(), 4096);
}

TEST_F(DbCli, DbBackupIsConsistentWhileAnotherConnectionWrites) {
  ASSERT_EQ(patrond({"import", "students"}).exitCode, 0);
  long long before = patronCount(db_.string());
  ASSERT_GT(before, 0);
  // An import of another process in the middle of its transaction: not in the copy.
  soci::session writer(soci::sqlite3, "db=" + db_.string());
  writer << "PRAGMA busy_timeout = 10000";
  writer << "BEGIN IMMEDIATE";
  writer << "DELETE FROM patrons";
  std::string target = dir_ / "backup/copy.db";
  fs::create_directories(dir_ / "backup");
  auto r = patrond({"db", "backup", target});
  writer << "ROLLBACK";
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find(target), std::string::npos);
  EXPECT_EQ(patronCount(target), before);
  for (const auto& e : fs::directory_iterator(fs::path(target).parent_path())) {
    EXPECT_EQ(e.path().string().find(".part"), std::string::npos) << e.path();
  }
  EXPECT_FALSE(fs::exists(target + "-wal"));
  // Never over an existing file.
  auto again = patrond({"db", "backup", target});
  EXPECT_EQ(again.exitCode, 2);
  EXPECT_NE(again.err.find("exists already"), std::string::npos) << again.err;
  EXPECT_EQ(patronCount(target), before);
  // No name at all is a usage error, not an internal one.
  auto empty = patrond({"db", "backup", ""});
  EXPECT_EQ(empty.exitCode, 2) << empty.err;
  EXPECT_EQ(empty.err.find("internal error"), std::string::npos) << empty.err;
}

TEST_F(DbCli, DbBackupOfAMissingDatabaseCreatesNothing) {
  auto r = patrond({"db", "backup", dir_ / "copy.db"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("patrond db migrate"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(db_));
  EXPECT_FALSE(fs::exists(dir_ / "copy.db"));
}

// A backup into a folder that is not there, and a database whose folder is not there: usage
// errors (exit 2) that name the folder and what to do, and nothing is created.
TEST_F(DbCli, MissingFoldersAreNamedWithWhatToDo) {
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  auto backup = patrond({"db", "backup", dir_ / "nodir/copy.db"});
  EXPECT_EQ(backup.exitCode, 2) << backup.err;
  EXPECT_NE(backup.err.find("the folder " + (dir_ / "nodir") + " does not exist"),
            std::string::npos)
      << backup.err;
  EXPECT_FALSE(fs::exists(dir_ / "nodir"));
  useDatabase("database:\n  backend: sqlite3\n  connection: \"db=missing/nope.db\"");
  for (const char* command : {"runs", "db"}) {
    std::vector<std::string> args{command};
    if (std::string(command) == "db") {
      args.push_back("migrate");
    }
    auto r = patrond(args);
    EXPECT_EQ(r.exitCode, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("the database folder " + (conf_ / "missing").string() +
                         " does not exist: create it (mkdir -p "),
              std::string::npos)
        << r.err;
  }
  EXPECT_FALSE(fs::exists(conf_ / "missing"));
}

TEST_F(DbCli, OnPostgresqlStatusShowsTheSizeAndBackupNamesPgDump) {
  useServer("postgresql", test::postgres());
  auto fresh = patrond({"db", "status", "--json"});
  EXPECT_EQ(fresh.exitCode, 2) << fresh.err;
  EXPECT_EQ(json::parse(fresh.out)["pending_migrations"], json::array({1, 2, 3, 4, 5, 6}));
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  auto r = patrond({"db", "status", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["backend"], "postgresql");
  EXPECT_EQ(doc["schema_version"], 6);
  EXPECT_GT(doc["size_bytes"].get<long long>(), 100000);
  auto b = patrond({"db", "backup", dir_ / "copy.db"});
  EXPECT_EQ(b.exitCode, 2);
  EXPECT_NE(b.err.find("pg_dump"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(dir_ / "copy.db"));
}

TEST_F(DbCli, OnMariadbStatusShowsTheSizeAndBackupNamesMariadbDump) {
  useServer("mysql", test::mariadb());
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  auto r = patrond({"db", "status", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["backend"], "mysql");
  EXPECT_EQ(doc["schema_version"], 6);
  EXPECT_GT(doc["size_bytes"].get<long long>(), 0);
  EXPECT_EQ(r.out.find(test::mariadb().password()), std::string::npos);
  auto b = patrond({"db", "backup", dir_ / "copy.db"});
  EXPECT_EQ(b.exitCode, 2);
  EXPECT_NE(b.err.find("mariadb-dump"), std::string::npos) << b.err;
}

// check-config, as the user running it.
TEST_F(DbCli, CheckConfigPrintsTheResolvedPaths) {
  auto r = patrond({"check-config"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("the database: " + db_.string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the source folder of import students: " + (conf_ / "sis").string()),
            std::string::npos)
      << r.out;
  EXPECT_NE(
      r.out.find("the print folder of notice weekly-overdues: " + (conf_ / "notices").string()),
      std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(db_)) << "check-config creates no database";
}

// `cd /etc/patrond && patrond --config patrond.yaml check-config`: the database has no folder
// part then, and is in the current folder (it once reported "the database folder does not
// exist" with an empty path).
TEST_F(DbCli, CheckConfigWithARelativeConfigFromItsFolder) {
  auto r = test::run({"/bin/sh", "-c",
                      "cd '" + conf_.string() + "' && exec '" + std::string(PATROND_BIN) +
                          "' --config patrond.yaml check-config"},
                     {{"PATROND_CONFIG", ""}});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  auto imported = test::run({"/bin/sh", "-c",
                             "cd '" + conf_.string() + "' && exec '" + std::string(PATROND_BIN) +
                                 "' --config ./patrond.yaml import students --as-of "
                                 "'2026-10-15 02:00'"},
                            {{"PATROND_CONFIG", ""}});
  EXPECT_EQ(imported.exitCode, 0) << imported.out << imported.err;
  EXPECT_TRUE(fs::exists(conf_ / "archive" / "students")) << "keep_copies beside the database";
}

TEST_F(DbCli, CheckConfigRefusesMissingFoldersNamingThePathAndWhatToDo) {
  fs::remove_all(conf_ / "sis");
  test::writeFile(dir_ / "afile", "x");
  std::string cfg = test::readFile(config_);
  cfg.replace(cfg.find("print_dir: notices"), 18, "print_dir: " + (dir_ / "afile/notices"));
  test::writeFile(config_, cfg);
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2);
  std::string sis = (conf_ / "sis").string();
  EXPECT_NE(r.err.find(sis +
                       ": the source folder of import students does not exist; create it "
                       "(mkdir -p " +
                       sis + ")"),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      r.err.find((dir_ / "afile") + ": the print folder of notice weekly-overdues is not a folder"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("Configuration OK"), std::string::npos);
  auto j = patrond({"check-config", "--json"});
  EXPECT_EQ(j.exitCode, 2);
  auto doc = json::parse(j.out);
  EXPECT_FALSE(doc["ok"].get<bool>());
  EXPECT_EQ(doc["errors"].size(), 3u) << doc.dump();  // both jobs read sis/
}

TEST_F(DbCli, CheckConfigWarnsAboutMailWithoutTlsAndNeedsKnownHosts) {
  std::string cfg = test::readFile(config_);
  cfg +=
      "smtp:\n  host: mail.example.org\n  port: 25\n  security: none\n"
      "  from: lib@example.org\n";
  cfg.replace(cfg.find("      directory: sis\n      file: students.csv\n"),
              std::strlen("      directory: sis\n      file: students.csv\n"),
              "      sftp:\n        url: sftp://127.0.0.1:2222/out\n        username: sis\n"
              "        private_key: id_sis\n        known_hosts: known_hosts\n"
              "      file: students.csv\n");
  test::writeFile(config_, cfg);
  test::writeFile(conf_ / "id_sis", "key");
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find((conf_ / "known_hosts").string() +
                       ": known_hosts of import students does not exist"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("warning: smtp.security: none"), std::string::npos) << r.err;
  test::writeFile(conf_ / "known_hosts", "");
  auto ok = patrond({"check-config"});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
}

// As the user running it: here a user that can neither write the database folder nor read
// one source folder (root runs the check as nobody, through setpriv).
TEST_F(DbCli, CheckConfigChecksAsTheUserRunningIt) {
  using fs::perms;
  const perms open = perms::owner_all | perms::group_read | perms::group_exec | perms::others_read |
                     perms::others_exec;
  fs::permissions(dir_.path(), open);
  fs::permissions(conf_, open & ~perms::owner_write);
  fs::permissions(conf_ / "sis", perms::owner_all);
  std::vector<std::string> argv;
  if (::geteuid() == 0) {
    argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  }
  argv.insert(argv.end(), {PATROND_BIN, "check-config", "--config", config_});
  auto r = test::run(argv, {{"PATROND_CONFIG", ""}});
  fs::permissions(conf_, open);
  fs::permissions(conf_ / "sis", open);
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find(conf_.string() + ": the database folder is not writable by user "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find((conf_ / "sis").string() +
                       ": the source folder of import faculty cannot be read by user "),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sudo -u patrond patrond"), std::string::npos) << r.err;
}

// keep_copies archives into the state folder: a SIS drop folder the service may only read
// passes (it used to be asked to be writable, and every `systemctl reload` was refused).
TEST_F(DbCli, ASourceFolderThatCanOnlyBeReadPassesWithKeepCopies) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to run the check as another user (CI runs as root)";
  }
  using fs::perms;
  ASSERT_NE(test::readFile(config_).find("keep_copies: 5"), std::string::npos);
  fs::permissions(dir_.path(), perms::all);
  fs::permissions(conf_, perms::all);
  fs::permissions(conf_ / "sis", perms::owner_all | perms::group_read | perms::group_exec |
                                     perms::others_read | perms::others_exec);
  auto r = test::run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                      PATROND_BIN, "check-config", "--config", config_},
                     {{"PATROND_CONFIG", ""}});
  fs::permissions(conf_, perms::owner_all);
  EXPECT_EQ(r.exitCode, 0) << r.err;
}

// The command line.
TEST_F(DbCli, UnknownCommandsAndJobsGetADidYouMean) {
  auto r = patrond({"improt", "students"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("unknown command 'improt' (did you mean 'import'?)"), std::string::npos)
      << r.err;
  auto db = patrond({"db", "stauts"});
  EXPECT_EQ(db.exitCode, 2);
  EXPECT_NE(db.err.find("unknown command 'db stauts' (did you mean 'db status'?)"),
            std::string::npos)
      << db.err;
  auto job = patrond({"import", "studnets"});
  EXPECT_EQ(job.exitCode, 2);
  EXPECT_NE(
      job.err.find("no import job named 'studnets' in " + config_ + " (did you mean 'students'?)"),
      std::string::npos)
      << job.err;
  auto none = patrond({"zzzzzz"});
  EXPECT_EQ(none.exitCode, 2);
  EXPECT_NE(none.err.find("unknown command 'zzzzzz'; commands: "), std::string::npos) << none.err;
}

TEST_F(DbCli, LimitsOutOfRangeAreSaidInWords) {
  for (std::string bad : {"0", "-3", "99999999999999999999999999", "ten"}) {
    auto r = patrond({"runs", "--limit", bad});
    EXPECT_EQ(r.exitCode, 2) << bad;
    EXPECT_NE(r.err.find("a whole number from 1 to 100000, not '" + bad + "'"), std::string::npos)
        << r.err;
    EXPECT_LT(r.err.size(), 300u) << r.err;
  }
  auto outbox = patrond({"outbox", "--limit", "0"});
  EXPECT_EQ(outbox.exitCode, 2);
  EXPECT_NE(outbox.err.find("a whole number from 1 to 1000000"), std::string::npos) << outbox.err;
}

TEST_F(DbCli, SubcommandHelpShowsGlobalOptionsExitCodesAndAnExample) {
  for (std::vector<std::string> cmd : {std::vector<std::string>{"db", "backup"},
                                       {"runs"},
                                       {"import"},
                                       {"circ", "checkout"},
                                       {"db"}}) {
    cmd.push_back("--help");
    auto r = patrond(cmd);
    EXPECT_EQ(r.exitCode, 0) << cmd[0];
    for (const char* want : {"Global options", "--config", "--as-of", "--json",
                             "Exit codes: 0 success", "3 refused by a policy", "Example:\n  "}) {
      EXPECT_NE(r.out.find(want), std::string::npos) << cmd[0] << " " << want << "\n" << r.out;
    }
  }
  EXPECT_NE(
      patrond({"db", "backup", "--help"}).out.find("patrond db backup /var/lib/patrond/backup-"),
      std::string::npos);
  // The top level too: its exit codes, an example and where to look next.
  auto top = patrond({"--help"});
  EXPECT_EQ(top.exitCode, 0);
  for (const char* want :
       {"Exit codes: 0 success", "Example:\n  patrond check-config", "'patrond COMMAND --help'"}) {
    EXPECT_NE(top.out.find(want), std::string::npos) << want << "\n" << top.out;
  }
}

}  // namespace
}  // namespace patrond
