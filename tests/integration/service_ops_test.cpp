// Operating the service (issue 14): readiness under systemd, the journal, running as root.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// What systemd would read on NOTIFY_SOCKET: a unix datagram socket the test owns.
class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    path.copy(a.sun_path, sizeof a.sun_path - 1);
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~FakeNotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  void drain() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) {
        return;
      }
      received_.emplace_back(buf, static_cast<size_t>(n));
    }
  }
  bool has(const std::string& part) {
    drain();
    for (const auto& m : received_) {
      if (m.find(part) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  std::string all() {
    drain();
    std::string s;
    for (const auto& m : received_) {
      s += "[" + m + "] ";
    }
    return s;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<std::string> received_;
};

// A database server that comes up late: a TCP forwarder started on demand in front of the
// test's PostgreSQL. Until start(), nothing listens on its port.
class LateServer {
 public:
  LateServer(int port, int target) : port_(port), target_(target) {}
  ~LateServer() {
    stop_ = true;
    if (listener_ >= 0) {
      ::shutdown(listener_, SHUT_RDWR);
    }
    for (auto& t : threads_) {
      t.join();
    }
    if (listener_ >= 0) {
      ::close(listener_);
    }
  }
  bool start() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(port_);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 16) != 0) {
      return false;
    }
    threads_.emplace_back([this] { acceptLoop(); });
    return true;
  }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  void acceptLoop() {
    while (!stop_) {
      int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        return;
      }
      int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a = loopback(target_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      threads_.emplace_back([this, client, server] { pump(client, server); });
    }
  }
  void pump(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buf[16384];
    while (!stop_ && ::poll(fds, 2, 200) >= 0) {
      for (int i = 0; i < 2; ++i) {
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
          ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
          if (n <= 0 || ::write(fds[1 - i].fd, buf, static_cast<size_t>(n)) != n) {
            ::close(a);
            ::close(b);
            return;
          }
        }
      }
    }
    ::close(a);
    ::close(b);
  }

  int port_, target_;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

int portOf(const std::string& connection) {
  std::smatch m;
  std::regex_search(connection, m, std::regex("port=([0-9]+)"));
  return std::stoi(m[1]);
}

TEST(ServiceOps, ReadyOnlyOnceTheDatabaseIsUpAndStatusSaysWhatItWaitsFor) {
  test::DatabaseServer& pg = test::postgres();
  ASSERT_EQ(pg.error(), "");
  test::TempDir dir;
  std::string real = pg.newDatabase();
  int late = test::freePort();
  std::string connection =
      std::regex_replace(real, std::regex("port=[0-9]+"), "port=" + std::to_string(late)) +
      " connect_timeout=2";
  test::writeFile(dir / "patrond.yaml",
                  "district: {name: T, timezone: UTC}\n"
                  "database: {backend: postgresql, connection: \"" +
                      connection +
                      "\"}\n"
                      "logging: {level: info, system: false}\n"
                      "sites:\n  - {code: LHS, name: L, type: high}\n");
  FakeNotifySocket notify(dir / "notify.sock");
  ASSERT_TRUE(notify.bound());
  std::string log = dir / "service.log";
  test::Process p({PATROND_BIN, "run", "--config", dir / "patrond.yaml"}, log,
                  {{"NOTIFY_SOCKET", dir / "notify.sock"}});
  ASSERT_TRUE(test::eventually(
      [&] { return notify.has("STATUS=waiting for the database (postgresql, retry in 5s: "); },
      15s))
      << notify.all() << test::readFile(log);
  EXPECT_FALSE(notify.has("READY=1")) << notify.all();
  // systemd's start timeout is pushed past the next attempt (5 s + 30 s), so a long wait is
  // not killed as a failed start.
  EXPECT_TRUE(notify.has("EXTEND_TIMEOUT_USEC=35000000")) << notify.all();

  LateServer server(late, portOf(real));
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(test::eventually([&] { return notify.has("READY=1"); }, 20s))
      << notify.all() << test::readFile(log);
  EXPECT_TRUE(notify.has("STATUS=running: 0 import job(s), 0 notice(s)")) << notify.all();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_TRUE(notify.has("STOPPING=1")) << notify.all();
}

// Under systemd with no logging.file the records go to the journal; where journald is not
// running (CI, containers) they go to stderr and the service says why.
TEST(ServiceOps, UnderSystemdWithoutJournaldTheServiceLogsToStderrAndSaysSo) {
  test::TempDir dir;
  test::writeFile(dir / "patrond.yaml",
                  "district: {name: T, timezone: UTC}\n"
                  "database: {backend: sqlite3, connection: \"db=patrond.db\"}\n"
                  "logging: {level: info, system: false}\n"
                  "sites:\n  - {code: LHS, name: L, type: high}\n");
  FakeNotifySocket notify(dir / "notify.sock");
  ASSERT_TRUE(notify.bound());
  std::string log = dir / "service.log";
  test::Process p({PATROND_BIN, "run", "--config", dir / "patrond.yaml"}, log,
                  {{"NOTIFY_SOCKET", dir / "notify.sock"}});
  ASSERT_TRUE(test::eventually([&] { return notify.has("READY=1"); }, 15s))
      << notify.all() << test::readFile(log);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(10s), 0);
  std::string out = test::readFile(log);
  if (fs::exists("/run/systemd/journal/socket")) {
    EXPECT_EQ(out.find("running:"), std::string::npos) << "records went to stderr: " << out;
  } else {
    EXPECT_NE(out.find("journald is not reachable (no /run/systemd/journal/socket): logging to "
                       "stderr"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("running: 0 import job(s)"), std::string::npos) << out;
  }
}

// A command run as root against state another user owns (issue 14) runs as that user: the
// database, the password key and everything else it writes belong to the owner, not root.
class RootRun : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    std::string mapping = test::readFile(dir_ / "conf/students.mapping.yaml");
    mapping.replace(mapping.find("rules:\n"), 7,
                    "rules:\n  - set: {password: \"${district_id}-start\"}\n");
    test::writeFile(dir_ / "conf/students.mapping.yaml", mapping);
  }
  // Hands the whole tree to `uid` (the state folder is conf/, next to the SQLite file).
  void chownTree(uid_t uid, gid_t gid) {
    ASSERT_EQ(::chown(dir_.path().c_str(), uid, gid), 0);
    for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
      ASSERT_EQ(::lchown(e.path().c_str(), uid, gid), 0) << e.path();
    }
  }
  std::vector<std::string> ownedByRoot() {
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
      struct stat st {};
      if (::lstat(e.path().c_str(), &st) == 0 && st.st_uid == 0) {
        found.push_back(e.path().string());
      }
    }
    return found;
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }

  test::TempDir dir_;
  std::string config_;
};

TEST_F(RootRun, RootBecomesTheOwnerOfTheStateAndLeavesNothingRootOwned) {
  if (::geteuid() != 0) {
    // Not root: nothing to switch, and the command says nothing about it.
    auto r = patrond({"import", "students", "--as-of", "2026-10-15 02:00"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(r.err.find("running as"), std::string::npos) << r.err;
    return;
  }
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  chownTree(nobody->pw_uid, nobody->pw_gid);
  auto r = patrond({"import", "students", "--as-of", "2026-10-15 02:00"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("running as nobody, the owner of " + (dir_ / "conf")), std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "conf/patrond.key"));
  EXPECT_EQ(ownedByRoot(), std::vector<std::string>{});
  // check-config only reads; it checks as the owner too.
  auto check = patrond({"check-config"});
  EXPECT_EQ(check.exitCode, 0) << check.out << check.err;
  EXPECT_EQ(ownedByRoot(), std::vector<std::string>{});
}

TEST_F(RootRun, StateOfAUidWithNoUserIsRefusedNamingSudo) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (CI runs the suite as root)";
  }
  uid_t stranger = 54321;
  ASSERT_EQ(::getpwuid(stranger), nullptr);
  chownTree(stranger, stranger);
  auto r = patrond({"import", "students", "--as-of", "2026-10-15 02:00"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("belongs to #54321"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sudo -u #54321 patrond ..."), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "conf/patrond.key"));
  EXPECT_EQ(ownedByRoot(), std::vector<std::string>{});
}

// check-config run as root checks the secret files as the service's user: a root-only
// secret, which root itself reads fine, would fail the service's first delivery.
TEST_F(RootRun, CheckConfigAsRootChecksSecretsAsTheOwner) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (CI runs the suite as root)";
  }
  std::string cfg = test::readFile(config_);
  cfg +=
      "smtp:\n  host: mail.example.org\n  security: starttls\n  username: lib\n"
      "  password_file: smtp.secret\n  from: lib@example.org\n";
  test::writeFile(config_, cfg);
  const fs::path secret = dir_ / "conf/smtp.secret";
  test::writeFile(secret, "pw\n");
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  chownTree(nobody->pw_uid, nobody->pw_gid);
  ASSERT_EQ(::chown(secret.c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod(secret.c_str(), 0600), 0);
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(secret.string() + ": smtp.password_file cannot be read by user nobody"),
            std::string::npos)
      << r.err;
  ASSERT_EQ(::chown(secret.c_str(), 0, nobody->pw_gid), 0);
  ASSERT_EQ(::chmod(secret.c_str(), 0640), 0);
  auto ok = patrond({"check-config"});
  EXPECT_EQ(ok.exitCode, 0) << ok.out << ok.err;
}

// The database file must belong to the state folder's owner: one restored as root (or a
// symbolic link put there) would keep root writing root-owned files into the service's state.
TEST_F(RootRun, ADatabaseOfAnotherOwnerThanItsFolderIsRefused) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (CI runs the suite as root)";
  }
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  chownTree(nobody->pw_uid, nobody->pw_gid);
  const fs::path db = dir_ / "conf/patrond.db";
  ASSERT_EQ(::chown(db.c_str(), 0, 0), 0);
  auto r = patrond({"import", "students", "--as-of", "2026-10-15 02:00"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("the database " + db.string() + " belongs to root, but its folder"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("chown nobody: " + db.string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "conf/patrond.key"));
  // A symbolic link in its place is refused too, and nothing is written through it.
  const fs::path elsewhere = dir_ / "elsewhere.db";
  fs::rename(db, elsewhere);
  fs::create_symlink(elsewhere, db);
  ASSERT_EQ(::lchown(db.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
  r = patrond({"import", "students", "--as-of", "2026-10-15 02:00"});
  EXPECT_EQ(r.exitCode, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("is a symbolic link"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "conf/patrond.key"));
}

// Every printed time is RFC 3339 with the district's offset (SPEC section 11): runs, summary
// and the log file alike (the examples' district is in America/Chicago).
TEST(ServiceOps, RunsSummaryAndLogLinesShowTimesWithTheDistrictOffset) {
  test::TempDir dir;
  std::string config = test::copyExamples(dir);
  std::string text = test::readFile(config);
  text.replace(text.find("logging:\n"), 9, "logging:\n  file: " + (dir / "patrond.log") + "\n");
  test::writeFile(config, text);
  auto import =
      test::runPatrond(PATROND_BIN, config, {"import", "students", "--as-of", "2026-10-15 02:00"});
  ASSERT_EQ(import.exitCode, 0) << import.out << import.err;
  EXPECT_NE(import.out.find("started:     2026-10-15T02:00:00-05:00"), std::string::npos)
      << import.out;
  auto runs = test::runPatrond(PATROND_BIN, config, {"runs", "--json"});
  ASSERT_EQ(runs.exitCode, 0) << runs.err;
  auto list = nlohmann::json::parse(runs.out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["started_at"], "2026-10-15T02:00:00-05:00");
  EXPECT_TRUE(std::regex_match(list[0]["finished_at"].get<std::string>(),
                               std::regex(R"(2026-10-15T02:0\d:\d\d-05:00)")))
      << list[0]["finished_at"];
  auto line = test::runPatrond(PATROND_BIN, config, {"runs"});
  EXPECT_NE(line.out.find("  completed  2026-10-15T02:00:00-05:00  read "), std::string::npos)
      << line.out;
  // Log lines: the real time of writing, in Chicago (-05:00 or -06:00 by the season).
  std::string log = test::readFile(dir / "patrond.log");
  ASSERT_FALSE(log.empty());
  std::istringstream lines(log);
  for (std::string l; std::getline(lines, l);) {
    EXPECT_TRUE(std::regex_search(
        l, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[56]:00 (info|warning|error): )")))
        << l;
  }
}

}  // namespace
}  // namespace patrond
