#include <windows.h>
// after windows.h
#include <lmcons.h>
#include <shlobj.h>

#include <cstdlib>
#include <string>

#include "adapters/os/process.h"
#include "adapters/os/wide.h"

namespace patrond::os {

std::string hostName() {
  wchar_t name[MAX_COMPUTERNAME_LENGTH + 1];
  DWORD size = MAX_COMPUTERNAME_LENGTH + 1;
  return ::GetComputerNameW(name, &size) ? narrow(name) : std::string();
}

long currentPid() {
  return static_cast<long>(::GetCurrentProcessId());
}

// Windows has no pid namespaces, and a process's creation time already tells a holder from a
// later process with its pid, across restarts too: a constant.
std::string bootToken() {
  return "windows.";
}

// The creation time in 100 ns units since 1601.
std::string processStartToken(long pid) {
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (h == nullptr) {
    return "";
  }
  FILETIME created{}, exited{}, kernel{}, user{};
  std::string token;
  if (::GetProcessTimes(h, &created, &exited, &kernel, &user)) {
    ULARGE_INTEGER t;
    t.LowPart = created.dwLowDateTime;
    t.HighPart = created.dwHighDateTime;
    token = std::to_string(t.QuadPart);
  }
  ::CloseHandle(h);
  return token;
}

bool processExists(long pid) {
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (h == nullptr) {
    // Access denied: it exists, and belongs to someone else.
    return ::GetLastError() == ERROR_ACCESS_DENIED;
  }
  DWORD code = 0;
  bool running = ::GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
  ::CloseHandle(h);
  return running;
}

std::string effectiveUserName() {
  wchar_t name[UNLEN + 1];
  DWORD size = UNLEN + 1;
  return ::GetUserNameW(name, &size) ? narrow(name) : std::string("unknown");
}

std::string loginName() {
  if (const char* u = std::getenv("USERNAME"); u != nullptr && *u != '\0') {
    return u;
  }
  return effectiveUserName();
}

bool isPrivileged() {
  return ::IsUserAnAdmin() != FALSE;
}

}  // namespace patrond::os
