#include "windows-service/win_service.h"

#ifdef _WIN32
#include <windows.h>
// after windows.h
#include <aclapi.h>
#include <sddl.h>
#include <wincrypt.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/os/wide.h"

namespace patrond::winsvc {
namespace {

using os::widen;

constexpr wchar_t kName[] = L"patrond";
constexpr wchar_t kDisplay[] = L"patrond library patron service";

SERVICE_STATUS_HANDLE gStatusHandle = nullptr;
SERVICE_STATUS gStatus{};
ServiceBody gBody;
int gExitCode = 0;
std::mutex gStopMutex;
std::function<void()> gStop;

void report(DWORD state, DWORD exitCode = NO_ERROR, DWORD waitHintMs = 0) {
  static DWORD checkpoint = 1;
  gStatus.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  gStatus.dwCurrentState = state;
  gStatus.dwWin32ExitCode = exitCode == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  gStatus.dwServiceSpecificExitCode = exitCode;
  gStatus.dwWaitHint = waitHintMs;
  gStatus.dwControlsAccepted =
      state == SERVICE_START_PENDING ? 0 : SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN;
  gStatus.dwCheckPoint = (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : checkpoint++;
  SetServiceStatus(gStatusHandle, &gStatus);
}

DWORD WINAPI control(DWORD code, DWORD, LPVOID, LPVOID) {
  switch (code) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN: {
      report(SERVICE_STOP_PENDING, 0, 15000);
      std::lock_guard<std::mutex> lock(gStopMutex);
      if (gStop) {
        gStop();
      }
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI serviceMain(DWORD, LPWSTR*) {
  gStatusHandle = RegisterServiceCtrlHandlerExW(kName, control, nullptr);
  if (!gStatusHandle) {
    return;
  }
  report(SERVICE_START_PENDING, 0, 30000);
  bool reportedRunning = false;
  gExitCode = gBody([&](std::function<void()> stop) {
    std::lock_guard<std::mutex> lock(gStopMutex);
    gStop = std::move(stop);
    report(SERVICE_RUNNING);
    reportedRunning = true;
  });
  (void)reportedRunning;
  report(SERVICE_STOPPED, static_cast<DWORD>(gExitCode));
}

int lastError(const char* what) {
  DWORD code = GetLastError();
  const char* meaning = code == ERROR_SERVICE_EXISTS
                            ? ": the service 'patrond' is installed already ('patrond service "
                              "uninstall' first)"
                        : code == ERROR_SERVICE_DOES_NOT_EXIST
                            ? ": the service 'patrond' is not installed"
                        : code == ERROR_ACCESS_DENIED ? ": access denied (run as Administrator)"
                                                      : "";
  std::fprintf(stderr, "patrond: %s failed (Windows error %lu)%s\n", what,
               static_cast<unsigned long>(code), meaning);
  return 1;
}

constexpr wchar_t kAccount[] = L"NT SERVICE\\patrond";
constexpr wchar_t kEventSourceKey[] =
    L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\patrond";

// The Application log source "patrond", its messages in patrond.exe (messages.mc).
bool registerEventSource(const std::wstring& exe) {
  HKEY key = nullptr;
  if (RegCreateKeyExW(HKEY_LOCAL_MACHINE, kEventSourceKey, 0, nullptr, 0, KEY_SET_VALUE, nullptr,
                      &key, nullptr) != ERROR_SUCCESS) {
    return false;
  }
  DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  bool ok =
      RegSetValueExW(key, L"EventMessageFile", 0, REG_EXPAND_SZ,
                     reinterpret_cast<const BYTE*>(exe.c_str()),
                     static_cast<DWORD>((exe.size() + 1) * sizeof(wchar_t))) == ERROR_SUCCESS &&
      RegSetValueExW(key, L"TypesSupported", 0, REG_DWORD, reinterpret_cast<const BYTE*>(&types),
                     sizeof types) == ERROR_SUCCESS;
  RegCloseKey(key);
  return ok;
}

}  // namespace

std::string serviceSid(const std::string& serviceName) {
  std::wstring upper = widen(serviceName);
  CharUpperBuffW(upper.data(), static_cast<DWORD>(upper.size()));
  HCRYPTPROV prov = 0;
  HCRYPTHASH hash = 0;
  BYTE digest[20];
  DWORD len = sizeof digest;
  bool ok = CryptAcquireContextW(&prov, nullptr, nullptr, PROV_RSA_FULL, CRYPT_VERIFYCONTEXT) &&
            CryptCreateHash(prov, CALG_SHA1, 0, 0, &hash) &&
            CryptHashData(hash, reinterpret_cast<const BYTE*>(upper.data()),
                          static_cast<DWORD>(upper.size() * sizeof(wchar_t)), 0) &&
            CryptGetHashParam(hash, HP_HASHVAL, digest, &len, 0) && len == sizeof digest;
  if (hash) {
    CryptDestroyHash(hash);
  }
  if (prov) {
    CryptReleaseContext(prov, 0);
  }
  if (!ok) {
    return "";
  }
  std::string sid = "S-1-5-80";
  for (int i = 0; i < 5; ++i) {
    unsigned long part = static_cast<unsigned long>(digest[4 * i]) |
                         static_cast<unsigned long>(digest[4 * i + 1]) << 8 |
                         static_cast<unsigned long>(digest[4 * i + 2]) << 16 |
                         static_cast<unsigned long>(digest[4 * i + 3]) << 24;
    sid += "-" + std::to_string(part);
  }
  return sid;
}

// Gives the service's own account modify rights on its folder (config, database, logs),
// inherited by what it holds. The folder keeps its other entries (Administrators, SYSTEM).
// By SID, computed: looking up "NT SERVICE\patrond" by name needs the service registered
// first and an LSA that knows virtual accounts (Wine's does not).
bool grantFolder(const std::wstring& folder) {
  PSID sid = nullptr;
  if (!ConvertStringSidToSidW(widen(serviceSid("patrond")).c_str(), &sid)) {
    return false;
  }
  CreateDirectoryW(folder.c_str(), nullptr);
  PACL old = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (GetNamedSecurityInfoW(folder.c_str(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                            nullptr, &old, nullptr, &sd) != ERROR_SUCCESS) {
    LocalFree(sid);
    return false;
  }
  EXPLICIT_ACCESSW ea{};
  ea.grfAccessPermissions = FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE | DELETE;
  ea.grfAccessMode = GRANT_ACCESS;
  ea.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
  ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
  ea.Trustee.TrusteeType = TRUSTEE_IS_WELL_KNOWN_GROUP;
  ea.Trustee.ptstrName = static_cast<LPWSTR>(sid);
  PACL acl = nullptr;
  bool ok = SetEntriesInAclW(1, &ea, old, &acl) == ERROR_SUCCESS &&
            SetNamedSecurityInfoW(const_cast<wchar_t*>(folder.c_str()), SE_FILE_OBJECT,
                                  DACL_SECURITY_INFORMATION, nullptr, nullptr, acl,
                                  nullptr) == ERROR_SUCCESS;
  LocalFree(acl);
  LocalFree(sd);
  LocalFree(sid);
  return ok;
}

int install(const std::string& configArg) {
  // The service starts in System32: its command line names the configuration absolutely.
  std::error_code ec;
  std::filesystem::path config = std::filesystem::absolute(widen(configArg), ec);
  if (ec || !std::filesystem::is_regular_file(config, ec)) {
    std::fprintf(stderr,
                 "patrond: the configuration %s does not exist; write it first (the installer's "
                 "starter is in %%ProgramFiles%%\\patrond\\conf) or name another with "
                 "--config\n",
                 os::narrow(config.wstring()).c_str());
    return 2;
  }
  std::vector<wchar_t> exe(MAX_PATH * 4);
  if (!GetModuleFileNameW(nullptr, exe.data(), static_cast<DWORD>(exe.size()))) {
    return lastError("GetModuleFileName");
  }
  std::wstring command =
      L"\"" + std::wstring(exe.data()) + L"\" run --config \"" + config.wstring() + L"\"";
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE);
  if (!scm) {
    return lastError("OpenSCManager (run as Administrator)");
  }
  SC_HANDLE svc = CreateServiceW(
      scm, kName, kDisplay, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
      SERVICE_ERROR_NORMAL, command.c_str(), nullptr, nullptr, nullptr, kAccount, nullptr);
  if (!svc) {
    int rc = lastError("CreateService");
    CloseServiceHandle(scm);
    return rc;
  }
  SERVICE_DESCRIPTIONW desc{
      const_cast<wchar_t*>(L"Keeps library patrons in step with the SIS, enforces textbook loan "
                           L"policies and sends overdue notices.")};
  ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc);
  SC_ACTION actions[3] = {
      {SC_ACTION_RESTART, 10000}, {SC_ACTION_RESTART, 60000}, {SC_ACTION_NONE, 0}};
  SERVICE_FAILURE_ACTIONSW failure{86400, nullptr, nullptr, 3, actions};
  ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &failure);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  if (!registerEventSource(exe.data())) {
    std::fprintf(stderr,
                 "patrond: warning: the Event Log source 'patrond' was not registered "
                 "(records show without their text in the Event Viewer)\n");
  }
  if (!grantFolder(config.parent_path().wstring())) {
    std::fprintf(stderr,
                 "patrond: warning: could not give NT SERVICE\\patrond modify rights on the "
                 "configuration folder; grant them in its Security tab\n");
  }
  std::printf(
      "service 'patrond' installed (account NT SERVICE\\patrond); start it with: "
      "net start patrond\n");
  return 0;
}

// An installer may register the service's command line unquoted (C:\Program Files\... run
// ...): the service manager would then try C:\Program.exe first. Quotes the program's path.
void quoteServicePath() {
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (!scm) {
    return;
  }
  SC_HANDLE svc = OpenServiceW(scm, kName, SERVICE_QUERY_CONFIG | SERVICE_CHANGE_CONFIG);
  if (svc) {
    DWORD need = 0;
    QueryServiceConfigW(svc, nullptr, 0, &need);
    std::vector<unsigned char> buf(need);
    auto* cfg = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buf.data());
    if (need > 0 && QueryServiceConfigW(svc, cfg, need, &need) && cfg->lpBinaryPathName) {
      std::wstring path = cfg->lpBinaryPathName;
      auto exe = path.find(L".exe");
      if (!path.empty() && path[0] != L'"' && exe != std::wstring::npos) {
        path = L"\"" + path.substr(0, exe + 4) + L"\"" + path.substr(exe + 4);
        ChangeServiceConfigW(svc, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE,
                             path.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
      }
    }
    CloseServiceHandle(svc);
  }
  CloseServiceHandle(scm);
}

int setupDataFolder(const std::string& dataDir, const std::string& starterDir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path data = fs::path(widen(dataDir));
  for (const char* sub : {"inbox", "notices"}) {
    fs::create_directories(data / sub, ec);
    if (ec) {
      std::fprintf(stderr, "patrond: cannot create %s: %s\n", (data / sub).string().c_str(),
                   ec.message().c_str());
      return 1;
    }
  }
  int copied = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(widen(starterDir)), ec)) {
    fs::path target = data / entry.path().filename();
    if (entry.is_regular_file(ec) && !fs::exists(target, ec)) {
      fs::copy_file(entry.path(), target, ec);
      if (ec) {
        std::fprintf(stderr, "patrond: cannot copy %s: %s\n", target.string().c_str(),
                     ec.message().c_str());
        return 1;
      }
      ++copied;
    }
  }
  if (ec) {
    std::fprintf(stderr, "patrond: cannot read %s: %s\n", starterDir.c_str(), ec.message().c_str());
    return 1;
  }
  if (!grantFolder(data.wstring())) {
    std::fprintf(stderr,
                 "patrond: warning: could not give NT SERVICE\\patrond modify rights on %s; "
                 "grant them in its Security tab\n",
                 dataDir.c_str());
  }
  quoteServicePath();
  std::printf("%s ready (%d starter file(s) copied)\n", dataDir.c_str(), copied);
  return 0;
}

int uninstall() {
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (!scm) {
    return lastError("OpenSCManager (run as Administrator)");
  }
  SC_HANDLE svc = OpenServiceW(scm, kName, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
  if (!svc) {
    int rc = lastError("OpenService");
    CloseServiceHandle(scm);
    return rc;
  }
  SERVICE_STATUS status{};
  ControlService(svc, SERVICE_CONTROL_STOP, &status);
  int rc = DeleteService(svc) ? 0 : lastError("DeleteService");
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  RegDeleteKeyW(HKEY_LOCAL_MACHINE, kEventSourceKey);
  if (rc == 0) {
    std::printf("service 'patrond' removed\n");
  }
  return rc;
}

int start() {
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
  if (!scm) {
    return lastError("OpenSCManager (run as Administrator)");
  }
  SC_HANDLE svc = OpenServiceW(scm, kName, SERVICE_START | SERVICE_QUERY_STATUS);
  if (!svc) {
    int rc = lastError("OpenService");
    CloseServiceHandle(scm);
    return rc;
  }
  int rc = 0;
  if (!StartServiceW(svc, 0, nullptr) && GetLastError() != ERROR_SERVICE_ALREADY_RUNNING) {
    rc = lastError("StartService");
  }
  // The service reports RUNNING once its configuration is loaded and the database is open;
  // one that stops instead says why in the Event Log.
  SERVICE_STATUS status{};
  for (int i = 0; rc == 0 && i < 60; ++i) {
    if (!QueryServiceStatus(svc, &status)) {
      rc = lastError("QueryServiceStatus");
    } else if (status.dwCurrentState == SERVICE_RUNNING) {
      std::printf("service 'patrond' is running\n");
      break;
    } else if (status.dwCurrentState == SERVICE_STOPPED) {
      std::fprintf(stderr,
                   "patrond: the service stopped as it started (exit code %lu); the Event Log "
                   "(Application, source patrond) says why\n",
                   static_cast<unsigned long>(status.dwServiceSpecificExitCode));
      rc = 1;
    } else {
      Sleep(500);
    }
  }
  if (rc == 0 && status.dwCurrentState != SERVICE_RUNNING) {
    std::fprintf(stderr, "patrond: the service did not report running within 30 s\n");
    rc = 1;
  }
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

bool runUnderScm(ServiceBody body, int& exitCode) {
  gBody = std::move(body);
  SERVICE_TABLE_ENTRYW table[] = {{const_cast<wchar_t*>(kName), serviceMain}, {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return false;  // started from a console
    }
    exitCode = lastError("StartServiceCtrlDispatcher");
    return true;
  }
  exitCode = gExitCode;
  return true;
}

}  // namespace patrond::winsvc

#else

namespace patrond::winsvc {
int install(const std::string&) {
  return 2;
}
int uninstall() {
  return 2;
}
int setupDataFolder(const std::string&, const std::string&) {
  return 2;
}
int start() {
  return 2;
}
bool grantFolder(const std::wstring&) {
  return false;
}
std::string serviceSid(const std::string&) {
  return "";
}
bool runUnderScm(ServiceBody, int&) {
  return false;
}
}  // namespace patrond::winsvc

#endif
