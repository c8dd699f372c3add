#include "engine/health.h"

#include <algorithm>
#include <sstream>

#include "engine/display_time.h"
#include "engine/schedule.h"

namespace patrond {
namespace {

// A scheduled run starts a moment after its slot; a run started this much before the slot
// (someone pressed "Run" at 01:58 for a 02:00 slot) still counts for it.
constexpr std::chrono::minutes kSlotTolerance{5};

std::string when(const std::string& stored, const TimeZone& zone) {
  return stored.empty() ? "-" : displayTime(stored, zone);
}

// Perfdata labels: letters, digits, '_', '-', '.'; anything else becomes '_'.
std::string label(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) {
      c = '_';
    }
  }
  return out;
}

void judgeJob(const HealthInput& in, const JobRuns& jr, JobHealth& h) {
  const TimeZone& zone = *in.zone;
  for (const auto& r : jr.runs) {
    if (r.dryRun) {
      continue;
    }
    if (r.status == RunStatus::kRunning) {
      h.running = h.running || !h.lastRun;
      continue;
    }
    if (!h.lastRun) {
      h.lastRun = r;
    }
    if (r.status == RunStatus::kCompleted && !h.lastCompleted) {
      h.lastCompleted = r;
    }
  }
  // The newest run with a lifecycle decides whether a guard stopped it: a full run, or an
  // incremental run that had removals (a OneRoster delta's tobedeleted users).
  for (const auto& r : jr.runs) {
    bool hadLifecycle = r.type == UpdateType::kFull || r.lifecycleRan || lifecycleStoppedByGuard(r);
    if (r.dryRun || !hadLifecycle || r.status != RunStatus::kCompleted) {
      continue;
    }
    if (lifecycleStoppedByGuard(r)) {
      h.guardStopped = true;
      h.guardReason = r.lifecycleReason;
    }
    break;
  }
  if (h.lastRun) {
    h.lastRunStarted = storedInstant(h.lastRun->startedAt, zone);
    h.lastRunFinished = storedInstant(h.lastRun->finishedAt, zone);
  }
  if (h.lastCompleted) {
    h.lastCompletedStarted = storedInstant(h.lastCompleted->startedAt, zone);
    if (h.lastCompletedStarted) {
      h.ageSeconds = std::max<std::int64_t>(0, (in.now - *h.lastCompletedStarted).count());
    }
  }
  const std::optional<UtcTime>& completedAt = h.lastCompletedStarted;
  const auto& schedule = jr.job->schedule;
  if (!schedule.empty()) {
    if (auto next = nextRun(schedule, in.now, zone)) {
      h.nextSlot = next->at;
    }
    h.lastSlot = previousSlot(schedule, in.now - in.grace, zone);
    if (h.lastSlot) {
      if (auto before = previousSlot(schedule, *h.lastSlot - std::chrono::seconds(1), zone)) {
        h.maxAge =
            std::chrono::duration_cast<std::chrono::seconds>(*h.lastSlot - *before) + in.grace;
      }
    }
  }

  std::vector<std::pair<HealthState, std::string>> found;
  if (h.lastRun && h.lastRun->status == RunStatus::kFailed) {
    found.emplace_back(HealthState::kCritical, "last run failed " +
                                                   when(h.lastRun->startedAt, zone) + " (run " +
                                                   std::to_string(h.lastRun->id) + ")");
  }
  if (h.lastSlot && (!completedAt || *completedAt + kSlotTolerance < *h.lastSlot)) {
    std::string text = "no completed run since the one scheduled for " + rfc3339(*h.lastSlot, zone);
    text += h.lastCompleted ? " (last completed " + when(h.lastCompleted->startedAt, zone) + ")"
                            : " (none completed yet)";
    found.emplace_back(HealthState::kCritical, text);
  }
  if (h.lastRun && h.lastRun->status == RunStatus::kInterrupted) {
    found.emplace_back(HealthState::kWarning, "last run was interrupted " +
                                                  when(h.lastRun->startedAt, zone) + " (run " +
                                                  std::to_string(h.lastRun->id) + ")");
  }
  if (h.guardStopped) {
    found.emplace_back(HealthState::kWarning, "lifecycle stopped by a guard: " + h.guardReason);
  }
  for (const auto& [state, text] : found) {
    h.state = worse(h.state, state);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (const auto& [state, t] : found) {
    text += (text.empty() ? "" : "; ") + t;
  }
  if (text.empty()) {
    if (h.lastRun) {
      text = "last run " + std::string(runStatusName(h.lastRun->status)) + " " +
             when(h.lastRun->startedAt, zone);
    } else {
      text = "no run yet";
    }
  }
  h.text = text;
}

}  // namespace

std::string_view healthStateName(HealthState s) {
  switch (s) {
    case HealthState::kOk:
      return "OK";
    case HealthState::kWarning:
      return "WARNING";
    case HealthState::kCritical:
      return "CRITICAL";
    case HealthState::kUnknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

HealthState worse(HealthState a, HealthState b) {
  // UNKNOWN ranks above WARNING but below CRITICAL, as the plugin guidelines order them.
  auto rank = [](HealthState s) {
    switch (s) {
      case HealthState::kOk:
        return 0;
      case HealthState::kWarning:
        return 1;
      case HealthState::kUnknown:
        return 2;
      case HealthState::kCritical:
        return 3;
    }
    return 2;
  };
  return rank(a) >= rank(b) ? a : b;
}

std::optional<UtcTime> previousSlot(const std::vector<DaySchedule>& schedule, UtcTime t,
                                    const TimeZone& zone) {
  std::optional<UtcTime> last;
  UtcTime cursor = t - std::chrono::hours(24 * 8);
  while (auto next = nextRun(schedule, cursor, zone)) {
    if (next->at > t) {
      break;
    }
    last = next->at;
    cursor = next->at;
  }
  return last;
}

HealthReport evaluateHealth(const HealthInput& in) {
  HealthReport report;
  auto problem = [&](HealthState s, std::string subject, std::string text) {
    report.state = worse(report.state, s);
    report.problems.push_back({s, std::move(subject), std::move(text)});
  };
  if (!in.databaseProblem.empty()) {
    problem(HealthState::kCritical, "database", in.databaseProblem);
  }
  for (const auto& jr : in.jobs) {
    JobHealth h;
    h.job = jr.job->name;
    judgeJob(in, jr, h);
    if (h.state != HealthState::kOk) {
      problem(h.state, h.job, h.text);
    }
    report.jobs.push_back(std::move(h));
  }
  report.outbox = in.outbox;
  if (in.outbox) {
    const OutboxHealth& o = *in.outbox;
    std::string err = o.lastFailedError.empty() ? "" : ": " + o.lastFailedError.substr(0, 200);
    if (o.alertsFailedRecently > 0 || o.alertsRetrying > 0) {
      problem(HealthState::kCritical, "alerts",
              std::to_string(o.alertsFailedRecently + o.alertsRetrying) +
                  " administrator alert(s) could not be sent (failed in the last 7 days, or "
                  "waiting to retry): check the smtp settings and 'patrond outbox'");
    }
    if (o.failedRecently > 0) {
      problem(HealthState::kWarning, "outbox",
              std::to_string(o.failedRecently) + " e-mail(s) failed in the last 7 days" + err);
    }
    if (o.queuedTooLong > 0) {
      problem(HealthState::kWarning, "outbox",
              std::to_string(o.queuedTooLong) + " e-mail(s) queued for more than an hour" +
                  (o.oldestQueuedAt.empty()
                       ? std::string()
                       : " (oldest " + displayTime(o.oldestQueuedAt, *in.zone) + ")"));
    }
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const HealthProblem& a, const HealthProblem& b) {
                     return worse(a.state, b.state) == a.state && a.state != b.state;
                   });
  return report;
}

std::string HealthReport::statusLine() const {
  std::ostringstream o;
  o << "PATROND " << healthStateName(state) << " - ";
  if (problems.empty()) {
    o << jobs.size() << (jobs.size() == 1 ? " job" : " jobs") << " healthy";
    std::string sep = ": ";
    for (const auto& j : jobs) {
      o << sep << j.job << " " << j.text;
      sep = "; ";
    }
  } else {
    std::string sep;
    for (const auto& p : problems) {
      o << sep << p.subject << ": " << p.text;
      sep = "; ";
    }
  }
  std::string pd = perfdata();
  if (!pd.empty()) {
    o << " | " << pd;
  }
  return o.str();
}

std::string HealthReport::perfdata() const {
  std::ostringstream o;
  std::string sep;
  auto item = [&](const std::string& name, std::int64_t value, const std::string& unit,
                  const std::string& crit) {
    o << sep << "'" << name << "'=" << value << unit << ";;" << crit << ";0;";
    sep = " ";
  };
  for (const auto& j : jobs) {
    std::string l = label(j.job);
    if (j.ageSeconds) {
      item(l + "_age", *j.ageSeconds, "s", j.maxAge ? std::to_string(j.maxAge->count()) : "");
    }
    if (j.lastRun) {
      const RunCounts& c = j.lastRun->counts;
      item(l + "_read", c.read, "", "");
      item(l + "_errors", c.errors, "", "");
      item(l + "_skipped", c.skipped, "", "");
      item(l + "_inactivated", c.inactivated, "", "");
      item(l + "_deleted", c.deleted, "", "");
    }
  }
  if (outbox) {
    item("outbox_queued", outbox->queued + outbox->sending, "", "");
    item("outbox_failed", outbox->failedRecently, "", "");
  }
  return o.str();
}

}  // namespace patrond
