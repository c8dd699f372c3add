#pragma once
// The operating system's view of processes and users: what lease holders are made of
// (docs/operations.md, "Leases") and who runs a command. POSIX in process_posix.cpp,
// Windows in process_win.cpp; nothing else in the tree asks the system these questions.

#include <string>

namespace patrond::os {

// This machine's name, as leases and alerts show it.
std::string hostName();

// This process's id.
long currentPid();

// What tells this boot (and, on Linux, this pid namespace) from another: "" parts when the
// system cannot say. A lease holder written in another boot is dead; in another pid
// namespace on the same host name it is elsewhere.
std::string bootToken();

// When the process `pid` started, as an opaque token ("" when the system cannot say): tells
// the holder from a later process that got its pid.
std::string processStartToken(long pid);

// Whether a process with this id exists (one of another user too).
bool processExists(long pid);

// The name of the user this process runs as ("uid N" when it has none).
std::string effectiveUserName();

// Who is at the keyboard: the login name, through sudo too (the librarian's audit name).
std::string loginName();

// Whether this process runs with the system's highest rights (root; an elevated
// administrator on Windows).
bool isPrivileged();

}  // namespace patrond::os
