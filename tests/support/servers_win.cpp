// Under Wine (tests/windows/run_tests.sh): no servers are started here. PostgreSQL is the
// loopback server the Linux side started for the run, named by PATROND_TEST_PG_PORT; each
// test gets a new database on it. MariaDB is not offered on Windows test runs.
#include <process.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "tests/support/servers.h"

namespace patrond::test {
namespace {

std::atomic<int> counter{0};

class LoopbackPostgres final : public DatabaseServer {
 public:
  LoopbackPostgres() {
    const char* port = std::getenv("PATROND_TEST_PG_PORT");
    if (port == nullptr || *port == '\0') {
      error_ = "PATROND_TEST_PG_PORT is not set (tests/windows/run_tests.sh starts PostgreSQL)";
      return;
    }
    base_ = "host=127.0.0.1 port=" + std::string(port) + " user=postgres";
    try {
      soci::session s(soci::postgresql, base_ + " dbname=postgres");
    } catch (const std::exception& e) {
      error_ = std::string("cannot reach PostgreSQL: ") + e.what();
    }
  }
  std::string newDatabase() override {
    if (!error_.empty()) {
      return {};
    }
    // A name of this process's own: Wine runs may share the server with Linux runs.
    std::string name = "w" + std::to_string(::_getpid()) + "_" + std::to_string(++counter);
    soci::session s(soci::postgresql, base_ + " dbname=postgres");
    s << "CREATE DATABASE " + name;
    return base_ + " dbname=" + name;
  }
  std::string password() const override { return {}; }
  std::string error() const override { return error_; }

 private:
  std::string base_, error_;
};

class NoMariaDb final : public DatabaseServer {
 public:
  std::string newDatabase() override { return {}; }
  std::string password() const override { return {}; }
  std::string error() const override { return "MariaDB is not part of the Windows test run"; }
};

}  // namespace

DatabaseServer& postgres() {
  static LoopbackPostgres server;
  return server;
}

DatabaseServer& mariadb() {
  static NoMariaDb server;
  return server;
}

}  // namespace patrond::test
