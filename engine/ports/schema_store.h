#pragma once
// Port: the database's schema and the configured sites. Used by the daemon when it opens a
// database (daemon/app.cpp) and by `db` commands. One thread at a time, like every store port.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/result.h"

namespace patrond {

// What `patrond db status` reports (the SQL adapter's databaseStatus, reached through the
// daemon's wiring); opening nothing it would have to create.
struct DbStatus {
  std::string backend;       // "sqlite3", "postgresql", "mysql"
  std::string location;      // SQLite: the absolute file; servers: the connection, redacted
  bool exists = true;        // SQLite: whether the file is there (it is never created here)
  int schemaVersion = 0;     // 0: no schema yet
  int latestVersion = 0;     // what this patrond's migrations reach
  std::vector<int> pending;  // migrations not applied yet, in order
  std::optional<std::uint64_t> sizeBytes;  // the database's size on disk
};

class SchemaStore {
 public:
  virtual ~SchemaStore() = default;

  // Schema: creates or upgrades to the newest version; returns it.
  virtual Result<int> migrate() = 0;
  virtual Result<int> schemaVersion() = 0;
  static constexpr int kSchemaVersion = 6;

  virtual Result<void> syncSites(const std::vector<Site>& sites) = 0;
};

}  // namespace patrond
