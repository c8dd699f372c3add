#pragma once
// Administrator alerts (SPEC section 11, monitoring.alerts): one e-mail when an incident
// opens, again every `repeat_after` while it lasts, and one when it clears. An incident is a
// condition (kind + subject: "run_failed" of job "students") seen by a check; it clears when
// a check no longer sees it. Pure; any thread.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/health.h"
#include "engine/ports/outbox_store.h"
#include "engine/ports/time_zone.h"

namespace patrond {

struct AlertCondition {
  AlertKind kind = AlertKind::kRunFailed;
  std::string subject;  // the job; "outbox" for delivery_failed
  std::string text;     // what is wrong now
};

struct AlertIncident {
  std::int64_t id = 0;
  AlertKind kind = AlertKind::kRunFailed;
  std::string subject;
  std::string openedAt, lastSentAt, clearedAt;  // UTC, "YYYY-MM-DDTHH:MM:SSZ"
  std::string text;
};

enum class AlertStepKind { kOpen, kRepeat, kClear };
std::string_view alertStepName(AlertStepKind k);  // opened, repeated, cleared

struct AlertStep {
  AlertStepKind step = AlertStepKind::kOpen;
  AlertIncident incident;  // as it is after the step
};

// What a check at `now` must do: open the conditions that have no open incident, repeat the
// open ones last sent `repeat_after` ago or more, clear the open ones no condition matches.
// Kinds the configuration does not want are neither opened nor repeated (and clear).
std::vector<AlertStep> planAlerts(const std::vector<AlertCondition>& conditions,
                                  const std::vector<AlertIncident>& open,
                                  const AlertsConfig& config, UtcTime now);

// The conditions a health report shows: each job's failed last run, a guard that stopped its
// last full run, failed notice e-mail; plus the sources the service cannot reach
// (job -> error), which only the running service knows.
std::vector<AlertCondition> alertConditions(const HealthReport& report,
                                            const std::map<std::string, std::string>& sources,
                                            const TimeZone& zone);

// The e-mail for a step, queued in the outbox under kAlertNotice. The Message-ID is left to
// the caller. `district` names the district in the subject.
OutboxMessage alertMessage(const AlertStep& step, const AlertsConfig& config,
                           const std::string& district, UtcTime now, const TimeZone& zone);

}  // namespace patrond
