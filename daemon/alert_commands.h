#pragma once
// Administrator alerts (SPEC section 11, monitoring.alerts): the check the service runs every
// minute, and `patrond alerts [check]`.

#include <map>
#include <string>
#include <vector>

#include "daemon/app.h"
#include "engine/alerts.h"
#include "engine/ports/log.h"

namespace patrond::daemon {

// The alert check (engine/health_check.h) wired to the store's ports, with Message-IDs from
// the sender's domain: what the service runs every minute and `patrond alerts check` once.
Result<std::vector<AlertStep>> checkAlerts(PatronStore& store, const Config& config, UtcTime now,
                                           const TimeZone& zone,
                                           const std::map<std::string, std::string>& sources,
                                           Log& log);

// `patrond alerts`: the newest incidents, open or cleared.
int cmdAlerts(App& app, int limit);
// `patrond alerts check`: one check now (--as-of), what it opened, repeated or cleared.
int cmdAlertsCheck(App& app);

}  // namespace patrond::daemon
