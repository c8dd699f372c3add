#pragma once
// SQL adapter: the PatronStore port over SOCI (sqlite3, postgresql, mysql backends).

#include <memory>

#include "engine/config.h"
#include "engine/ports/patron_store.h"
#include "engine/ports/secrets.h"

namespace soci {
class session;
}

namespace patrond::sql {

// kCreate: an SQLite file that does not exist is created (db migrate, run, commands that
// write). kExisting: it is not; the open fails with code "DB_MISSING" (commands that read).
enum class OpenMode { kCreate, kExisting };

// Opens a connection (password read through `secrets`, never logged). Does not migrate.
Result<std::unique_ptr<PatronStore>> openStore(const DatabaseConfig& config, const Secrets& secrets,
                                               OpenMode mode = OpenMode::kCreate);
// The connection openStore uses, set up the same way (db status, db backup).
Result<std::unique_ptr<soci::session>> openSession(const DatabaseConfig& config,
                                                   const Secrets& secrets, OpenMode mode);
// The SQLite database file a connection string names ("db=FILE ..." or "FILE").
std::string sqliteFile(const std::string& connection);

}  // namespace patrond::sql
