#pragma once
// SQL adapter: the PatronStore port over SOCI (sqlite3, postgresql, mysql backends).

#include <memory>

#include "engine/config.h"
#include "engine/ports/patron_store.h"

namespace patrond::sql {

// Opens a connection (password read from its secret, never logged). Does not migrate.
Result<std::unique_ptr<PatronStore>> openStore(const DatabaseConfig& config);

}  // namespace patrond::sql
