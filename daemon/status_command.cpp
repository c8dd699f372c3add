#include "daemon/status_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "daemon/json_output.h"
#include "engine/display_time.h"
#include "engine/health_check.h"

namespace patrond::daemon {
namespace {

using nlohmann::json;

}  // namespace

int statusUnknown(bool asJson, const std::string& why) {
  const std::string line = "PATROND UNKNOWN - " + why;
  if (asJson) {
    // The shape of every other answer, so a JSONPath item finds its keys.
    std::cout << json{{"state", "UNKNOWN"},
                      {"exit_code", 3},
                      {"checked_at", nullptr},
                      {"line", line},
                      {"perfdata", ""},
                      {"problems", {{{"state", "UNKNOWN"}, {"subject", "patrond"}, {"text", why}}}},
                      {"jobs", json::array()},
                      {"outbox", nullptr}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << line << "\n";
  }
  return static_cast<int>(HealthState::kUnknown);
}

namespace {

int unknown(App& app, const std::string& why) {
  return statusUnknown(app.json(), why);
}

json optionalTime(const std::optional<UtcTime>& t, const TimeZone& zone) {
  return t ? json(rfc3339(*t, zone)) : json(nullptr);
}

json reportJson(const HealthReport& r, const TimeZone& zone, UtcTime now) {
  json problems = json::array();
  for (const auto& p : r.problems) {
    problems.push_back(
        {{"state", healthStateName(p.state)}, {"subject", p.subject}, {"text", p.text}});
  }
  json jobs = json::array();
  for (const auto& j : r.jobs) {
    jobs.push_back(
        {{"job", j.job},
         {"state", healthStateName(j.state)},
         {"text", j.text},
         {"running", j.running},
         {"last_run", j.lastRun ? runJson(*j.lastRun, zone) : json(nullptr)},
         {"last_completed_run_id", j.lastCompleted ? json(j.lastCompleted->id) : json(nullptr)},
         {"age_seconds", j.ageSeconds ? json(*j.ageSeconds) : json(nullptr)},
         {"max_age_seconds", j.maxAge ? json(j.maxAge->count()) : json(nullptr)},
         {"last_scheduled", optionalTime(j.lastSlot, zone)},
         {"next_scheduled", optionalTime(j.nextSlot, zone)},
         {"guard_stopped", j.guardStopped},
         {"guard_reason", j.guardStopped ? json(j.guardReason) : json(nullptr)}});
  }
  json outbox = nullptr;
  if (r.outbox) {
    const OutboxHealth& o = *r.outbox;
    outbox = {
        {"queued", o.queued},
        {"sending", o.sending},
        {"sent", o.sent},
        {"failed", o.failed},
        {"failed_last_7_days", o.failedRecently},
        {"queued_over_1h", o.queuedTooLong},
        {"alerts_failed_last_7_days", o.alertsFailedRecently},
        {"oldest_queued_at",
         o.oldestQueuedAt.empty() ? json(nullptr) : json(displayTime(o.oldestQueuedAt, zone))}};
  }
  return {{"state", healthStateName(r.state)},
          {"exit_code", static_cast<int>(r.state)},
          {"checked_at", rfc3339(now, zone)},
          {"line", r.statusLine()},
          {"perfdata", r.perfdata()},
          {"problems", problems},
          {"jobs", jobs},
          {"outbox", outbox}};
}

}  // namespace

int cmdStatus(App& app, const std::string& job) {
  if (!app.options().asOf.empty() && !parseCivilTime(app.options().asOf)) {
    return unknown(app, "--as-of: expected \"YYYY-MM-DD[ HH:MM]\", got '" +
                            app.options().asOf.substr(0, 64) + "'");
  }
  if (app.loadConfig(false) != kExitOk) {
    return unknown(app, "the configuration cannot be loaded: run 'patrond check-config'");
  }
  const Config& config = app.config();
  if (!job.empty() && !config.findJob(job)) {
    return unknown(app, "no import job named '" + job + "' in " + config.path);
  }
  std::string problem;
  HealthInput in;
  if (app.openExistingDatabase(&problem) != kExitOk) {
    in.now = app.now();
    in.zone = &app.zone();
    in.grace = config.monitoring.grace;
    in.databaseProblem = "cannot be read: " + problem;
  } else {
    in = collectHealth(app.store(), app.store().outbox(), config, job, app.now(), app.zone());
  }
  HealthReport report = evaluateHealth(in);
  if (app.json()) {
    std::cout << reportJson(report, app.zone(), in.now).dump(2) << "\n";
  } else {
    std::cout << report.statusLine() << "\n";
    for (const auto& j : report.jobs) {
      std::cout << "  " << j.job << ": " << healthStateName(j.state) << " - " << j.text;
      if (j.nextSlot) {
        std::cout << "; next run " << rfc3339(*j.nextSlot, app.zone());
      }
      std::cout << "\n";
    }
  }
  return static_cast<int>(report.state);
}

}  // namespace patrond::daemon
