#pragma once
// Real database servers on loopback for the contract and integration tests, started once per
// test process on first use in a temp dir and stopped at exit (../shared notes/servers.md).
// A server that cannot start fails the test: nothing is skipped.

#include <memory>
#include <string>

#include "tests/support/temp_dir.h"

namespace patrond::test {

class DatabaseServer {
 public:
  virtual ~DatabaseServer() = default;
  // A new empty database; returns a SOCI connection string for it (no password in it).
  virtual std::string newDatabase() = 0;
  // The password for that connection string ("" when none is needed).
  virtual std::string password() const = 0;
  virtual std::string error() const = 0;  // why it did not start, "" when it did
  // A new database that is a copy of the one `connection` (from newDatabase) names, which no
  // one may be connected to; its connection string. "" when this server cannot copy one.
  virtual std::string copyOfDatabase(const std::string& connection) {
    (void)connection;
    return {};
  }
};

DatabaseServer& postgres();
DatabaseServer& mariadb();

}  // namespace patrond::test

#include "adapters/sql/soci_store.h"

namespace patrond::test {

// A migrated store on "sqlite3" (a file in `dir`), "postgresql" or "mysql" (a new database on
// the test server, its password in a 0600 file in `dir`), or "memory" (a new in-memory
// database; `used` then names it for openAnotherStore, and means nothing to the SQL adapter).
// Fails the calling test on error.
std::unique_ptr<PatronStore> openTestStore(const std::string& backend, const TempDir& dir,
                                           DatabaseConfig* used = nullptr);

// Another connection to the database openTestStore opened (`used` is what it filled in):
// sql::openStore for the SQL databases, another store on the same data for "memory".
Result<std::unique_ptr<PatronStore>> openAnotherStore(const DatabaseConfig& used);

// An active student of job "students" at LHS in homeroom "Smith 104", first name Zoë.
Patron samplePatron(const std::string& districtId, const std::string& barcode,
                    const std::string& lastName);

}  // namespace patrond::test
