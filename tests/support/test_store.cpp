// The test store and sample patron of the contract suites, on every platform.
#include <gtest/gtest.h>

#ifndef _WIN32
#include <sys/stat.h>
#endif

#include <map>
#include <mutex>
#include <string_view>

#include "adapters/memory/memory_store.h"
#include "adapters/secrets/file_secrets.h"
#include "tests/support/servers.h"

namespace patrond::test {

namespace {

// The in-memory databases openTestStore made, by the name it gave each in `used`, for
// openAnotherStore. Kept while any store of theirs is open.
constexpr std::string_view kMemoryPrefix = "memory:";
std::mutex memoryMutex;
std::map<std::string, std::weak_ptr<memory::Database>> memoryDatabases;

std::unique_ptr<PatronStore> openMemoryStore(DatabaseConfig* used) {
  auto db = memory::newDatabase();
  std::lock_guard lock(memoryMutex);
  const std::string name = std::string(kMemoryPrefix) + std::to_string(memoryDatabases.size() + 1);
  memoryDatabases[name] = db;
  if (used) {
    *used = DatabaseConfig{};
    used->connection = name;
  }
  auto store = memory::openStore(db);
  if (auto v = store->migrate(); !v) {
    ADD_FAILURE() << v.error().describe();
    return nullptr;
  }
  return store;
}

// A migrated database of `server`, made once per process and then never connected to, for
// openTestStore to copy (PostgreSQL: a copy costs what an empty database does, and spares
// each test migrating its own). "" on the first call (a process that opens one store, as the
// integration tests do, migrates that one), and when migrating it failed.
std::string migratedDatabase(DatabaseServer& server, const DatabaseConfig& base) {
  struct Made {
    int calls = 0;
    std::string connection;
  };
  static std::mutex mutex;
  static std::map<DatabaseServer*, Made> made;
  std::lock_guard lock(mutex);
  Made& m = made[&server];
  if (++m.calls == 2) {
    DatabaseConfig c = base;
    c.connection = server.newDatabase();
    if (auto s = sql::openStore(c, secrets::FileSecrets{}); s && (*s)->migrate()) {
      m.connection = c.connection;
    }
  }
  return m.connection;
}

}  // namespace

Result<std::unique_ptr<PatronStore>> openAnotherStore(const DatabaseConfig& used) {
  if (used.connection.rfind(kMemoryPrefix, 0) == 0) {
    std::lock_guard lock(memoryMutex);
    auto it = memoryDatabases.find(used.connection);
    auto db = it == memoryDatabases.end() ? nullptr : it->second.lock();
    if (!db) {
      return Error{"DB", "no in-memory database " + used.connection, "memory"};
    }
    return memory::openStore(db);
  }
  return sql::openStore(used, secrets::FileSecrets{});
}

std::unique_ptr<PatronStore> openTestStore(const std::string& backend, const TempDir& dir,
                                           DatabaseConfig* used) {
  if (backend == "memory") {
    return openMemoryStore(used);
  }
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
    if (!server.password().empty()) {
      writeFile(dir / "db.secret", server.password() + "\n");
#ifndef _WIN32
      ::chmod((dir / "db.secret").c_str(), 0600);
#endif
      c.password.file = dir / "db.secret";
    }
    // PostgreSQL: the migrate below then finds the schema there, checks its version and
    // changes nothing.
    if (std::string migrated = backend == "postgresql" ? migratedDatabase(server, c) : "";
        !migrated.empty()) {
      c.connection = server.copyOfDatabase(migrated);
    }
    if (c.connection.empty()) {
      c.connection = server.newDatabase();
    }
  }
  if (used) {
    *used = c;
  }
  auto s = sql::openStore(c, secrets::FileSecrets{});
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
