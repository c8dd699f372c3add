#pragma once
// Database maintenance outside the PatronStore port: what `patrond db status` reports and
// `patrond db backup` copies. Opens its own connection the way the store does.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/ports/schema_store.h"
#include "engine/ports/secrets.h"
#include "engine/result.h"

namespace patrond::sql {

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
