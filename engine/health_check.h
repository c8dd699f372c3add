#pragma once
// Health and alerts as use cases over the small ports (SPEC section 11): what `patrond status`,
// the metrics' health and the alert check read from the database, and the alert check itself.
// The daemon wires them; the engine's unit tests run them on the memory store. One thread.

#include <map>
#include <string>
#include <vector>

#include "engine/alerts.h"
#include "engine/config.h"
#include "engine/health.h"
#include "engine/ports/alert_store.h"
#include "engine/ports/log.h"
#include "engine/ports/notice_output.h"
#include "engine/ports/outbox_store.h"
#include "engine/ports/run_log.h"
#include "engine/ports/time_zone.h"
#include "engine/result.h"

namespace patrond {

// The newest runs of a job that health looks at.
inline constexpr int kHealthRunsRead = 60;

// Reads the runs of every job (`job`: only that one) and, for the whole service, the outbox's
// state. A database that cannot be read is HealthInput::databaseProblem, not an error.
HealthInput collectHealth(RunLog& runs, OutboxStore& outbox, const Config& config,
                          const std::string& job, UtcTime now, const TimeZone& zone);

// What an alert check works with; the daemon wires them.
struct AlertCheckPorts {
  RunLog& runs;
  OutboxStore& outbox;
  AlertStore& alerts;
  MessageIds& ids;
};

// Judges every job and the outbox as `status` does, opens, repeats and clears incidents, and
// queues their e-mail in the outbox (under kAlertNotice; delivery sends it). `sources`: the
// sources the service cannot reach now (job -> error). Opened and repeated incidents are
// logged at error level, so the journal has them even when e-mail cannot go out. Nothing to
// do without monitoring.alerts. The messages are queued before the incidents are recorded: a
// failure in between sends a message twice rather than never.
Result<std::vector<AlertStep>> checkAlerts(AlertCheckPorts ports, const Config& config, UtcTime now,
                                           const TimeZone& zone,
                                           const std::map<std::string, std::string>& sources,
                                           Log& log);

}  // namespace patrond
