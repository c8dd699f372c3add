#pragma once
// Commands run as root against the service's state (issue 14): they become the state's owner
// before anything is opened, so that no root-owned database, key, archive copy or printed
// notice is left for the service to trip over. Main thread, at start, once.

#include <string>

#include "engine/config.h"

namespace patrond::daemon {

// When the effective user is root and the state folder belongs to another user: switches groups and
// user to that owner (initgroups, setgid, setuid) and says so on stderr. Returns kExitOk, or
// kExitUsage with a message that names `sudo -u OWNER patrond ...` when the switch is impossible
// (an owner with no user entry, a failed setuid, an SQLite file in that folder that is a symbolic
// link or belongs to someone else). Not root, or a root-owned state folder: nothing happens.
int runAsStateOwner(const Config& config);

// The state folder, whose owner the state belongs to ("" when it does not exist yet).
std::string stateOwnerPath(const Config& config);

}  // namespace patrond::daemon
