#include "windows-service/win_service.h"

#ifdef _WIN32
#include <windows.h>

#include <cstdio>
#include <mutex>
#include <vector>

namespace patrond::winsvc {
namespace {

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

std::wstring widen(const std::string& s) {
  if (s.empty()) {
    return {};
  }
  int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring w(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
  return w;
}

int lastError(const char* what) {
  std::fprintf(stderr, "patrond: %s failed (Windows error %lu)\n", what,
               static_cast<unsigned long>(GetLastError()));
  return 1;
}

}  // namespace

int install(const std::string& configPath) {
  std::vector<wchar_t> exe(MAX_PATH * 4);
  if (!GetModuleFileNameW(nullptr, exe.data(), static_cast<DWORD>(exe.size()))) {
    return lastError("GetModuleFileName");
  }
  std::wstring command =
      L"\"" + std::wstring(exe.data()) + L"\" run --config \"" + widen(configPath) + L"\"";
  SC_HANDLE scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE);
  if (!scm) {
    return lastError("OpenSCManager (run as Administrator)");
  }
  SC_HANDLE svc =
      CreateServiceW(scm, kName, kDisplay, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                     SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, command.c_str(), nullptr, nullptr,
                     nullptr, L"NT AUTHORITY\\LocalService", nullptr);
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
  std::printf("service 'patrond' installed; start it with: sc start patrond\n");
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
  if (rc == 0) {
    std::printf("service 'patrond' removed\n");
  }
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
bool runUnderScm(ServiceBody, int&) {
  return false;
}
}  // namespace patrond::winsvc

#endif
