#include "engine/alerts.h"

#include <algorithm>
#include <set>

#include "engine/display_time.h"
#include "engine/monitoring.h"
#include "engine/text.h"

namespace patrond {
namespace {

std::string problemPhrase(AlertKind kind, const std::string& subject) {
  switch (kind) {
    case AlertKind::kRunFailed:
      return "import " + subject + ": the last run failed";
    case AlertKind::kGuardStopped:
      return "import " + subject + ": a guard stopped the lifecycle";
    case AlertKind::kSourceUnreachable:
      return "import " + subject + ": the source cannot be reached";
    case AlertKind::kDeliveryFailed:
      return "notice e-mail could not be delivered";
  }
  return subject;
}

std::string whatToDo(AlertKind kind, const std::string& subject) {
  switch (kind) {
    case AlertKind::kRunFailed:
      return "Read the run's summary: patrond runs --job " + subject +
             " --limit 1, then patrond summary RUN_ID. Nothing was changed by the failed run.";
    case AlertKind::kGuardStopped:
      return "Patrons who left were NOT inactivated. Check the SIS export: a truncated file "
             "trips the guard. If the change is real (the start of a school year), run: "
             "patrond import " +
             subject + " --full --max-percent N";
    case AlertKind::kSourceUnreachable:
      return "Check the folder or SFTP server, the network and the credentials: patrond "
             "test-source " +
             subject;
    case AlertKind::kDeliveryFailed:
      return "See why: patrond outbox --status failed. Check the smtp settings and the "
             "addresses the SIS sends.";
  }
  return "";
}

bool sameIncident(const AlertIncident& i, const AlertCondition& c) {
  return i.kind == c.kind && i.subject == c.subject;
}

}  // namespace

std::string_view alertStepName(AlertStepKind k) {
  switch (k) {
    case AlertStepKind::kOpen:
      return "opened";
    case AlertStepKind::kRepeat:
      return "repeated";
    case AlertStepKind::kClear:
      return "cleared";
  }
  return "opened";
}

std::vector<AlertStep> planAlerts(const std::vector<AlertCondition>& conditions,
                                  const std::vector<AlertIncident>& open,
                                  const AlertsConfig& config, UtcTime now) {
  std::vector<AlertStep> steps;
  const std::string at = utcIso(now);
  FixedOffsetZone utc;
  std::set<std::int64_t> matched;
  std::set<std::pair<AlertKind, std::string>> seen;
  for (const auto& c : conditions) {
    if (!config.wants(c.kind) || !seen.insert({c.kind, c.subject}).second) {
      continue;
    }
    auto it = std::find_if(open.begin(), open.end(),
                           [&](const AlertIncident& i) { return sameIncident(i, c); });
    if (it == open.end()) {
      steps.push_back({AlertStepKind::kOpen, {0, c.kind, c.subject, at, at, "", c.text}});
      continue;
    }
    matched.insert(it->id);
    auto last = storedInstant(it->lastSentAt, utc);
    if (!last || now - *last >= config.repeatAfter) {
      AlertIncident again = *it;
      again.lastSentAt = at;
      again.text = c.text;
      steps.push_back({AlertStepKind::kRepeat, again});
    }
  }
  for (const auto& i : open) {
    if (!matched.count(i.id)) {
      AlertIncident done = i;
      done.clearedAt = at;
      steps.push_back({AlertStepKind::kClear, done});
    }
  }
  return steps;
}

std::vector<AlertCondition> alertConditions(const HealthReport& report,
                                            const std::map<std::string, std::string>& sources,
                                            const TimeZone& zone) {
  std::vector<AlertCondition> out;
  for (const auto& j : report.jobs) {
    if (j.lastRun && j.lastRun->status == RunStatus::kFailed) {
      out.push_back({AlertKind::kRunFailed, j.job,
                     "run " + std::to_string(j.lastRun->id) + " failed (started " +
                         displayTime(j.lastRun->startedAt, zone) + ")"});
    }
    if (j.guardStopped) {
      out.push_back({AlertKind::kGuardStopped, j.job, j.guardReason});
    }
  }
  for (const auto& [job, error] : sources) {
    out.push_back({AlertKind::kSourceUnreachable, job, error});
  }
  if (report.outbox && report.outbox->failedRecently > 0) {
    std::string text =
        std::to_string(report.outbox->failedRecently) + " e-mail(s) failed in the last 7 days";
    if (!report.outbox->lastFailedError.empty()) {
      text += "; the last: " + report.outbox->lastFailedError.substr(0, 300);
    }
    out.push_back({AlertKind::kDeliveryFailed, "outbox", text});
  }
  return out;
}

OutboxMessage alertMessage(const AlertStep& step, const AlertsConfig& config,
                           const std::string& district, UtcTime now, const TimeZone& zone) {
  const AlertIncident& i = step.incident;
  const std::string phrase = problemPhrase(i.kind, i.subject);
  const std::string label = step.step == AlertStepKind::kOpen     ? "PROBLEM"
                            : step.step == AlertStepKind::kRepeat ? "STILL A PROBLEM"
                                                                  : "RESOLVED";
  OutboxMessage m;
  m.notice = std::string(kAlertNotice);
  m.to = config.to;
  m.subject = "[patrond" + (district.empty() ? std::string() : " " + district) + "] " + label +
              ": " + phrase;
  std::string body;
  if (step.step == AlertStepKind::kClear) {
    body = "Resolved: " + phrase + ".\n\n" + "Opened:  " + displayTime(i.openedAt, zone) +
           "\nCleared: " + displayTime(i.clearedAt, zone) + "\n";
  } else {
    body = (step.step == AlertStepKind::kOpen ? "Problem: " : "Still a problem: ") + phrase +
           ".\n\nSince:   " + displayTime(i.openedAt, zone) + "\nDetail:  " + i.text +
           "\n\nWhat to do: " + whatToDo(i.kind, i.subject) +
           "\n\nThis message comes again every " + formatDuration(config.repeatAfter) +
           " while the problem lasts, and once more when it clears.\n";
  }
  body += "Health at any time: patrond status\n\n-- \npatrond (" +
          std::string(alertKindName(i.kind)) + ")\n";
  m.bodyText = body;
  CivilTime local = zone.toLocal(now);
  m.noticeDate = formatDate(local);
  // One message per incident and step: a check that runs twice at the same second queues it
  // once.
  m.dedupeKey = "alert|" + std::string(alertKindName(i.kind)) + "|" + i.subject.substr(0, 100) +
                "|" + i.openedAt + "|" + std::string(alertStepName(step.step)) + "|" + utcIso(now);
  m.nextAttemptAt = utcIso(now);
  m.createdAt = formatIso(local);
  return m;
}

}  // namespace patrond
