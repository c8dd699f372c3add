#pragma once
// `patrond db status` and `patrond db backup PATH` (SPEC section 11).

#include <string>

#include "daemon/app.h"

namespace patrond::daemon {

// Backend, schema version, pending migrations, size. Never creates nor migrates: exit 2 when
// the SQLite file is missing or migrations are pending (after printing what it found).
int cmdDbStatus(App& app);
// A consistent copy of the SQLite database while the service runs; other backends: exit 2
// naming their dump tool.
int cmdDbBackup(App& app, const std::string& target);

}  // namespace patrond::daemon
