// The test store and sample patron of the contract suites, on every platform.
#include <gtest/gtest.h>

#ifndef _WIN32
#include <sys/stat.h>
#endif

#include "tests/support/servers.h"

namespace patrond::test {

std::unique_ptr<PatronStore> openTestStore(const std::string& backend, const TempDir& dir,
                                           DatabaseConfig* used) {
  DatabaseConfig c;
  if (backend == "sqlite3") {
    c.connection = "db=" + dir / "patrond.db";
  } else {
    DatabaseServer& server = backend == "postgresql" ? postgres() : mariadb();
    if (!server.error().empty()) {
      ADD_FAILURE() << backend << " server did not start: " << server.error();
      return nullptr;
    }
    c.backend = backend == "postgresql" ? DbBackend::kPostgresql : DbBackend::kMysql;
    c.connection = server.newDatabase();
    if (!server.password().empty()) {
      writeFile(dir / "db.secret", server.password() + "\n");
#ifndef _WIN32
      ::chmod((dir / "db.secret").c_str(), 0600);
#endif
      c.password.file = dir / "db.secret";
    }
  }
  if (used) {
    *used = c;
  }
  auto s = sql::openStore(c);
  if (!s) {
    ADD_FAILURE() << s.error().describe();
    return nullptr;
  }
  if (auto v = (*s)->migrate(); !v) {
    ADD_FAILURE() << v.error().describe();
    return nullptr;
  }
  return std::move(*s);
}

Patron samplePatron(const std::string& districtId, const std::string& barcode,
                    const std::string& lastName) {
  Patron p;
  p.get(PatronField::kDistrictId) = districtId;
  p.get(PatronField::kBarcode) = barcode;
  p.get(PatronField::kLastName) = lastName;
  p.get(PatronField::kFirstName) = "Zoë";
  p.get(PatronField::kSite) = "LHS";
  p.get(PatronField::kHomeroom) = "Smith 104";
  p.ownerJob = "students";
  p.lastSeenAt = "2026-10-15T02:00:00";
  p.contentHash = "h-" + districtId;
  p.createdAt = p.updatedAt = "2026-10-15T02:00:00";
  return p;
}

}  // namespace patrond::test
