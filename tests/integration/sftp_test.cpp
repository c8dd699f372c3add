// SFTP sources against a real OpenSSH server on loopback (issue 4): key and password
// authentication, host key checks that never give way, and a server that goes away.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/sftp_server.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

class Sftp : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(server_.error(), "");
    test::writeFile(dir_ / "m.yaml", "fields: {district_id: ID, last_name: Last, site: School}\n");
    test::writeFile(server_.root() + "/students.csv", "ID,Last,School\nS1,Núñez,LHS\nS2,Lee,LHS\n");
    test::writeFile(dir_ / "sftp.secret", server_.password() + "\n");
    ::chmod((dir_ / "sftp.secret").c_str(), 0600);
  }
  void config(const std::string& auth, const std::string& knownHosts,
              const std::string& extra = "") {
    test::writeFile(dir_ / "patrond.yaml",
                    "district: {timezone: UTC}\nlogging: {system: false}\n"
                    "sites:\n  - {code: LHS, name: L, type: high}\n"
                    "imports:\n  - name: students\n    mapping: m.yaml\n    source:\n"
                    "      file: \"stud*.csv\"\n      sftp:\n        url: " +
                        server_.url() + "\n        username: " + server_.user() + "\n        " +
                        auth + "\n        known_hosts: " + knownHosts +
                        "\n        poll_every: 1s\n" + extra);
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, dir_ / "patrond.yaml", std::move(args));
  }

  test::SftpServer server_;
  test::TempDir dir_;
};

TEST_F(Sftp, KeyAuthTestSourceAndImport) {
  config("private_key: " + server_.clientKey(), server_.knownHosts());
  auto t = patrond({"test-source", "students", "--json"});
  ASSERT_EQ(t.exitCode, 0) << t.err << t.out;
  json j = json::parse(t.out);
  EXPECT_EQ(j["file"], "students.csv");
  EXPECT_GT(j["size"].get<int>(), 20);
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out)["counts"]["added"], 2);
  EXPECT_FALSE(fs::exists(dir_.path() / "incoming/students/students.csv.part"));
  EXPECT_TRUE(fs::exists(dir_.path() / "incoming/students/students.csv"));
}

TEST_F(Sftp, PasswordAuth) {
  config("password_file: sftp.secret", server_.knownHosts());
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out)["counts"]["added"], 2);
}

TEST_F(Sftp, WrongPasswordSaysAuth) {
  test::writeFile(dir_ / "sftp.secret", "not it\n");
  config("password_file: sftp.secret", server_.knownHosts());
  auto t = patrond({"test-source", "students", "--json"});
  EXPECT_EQ(t.exitCode, 1);
  EXPECT_EQ(json::parse(t.out)["code"], "AUTH") << t.out;
}

TEST_F(Sftp, ChangedHostKeyFailsLoudlyAndImportsNothing) {
  config("private_key: " + server_.clientKey(), server_.wrongKnownHosts());
  auto t = patrond({"test-source", "students"});
  EXPECT_EQ(t.exitCode, 1);
  EXPECT_NE(t.err.find("HOST_KEY"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("does NOT match known_hosts"), std::string::npos) << t.err;
  auto r = patrond({"import", "students", "--json"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(json::parse(r.out)["status"], "failed");
  EXPECT_EQ(json::parse(patrond({"patrons", "list", "--json"}).out).size(), 0u);
  // The known_hosts file is never changed to accept the new key.
  EXPECT_EQ(test::readFile(server_.wrongKnownHosts()).find("otherhost"), std::string::npos);
}

TEST_F(Sftp, MissingFileAndNoServerAreNamed) {
  test::writeFile(dir_ / "m.yaml", "fields: {district_id: ID, last_name: Last, site: School}\n");
  fs::remove(server_.root() + "/students.csv");
  config("private_key: " + server_.clientKey(), server_.knownHosts());
  auto t = patrond({"test-source", "students", "--json"});
  EXPECT_EQ(t.exitCode, 1);
  EXPECT_EQ(json::parse(t.out)["code"], "FILE_MISSING") << t.out;
  server_.stop();
  t = patrond({"test-source", "students", "--json"});
  EXPECT_EQ(t.exitCode, 1);
  EXPECT_EQ(json::parse(t.out)["code"], "CONNECT") << t.out;
}

TEST_F(Sftp, UnknownHostNameSaysDns) {
  config("private_key: " + server_.clientKey(), server_.knownHosts());
  std::string yaml = test::readFile(dir_ / "patrond.yaml");
  yaml.replace(yaml.find("127.0.0.1"), 9, "no-such-host.invalid");
  test::writeFile(dir_ / "patrond.yaml", yaml);
  auto t = patrond({"test-source", "students", "--json"});
  EXPECT_EQ(t.exitCode, 1);
  EXPECT_EQ(json::parse(t.out)["code"], "DNS") << t.out;
}

TEST_F(Sftp, EncryptedKeyWithPassphraseFile) {
  std::string key = dir_ / "enc_key";
  ASSERT_EQ(test::run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "key pass", "-f", key}).exitCode,
            0);
  test::writeFile(server_.authorizedKeys(),
                  test::readFile(server_.clientKey() + ".pub") + test::readFile(key + ".pub"));
  test::writeFile(dir_ / "pass.secret", "key pass\n");
  ::chmod((dir_ / "pass.secret").c_str(), 0600);
  config("private_key: " + key + "\n        passphrase_file: pass.secret", server_.knownHosts());
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out)["counts"]["added"], 2);
  test::writeFile(dir_ / "pass.secret", "wrong\n");
  auto t = patrond({"test-source", "students", "--json"});
  EXPECT_EQ(t.exitCode, 1);
  EXPECT_EQ(json::parse(t.out)["code"], "AUTH") << t.out;
}

TEST_F(Sftp, ServicePollsRetriesWhileTheServerIsDownAndKeepsRunning) {
  config("private_key: " + server_.clientKey(), server_.knownHosts(),
         "    on_new_file: incremental\n");
  std::string log = dir_ / "service.log";
  test::Process p({PATROND_BIN, "run", "--config", dir_ / "patrond.yaml"}, log,
                  {{"NOTIFY_SOCKET", ""}});
  // Finished runs only: a run in progress is listed too, with no counts yet.
  // Until the service has created the database, `runs` (which only reads) exits 2: no runs.
  auto runs = [&] {
    json done = json::array();
    auto listed = patrond({"runs", "--json"});
    for (const auto& r : listed.exitCode == 0 ? json::parse(listed.out) : json::array()) {
      if (r["status"] != "running") {
        done.push_back(r);
      }
    }
    return done;
  };
  ASSERT_TRUE(test::eventually([&] { return runs().size() == 1; }, 15s)) << test::readFile(log);
  EXPECT_EQ(runs()[0]["counts"]["added"], 2);
  server_.stop();
  ASSERT_TRUE(test::eventually(
      [&] { return test::readFile(log).find("polling the server failed") != std::string::npos; },
      10s))
      << test::readFile(log);
  EXPECT_TRUE(p.running());
  test::writeFile(server_.root() + "/students.csv",
                  "ID,Last,School\nS1,Núñez,LHS\nS2,Lee,LHS\nS3,New,LHS\n");
  ASSERT_TRUE(server_.start());
  ASSERT_TRUE(test::eventually([&] { return runs().size() == 2; }, 45s)) << test::readFile(log);
  EXPECT_EQ(runs()[0]["counts"]["added"], 1);
  EXPECT_NE(test::readFile(log).find("the server answers again"), std::string::npos);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

}  // namespace
}  // namespace patrond
