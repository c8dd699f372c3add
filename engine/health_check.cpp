#include "engine/health_check.h"

#include "engine/display_time.h"
#include "engine/monitoring.h"
#include "engine/text.h"

namespace patrond {

HealthInput collectHealth(RunLog& runs, OutboxStore& outbox, const Config& config,
                          const std::string& job, UtcTime now, const TimeZone& zone) {
  HealthInput in;
  in.now = now;
  in.zone = &zone;
  in.grace = config.monitoring.grace;
  for (const auto& j : config.imports) {
    if (!job.empty() && j.name != job) {
      continue;
    }
    auto list = runs.listRuns(j.name, kHealthRunsRead);
    if (!list) {
      in.databaseProblem = "cannot be read: " + list.error().describe();
      return in;
    }
    in.jobs.push_back({&j, std::move(*list)});
  }
  if (job.empty()) {
    auto local = [&](UtcTime t) { return formatIso(zone.toLocal(t)); };
    auto health = outbox.health(local(now - kFailedEmailWindow), local(now - kQueuedTooLong),
                                std::string(kAlertNotice));
    if (!health) {
      in.databaseProblem = "cannot be read: " + health.error().describe();
    } else {
      in.outbox = *health;
    }
  }
  return in;
}

Result<std::vector<AlertStep>> checkAlerts(AlertCheckPorts ports, const Config& config, UtcTime now,
                                           const TimeZone& zone,
                                           const std::map<std::string, std::string>& sources,
                                           Log& log) {
  std::vector<AlertStep> steps;
  if (!config.monitoring.alerts) {
    return steps;
  }
  const AlertsConfig& alerts = *config.monitoring.alerts;
  HealthInput in = collectHealth(ports.runs, ports.outbox, config, "", now, zone);
  if (!in.databaseProblem.empty()) {
    return Error{"DB", "checking alerts: the database " + in.databaseProblem, ""};
  }
  HealthReport report = evaluateHealth(in);
  std::vector<AlertCondition> conditions = alertConditions(report, sources, zone);
  // A failed run's alert says why: its first error.
  for (auto& c : conditions) {
    if (c.kind != AlertKind::kRunFailed) {
      continue;
    }
    for (const auto& j : report.jobs) {
      if (j.job == c.subject && j.lastRun) {
        auto messages = ports.runs.runMessages(j.lastRun->id, true);
        if (messages && !messages->empty()) {
          const RunMessage& m = messages->front();
          c.text += ": " + m.code + ": " + utf8Truncate(m.text, 300);
        }
      }
    }
  }
  PATROND_ASSIGN(open, ports.alerts.openIncidents());
  steps = planAlerts(conditions, open, alerts, now);
  if (steps.empty()) {
    return steps;
  }
  std::vector<OutboxMessage> messages;
  for (const auto& s : steps) {
    OutboxMessage m = alertMessage(s, alerts, config.district.name, now, zone);
    m.messageId = ports.ids.next(m.noticeDate);
    messages.push_back(std::move(m));
    const std::string line = "alert " + std::string(alertStepName(s.step)) + ": " +
                             std::string(alertKindName(s.incident.kind)) + " " +
                             s.incident.subject + ": " + s.incident.text;
    if (s.step == AlertStepKind::kClear) {
      log.info(line);
    } else {
      log.error(line);
    }
  }
  if (auto q = ports.outbox.queue(messages); !q) {
    return q.error();
  }
  if (auto r = ports.alerts.record(steps); !r) {
    return r.error();
  }
  return steps;
}

}  // namespace patrond
