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

// Judges every job and the outbox as `status` does, opens, repeats and clears incidents, and
// queues their e-mail in the outbox (under "_alerts"; delivery sends it). `sources`: the
// sources the service cannot reach now (job -> error). Opened and repeated incidents are
// logged at error level, so the journal has them even when e-mail cannot go out. Nothing to
// do without monitoring.alerts.
Result<std::vector<AlertStep>> checkAlerts(PatronStore& store, const Config& config, UtcTime now,
                                           const TimeZone& zone,
                                           const std::map<std::string, std::string>& sources,
                                           Log& log);

// `patrond alerts`: the newest incidents, open or cleared.
int cmdAlerts(App& app, int limit);
// `patrond alerts check`: one check now (--as-of), what it opened, repeated or cleared.
int cmdAlertsCheck(App& app);

}  // namespace patrond::daemon
