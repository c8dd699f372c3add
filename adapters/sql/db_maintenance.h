#pragma once
// Database maintenance outside the PatronStore port: what `patrond db status` reports and
// `patrond db backup` copies. Opens its own connection the way the store does.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/ports/secrets.h"
#include "engine/result.h"

namespace patrond::sql {

struct DbStatus {
  std::string backend;       // "sqlite3", "postgresql", "mysql"
  std::string location;      // SQLite: the absolute file; servers: the connection, redacted
  bool exists = true;        // SQLite: whether the file is there (it is never created here)
  int schemaVersion = 0;     // 0: no schema yet
  int latestVersion = 0;     // what this patrond's migrations reach
  std::vector<int> pending;  // migrations not applied yet, in order
  std::optional<std::uint64_t> sizeBytes;  // the database's size on disk
};

// The newest schema version this build knows.
int latestSchemaVersion(DbBackend backend);
// Never creates nor migrates: a missing SQLite file gives exists = false.
Result<DbStatus> databaseStatus(const DatabaseConfig& config, const Secrets& secrets);
// A consistent copy of a SQLite database, taken with the online backup API while other
// connections read and write it. `target` must not exist; it is written as TARGET.part and
// renamed when complete. Other backends: an Error naming their dump tool.
Result<void> backupSqlite(const DatabaseConfig& config, const Secrets& secrets,
                          const std::string& target);

}  // namespace patrond::sql
