#include "adapters/log/journal.h"

#include <cstdio>
#include <cstdlib>

#ifdef __linux__
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

// CODE_FILE/CODE_LINE would name this file for every record, not the caller.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>
#endif

namespace patrond::logging {

int syslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
    case LogLevel::kDebug:
      return 7;
    case LogLevel::kInfo:
      return 6;
    case LogLevel::kWarning:
      return 4;
    case LogLevel::kError:
      return 3;
  }
  return 6;
}

std::vector<std::string> journalFields(LogLevel level, std::string_view message,
                                       const LogContext& context, std::string_view ident) {
  std::vector<std::string> fields;
  fields.push_back("MESSAGE=" + std::string(message));
  fields.push_back("PRIORITY=" + std::to_string(syslogPriority(level)));
  fields.push_back("SYSLOG_IDENTIFIER=" + std::string(ident));
  if (!context.job.empty()) {
    fields.push_back("PATROND_JOB=" + context.job);
  }
  if (context.runId > 0) {
    fields.push_back("PATROND_RUN_ID=" + std::to_string(context.runId));
  }
  return fields;
}

bool journalReachable() {
#ifdef __linux__
  struct stat st {};
  return ::stat("/run/systemd/journal/socket", &st) == 0 && S_ISSOCK(st.st_mode);
#else
  return false;
#endif
}

bool stderrIsJournal() {
#ifndef __linux__
  return false;
#else
  const char* stream = std::getenv("JOURNAL_STREAM");
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  struct stat st {};
  return stream && std::sscanf(stream, "%llu:%llu", &dev, &ino) == 2 &&
         ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
#endif
}

bool sendToJournal(const std::vector<std::string>& fields) {
#ifdef __linux__
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (const auto& f : fields) {
    iov.push_back(iovec{const_cast<char*>(f.data()), f.size()});
  }
  return sd_journal_sendv(iov.data(), static_cast<int>(iov.size())) == 0;
#else
  (void)fields;
  return false;
#endif
}

}  // namespace patrond::logging
