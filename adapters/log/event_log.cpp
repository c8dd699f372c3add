#include "adapters/log/event_log.h"

#include <windows.h>

#include "adapters/os/wide.h"

namespace patrond::logging {
namespace {

// The one message of patrond.exe's message table (windows-service/messages.mc).
constexpr DWORD kMessageId = 1;

}  // namespace

unsigned short eventLogType(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return EVENTLOG_ERROR_TYPE;
    case LogLevel::kWarning:
      return EVENTLOG_WARNING_TYPE;
    case LogLevel::kTrace:
    case LogLevel::kDebug:
    case LogLevel::kInfo:
      break;
  }
  return EVENTLOG_INFORMATION_TYPE;
}

EventLog::EventLog(const std::string& source)
    : handle_(::RegisterEventSourceW(nullptr, os::widen(source).c_str())) {}

EventLog::~EventLog() {
  if (handle_ != nullptr) {
    ::DeregisterEventSource(static_cast<HANDLE>(handle_));
  }
}

bool EventLog::report(LogLevel level, std::string_view message) {
  if (handle_ == nullptr) {
    return false;
  }
  std::wstring text = os::widen(message);
  const wchar_t* strings[] = {text.c_str()};
  return ::ReportEventW(static_cast<HANDLE>(handle_), eventLogType(level), 0, kMessageId, nullptr,
                        1, 0, strings, nullptr) != FALSE;
}

}  // namespace patrond::logging
