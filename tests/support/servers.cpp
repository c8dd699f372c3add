#include "tests/support/servers.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
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
    auto r = run({"runuser", "-u", "postgres", "--", bin + "/initdb", "-D", data_ + "/data", "-A",
                  "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"});
    if (r.exitCode != 0) {
      error_ = "initdb failed: " + r.err;
      return;
    }
    r = run({"runuser", "-u", "postgres", "--", bin + "/pg_ctl", "-D", data_ + "/data", "-l",
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
  std::string newDatabase() override {
    if (!started_) {
      return {};
    }
    std::string name = "t" + std::to_string(++counter);
    run({"psql", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", "-q", "-c",
         "CREATE DATABASE " + name});
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + name + " user=postgres";
  }
  std::string password() const override { return {}; }
  std::string error() const override { return error_; }

 private:
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
    auto r = run({"mariadb-install-db", "--no-defaults", "--user=mysql", "--datadir=" + data,
                  "--skip-test-db", "--auth-root-authentication-method=socket"});
    if (r.exitCode != 0) {
      error_ = "mariadb-install-db failed: " + r.err;
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
