#pragma once
// Port: the service log. The log adapter writes to console, a rotated file, the journal or the
// system log. Callers never pass secrets; messages are single lines. Any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/config.h"

namespace patrond {

class Log {
 public:
  virtual ~Log() = default;
  virtual void write(LogLevel level, std::string_view message) = 0;
  void info(std::string_view m) { write(LogLevel::kInfo, m); }
  void warning(std::string_view m) { write(LogLevel::kWarning, m); }
  void error(std::string_view m) { write(LogLevel::kError, m); }
  void debug(std::string_view m) { write(LogLevel::kDebug, m); }
};

// What the records of this thread are about: the job it runs and, once known, the run's id
// (0: none yet). The journal carries them as PATROND_JOB and PATROND_RUN_ID.
struct LogContext {
  std::string job;
  std::int64_t runId = 0;
};

namespace detail {
// One per thread, defined in engine/log_context.cpp (not an inline thread_local: mingw-w64's
// linker sees one TLS init function per translation unit and refuses the duplicates).
LogContext& logContext();
}  // namespace detail

// The calling thread's context (empty outside a job).
inline const LogContext& currentLogContext() {
  return detail::logContext();
}
// Records the run id once the run has one; kept until the enclosing LogScope ends.
inline void setLogRunId(std::int64_t runId) {
  detail::logContext().runId = runId;
}

// Sets the calling thread's context for the lifetime of the scope, then restores the one
// before. The service opens one around each job it runs on its worker.
class LogScope {
 public:
  explicit LogScope(std::string job) : saved_(detail::logContext()) {
    detail::logContext() = LogContext{std::move(job), 0};
  }
  ~LogScope() { detail::logContext() = std::move(saved_); }
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  LogContext saved_;
};

}  // namespace patrond
