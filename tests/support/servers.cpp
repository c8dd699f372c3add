#include "tests/support/servers.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <thread>

namespace patrond::test {

namespace {

std::string which(const std::string& name, const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) {
    std::string p = d + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) {
      return p;
    }
  }
  return {};
}

std::atomic<int> counter{0};

std::string hex(std::uint64_t v) {
  static const char* kDigits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) {
    s[i] = kDigits[v & 15];
  }
  return s;
}

// A copy at `to` of the data directory that `make(dir)` makes at `dir` (initdb,
// mariadb-install-db). Making one costs a server 1-2 s of CPU and a copy a tenth of that, so
// the first server makes it in the temp dir, under a name of the command line and the
// binary's size and time, and every later one (of any test process) copies it. It is made
// in a directory of its own and renamed into place: a test process beside never sees half
// of one. Returns an error message, "" when the copy is there.
std::string copyOfFreshDataDir(
    const std::string& binary,
    const std::function<std::vector<std::string>(const std::string&)>& make,
    const std::string& to) {
  namespace fs = std::filesystem;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  auto mix = [&h](const std::string& text) {
    for (unsigned char c : text + '\n') {
      h = (h ^ c) * 1099511628211ull;
    }
  };
  for (const auto& arg : make("DIR")) {
    mix(arg);
  }
  std::error_code ec;
  mix(std::to_string(fs::file_size(binary, ec)));
  mix(std::to_string(fs::last_write_time(binary, ec).time_since_epoch().count()));
  const fs::path kept = fs::temp_directory_path() / ("patrond-test-template-" + hex(h));
  if (!fs::exists(kept / "made")) {
    const fs::path fresh = kept.string() + "." + std::to_string(::getpid());
    fs::remove_all(fresh, ec);
    fs::create_directory(fresh);
    fs::permissions(fresh, fs::perms::all);  // initdb runs as postgres
    auto r = run(make((fresh / "data").string()));
    if (r.exitCode != 0) {
      fs::remove_all(fresh, ec);
      return r.err + r.out;
    }
    writeFile((fresh / "made").string(), "");
    fs::rename(fresh, kept, ec);  // fails when another process was first: its copy is as good
    if (ec) {
      fs::remove_all(fresh, ec);
    }
  }
  auto r = run({"cp", "-a", (kept / "data").string(), to});
  return r.exitCode == 0 ? "" : "cp -a failed: " + r.err;
}

class Postgres final : public DatabaseServer {
 public:
  Postgres() {
    std::string bin = "/usr/lib/postgresql/15/bin";
    if (which("postgres", {bin}).empty()) {
      error_ = "PostgreSQL 15 is not installed (run scripts/setup.sh --tests)";
      return;
    }
    port_ = freePort();
    data_ = dir_ / "pg";
    run({"install", "-d", "-o", "postgres", "-g", "postgres", data_});
    error_ = copyOfFreshDataDir(
        bin + "/postgres",
        [&](const std::string& dir) -> std::vector<std::string> {
          return {"runuser",  "-u", "postgres", "--",         bin + "/initdb",
                  "-D",       dir,  "-A",       "trust",      "-U",
                  "postgres", "-E", "UTF8",     "--locale=C", "--no-sync"};
        },
        data_ + "/data");
    if (!error_.empty()) {
      error_ = "initdb failed: " + error_;
      return;
    }
    auto r = run({"runuser", "-u", "postgres", "--", bin + "/pg_ctl", "-D", data_ + "/data", "-l",
                  data_ + "/log", "-w", "-o",
                  "-p " + std::to_string(port_) + " -k " + data_ +
                      " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
                  "start"});
    if (r.exitCode != 0) {
      error_ = "pg_ctl start failed: " + r.err + readFile(data_ + "/log");
      return;
    }
    started_ = true;
  }
  ~Postgres() override {
    if (started_) {
      run({"runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D",
           data_ + "/data", "-m", "immediate", "-w", "stop"});
    }
  }
  std::string newDatabase() override { return create(""); }
  std::string copyOfDatabase(const std::string& connection) override {
    auto at = connection.find(" dbname=");
    if (at == std::string::npos) {
      return {};
    }
    at += 8;
    return create(" TEMPLATE " + connection.substr(at, connection.find(' ', at) - at));
  }
  std::string password() const override { return {}; }
  std::string error() const override { return error_; }

 private:
  std::string create(const std::string& options) {
    if (!started_) {
      return {};
    }
    std::string name = "t" + std::to_string(++counter);
    run({"psql", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", "-q", "-c",
         "CREATE DATABASE " + name + options});
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + name + " user=postgres";
  }
  TempDir dir_;
  std::string data_, error_;
  int port_ = 0;
  bool started_ = false;
};

class MariaDb final : public DatabaseServer {
 public:
  MariaDb() {
    std::string server = which("mariadbd", {"/usr/sbin", "/usr/bin"});
    if (server.empty()) {
      error_ = "MariaDB is not installed (run scripts/setup.sh --tests)";
      return;
    }
    port_ = freePort();
    std::string data = dir_ / "data";
    sock_ = dir_ / "sock";
    error_ = copyOfFreshDataDir(
        server,
        [](const std::string& dir) -> std::vector<std::string> {
          return {"mariadb-install-db", "--no-defaults",
                  "--user=mysql",       "--datadir=" + dir,
                  "--skip-test-db",     "--auth-root-authentication-method=socket"};
        },
        data);
    if (!error_.empty()) {
      error_ = "mariadb-install-db failed: " + error_;
      return;
    }
    server_ = std::make_unique<Process>(
        std::vector<std::string>{
            server, "--no-defaults", "--user=mysql", "--datadir=" + data, "--socket=" + sock_,
            "--port=" + std::to_string(port_), "--bind-address=127.0.0.1", "--skip-log-bin",
            "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0"},
        dir_ / "log");
    bool up = eventually(
        [&] {
          return run({"mariadb-admin", "--no-defaults", "-S", sock_, "-u", "root", "ping"})
                     .exitCode == 0;
        },
        std::chrono::seconds(30));
    if (!up) {
      error_ = "mariadbd did not start: " + readFile(dir_ / "log");
      return;
    }
    std::string pw;
    for (char ch : password()) {
      pw += ch == '\'' ? std::string("''") : std::string(1, ch);
    }
    sql("CREATE USER 'patrond'@'127.0.0.1' IDENTIFIED BY '" + pw + "'");
    started_ = true;
  }
  ~MariaDb() override {
    if (server_) {
      server_->signal(SIGTERM);
      server_->wait(std::chrono::seconds(20));
    }
  }
  std::string newDatabase() override {
    if (!started_) {
      return {};
    }
    std::string name = "t" + std::to_string(++counter);
    sql("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    sql("GRANT ALL ON " + name + ".* TO 'patrond'@'127.0.0.1'");
    return "host=127.0.0.1 port=" + std::to_string(port_) + " db=" + name + " user=patrond";
  }
  std::string password() const override { return "s3cret 'pw"; }
  std::string error() const override { return error_; }

 private:
  void sql(const std::string& statement) {
    run({"mariadb", "--no-defaults", "-S", sock_, "-u", "root", "-e", statement});
  }
  TempDir dir_;
  std::string sock_, error_;
  int port_ = 0;
  bool started_ = false;
  std::unique_ptr<Process> server_;
};

}  // namespace

DatabaseServer& postgres() {
  static Postgres server;
  return server;
}

DatabaseServer& mariadb() {
  static MariaDb server;
  return server;
}

}  // namespace patrond::test
