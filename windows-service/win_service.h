#pragma once
// Windows: registers patrond with the service control manager and runs the daemon under it.
// SERVICE_CONTROL_STOP/SHUTDOWN post the same clean stop as SIGTERM on Linux.

#include <functional>
#include <string>

namespace patrond::winsvc {

// The daemon body: receives a function to register its stop callback, returns the exit code.
using StopRegistrar = std::function<void(std::function<void()>)>;
using ServiceBody = std::function<int(StopRegistrar)>;

// `patrond service install`: registers this executable as "patrond" (automatic start, its own
// virtual account NT SERVICE\patrond, restart on failure) to run `run --config PATH`, the
// Event Log source "patrond", and gives the account modify rights on the configuration's
// folder (%ProgramData%\patrond). Returns an exit code.
int install(const std::string& configPath);
// `patrond service setup --data DIR --starter DIR` (the MSI runs it as SYSTEM): creates the
// data folder with inbox\ and notices\, copies each starter file the folder does not have
// yet (never replacing the district's own), and gives NT SERVICE\patrond modify rights on
// it. Returns an exit code.
int setupDataFolder(const std::string& dataDir, const std::string& starterDir);
// `patrond service uninstall`: stops and removes the service. Returns an exit code.
int uninstall();
// `patrond service start` (the MSI runs it after an upgrade): starts the service and waits
// up to 30 s for it to report running. Returns an exit code.
int start();
// The SID of a service's virtual account "NT SERVICE\<name>": S-1-5-80- and the SHA-1 of
// the upper-cased name in UTF-16LE as five little-endian 32-bit numbers. "" if the hash fails.
std::string serviceSid(const std::string& serviceName);
// Gives NT SERVICE\patrond modify rights on `folder` (created if missing), inherited by what
// it holds, keeping the folder's other entries. False if Windows refuses.
bool grantFolder(const std::wstring& folder);
// When started by the SCM: runs `body` as the service and returns true with its exit code.
// When started from a console: returns false at once and the caller runs in the foreground.
bool runUnderScm(ServiceBody body, int& exitCode);

}  // namespace patrond::winsvc
