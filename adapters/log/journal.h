#pragma once
// The systemd journal as a log destination (SPEC section 11): structured records with the
// fields an administrator filters on (`journalctl -u patrond PATROND_JOB=students`).

#include <string>
#include <string_view>
#include <vector>

#include "engine/ports/log.h"

namespace patrond::logging {

// One record's journal fields, "FIELD=value" each: MESSAGE, PRIORITY (the syslog level),
// SYSLOG_IDENTIFIER, and PATROND_JOB / PATROND_RUN_ID when the context has them. Pure.
std::vector<std::string> journalFields(LogLevel level, std::string_view message,
                                       const LogContext& context, std::string_view ident);

// The syslog priority (0..7) of a level: error 3, warning 4, info 6, debug and trace 7.
int syslogPriority(LogLevel level);

// Whether journald is there to take records (its socket exists). False off Linux.
bool journalReachable();

// Whether this process's stderr is a journal stream (systemd sets JOURNAL_STREAM to the
// device and inode of the stream it connected; a child that inherits the variable but not
// the stream does not match).
bool stderrIsJournal();

// Sends one record; false when journald did not take it.
bool sendToJournal(const std::vector<std::string>& fields);

}  // namespace patrond::logging
