#include "daemon/alert_commands.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "daemon/wiring.h"
#include "engine/display_time.h"
#include "engine/health_check.h"
#include "engine/monitoring.h"
#include "engine/text.h"

namespace patrond::daemon {
namespace {

using nlohmann::json;

json incidentJson(const AlertIncident& i, const TimeZone& zone) {
  auto when = [&](const std::string& t) {
    return t.empty() ? json(nullptr) : json(displayTime(t, zone));
  };
  return {{"id", i.id},
          {"kind", alertKindName(i.kind)},
          {"subject", i.subject},
          {"state", i.clearedAt.empty() ? "open" : "cleared"},
          {"opened_at", when(i.openedAt)},
          {"last_sent_at", when(i.lastSentAt)},
          {"cleared_at", when(i.clearedAt)},
          {"text", i.text}};
}

int noAlerts() {
  return fail(kExitUsage,
              "no monitoring.alerts in the configuration: add monitoring: {alerts: {to: "
              "[it-help@example.org]}} (and an smtp section) to get e-mail about failures");
}

}  // namespace

Result<std::vector<AlertStep>> checkAlerts(PatronStore& store, const Config& config, UtcTime now,
                                           const TimeZone& zone,
                                           const std::map<std::string, std::string>& sources,
                                           Log& log) {
  auto ids = makeMessageIds(config.smtp);
  return patrond::checkAlerts({store, store.outbox(), store.alerts(), *ids}, config, now, zone,
                              sources, log);
}

int cmdAlerts(App& app, int limit) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  auto list = app.store().alerts().recentIncidents(limit);
  if (!list) {
    return fail(kExitFailed, list.error().describe());
  }
  if (app.json()) {
    json out = json::array();
    for (const auto& i : *list) {
      out.push_back(incidentJson(i, app.zone()));
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (!app.config().monitoring.alerts) {
    std::cout << "(monitoring.alerts is not configured: no alerts are sent)\n";
  }
  if (list->empty()) {
    std::cout << "No alert incidents.\n";
  }
  for (const auto& i : *list) {
    std::cout << "#" << i.id << "  " << (i.clearedAt.empty() ? "OPEN   " : "cleared") << "  "
              << alertKindName(i.kind) << "  " << escapeControl(i.subject) << "  since "
              << displayTime(i.openedAt, app.zone());
    if (!i.clearedAt.empty()) {
      std::cout << ", cleared " << displayTime(i.clearedAt, app.zone());
    } else {
      std::cout << ", last sent " << displayTime(i.lastSentAt, app.zone());
    }
    std::cout << "\n    " << escapeControl(i.text) << "\n";
  }
  return kExitOk;
}

int cmdAlertsCheck(App& app) {
  if (!app.config().monitoring.alerts) {
    return noAlerts();
  }
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  auto steps = checkAlerts(app.store(), app.config(), app.now(), app.zone(), {}, app.log());
  if (!steps) {
    return fail(kExitFailed, steps.error().describe());
  }
  if (app.json()) {
    json out = json::array();
    for (const auto& s : *steps) {
      json j = incidentJson(s.incident, app.zone());
      j["step"] = alertStepName(s.step);
      out.push_back(std::move(j));
    }
    std::cout << json{{"steps", out}}.dump(2) << "\n";
    return kExitOk;
  }
  if (steps->empty()) {
    std::cout << "Alerts: nothing new to send.\n";
  }
  for (const auto& s : *steps) {
    std::cout << "Alert " << alertStepName(s.step) << ": " << alertKindName(s.incident.kind) << " "
              << escapeControl(s.incident.subject) << ": " << escapeControl(s.incident.text)
              << "\n";
  }
  if (!steps->empty()) {
    std::cout << "Queued in the outbox; the service sends it within a minute (or: patrond outbox "
                 "deliver).\n";
  }
  return kExitOk;
}

}  // namespace patrond::daemon
