#pragma once
// `patrond status [--job JOB] [--json]` (SPEC section 11): health for monitoring tools, with
// the monitoring-plugin exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and one status
// line with performance data.

#include <string>

#include "daemon/app.h"
#include "engine/health.h"

namespace patrond::daemon {

// The UNKNOWN answer (exit 3) in the status line or --json shape, for errors found before a
// check can run (the command line too).
int statusUnknown(bool asJson, const std::string& why);

// Loads the configuration itself: a configuration that cannot be loaded is UNKNOWN (3).
int cmdStatus(App& app, const std::string& job);

}  // namespace patrond::daemon
