#pragma once
// The Windows Event Log as a log destination (SPEC section 11, "the journal or the Event
// Log"): records go to the Application log under the source "patrond" (the installer
// registers it, with patrond.exe's message table: event ID 1, text "%1"), typed by level:
// error -> Error, warning -> Warning, the rest -> Information. Windows only.

#include <string>
#include <string_view>

#include "engine/ports/log.h"

namespace patrond::logging {

class EventLog {
 public:
  explicit EventLog(const std::string& source);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // False when the Event Log did not take the record.
  bool report(LogLevel level, std::string_view message);

 private:
  void* handle_ = nullptr;  // HANDLE of RegisterEventSourceW
};

// The Event Log type of a level: EVENTLOG_ERROR_TYPE, EVENTLOG_WARNING_TYPE or
// EVENTLOG_INFORMATION_TYPE.
unsigned short eventLogType(LogLevel level);

}  // namespace patrond::logging
