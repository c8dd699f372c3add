#include "daemon/service_metrics.h"

#include <nlohmann/json.hpp>

#include "engine/display_time.h"
#include "engine/health_check.h"
#include "engine/monitoring.h"

namespace patrond::daemon {
namespace {

using nlohmann::json;

double unixSeconds(UtcTime t) {
  return static_cast<double>(t.time_since_epoch().count());
}

MetricFamily family(std::string name, std::string help, std::string type = "gauge") {
  return MetricFamily{std::move(name), std::move(help), std::move(type), {}};
}

}  // namespace

void ServiceMetrics::taskFinished(const JobTask& task, const ImportCallResult& result) {
  if (std::holds_alternative<SweepWork>(task.work)) {
    if (result.sweep) {
      lastSweepAt_ = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
      lastSweepLost_ = result.sweep->lost;
      lastSweepFinesCents_ = result.sweep->finesCents;
    } else if (!result.error.empty()) {
      ++sweepsFailed_;
    }
    rerender();
    return;
  }
  if (!task.import() || !result.ran || result.busy) {
    return;
  }
  const ImportRun& run = result.outcome.run;
  if (run.id > 0) {
    ++runsByStatus_[{task.job, std::string(runStatusName(run.status))}];
  }
  rerender();
}

void ServiceMetrics::refresh(App& app, const std::map<std::string, std::string>& sourceProblems) {
  sourceProblems_ = sourceProblems;
  refreshedAt_ = app.now();
  HealthInput in;
  PatronStore* store = app.serviceStore();
  if (!store) {
    in.now = app.now();
    in.zone = &app.zone();
    in.databaseProblem = "cannot be reached: " + app.databaseProblem();
  } else {
    in = collectHealth(*store, store->outbox(), app.config(), "", app.now(), app.zone());
    if (!in.databaseProblem.empty()) {
      app.storeFailed();
    }
  }
  databaseUp_ = in.databaseProblem.empty();
  report_ = evaluateHealth(in);
  openAlerts_.clear();
  if (store && databaseUp_) {
    if (auto open = store->alerts().openIncidents()) {
      for (const auto& i : *open) {
        ++openAlerts_[std::string(alertKindName(i.kind))];
      }
    }
  }
  rerender();
}

std::string ServiceMetrics::render() const {
  std::vector<MetricFamily> out;
  addServiceFamilies(out);
  addJobFamilies(out);
  addOutboxFamilies(out);
  addSweepFamilies(out);
  addAlertFamilies(out);
  return renderPrometheus(out);
}

// The service itself: version, start, database, refresh, overall health.
void ServiceMetrics::addServiceFamilies(std::vector<MetricFamily>& out) const {
  auto build = family("patrond_build_info", "The running patrond's version.");
  build.samples.push_back({{{"version", PATROND_VERSION}}, 1});
  out.push_back(build);
  auto start = family("patrond_start_time_seconds", "When the service started, Unix time.");
  start.samples.push_back({{}, unixSeconds(started_)});
  out.push_back(start);
  auto db = family("patrond_database_up", "1 when the last refresh could read the database.");
  db.samples.push_back({{}, databaseUp_ ? 1.0 : 0.0});
  out.push_back(db);
  auto refreshed = family("patrond_metrics_refreshed_time_seconds",
                          "When these figures were read from the database, Unix time.");
  if (refreshedAt_) {
    refreshed.samples.push_back({{}, unixSeconds(*refreshedAt_)});
  }
  out.push_back(refreshed);
  auto health = family("patrond_health_state",
                       "What patrond status says: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
  health.samples.push_back(
      {{},
       report_ ? static_cast<double>(report_->state) : static_cast<double>(HealthState::kUnknown)});
  out.push_back(health);
}

// Per import job: its newest runs, state, source and run counters.
void ServiceMetrics::addJobFamilies(std::vector<MetricFamily>& out) const {
  auto lastTime = family("patrond_job_last_run_timestamp_seconds",
                         "When the job's newest finished run started, Unix time.");
  auto lastCompleted = family("patrond_job_last_completed_run_timestamp_seconds",
                              "When the job's newest completed run started, Unix time.");
  auto duration = family("patrond_job_last_run_duration_seconds",
                         "How long the job's newest finished run took.");
  auto status = family("patrond_job_last_run_status",
                       "1 for the status of the job's newest finished run, 0 for the others.");
  auto rows =
      family("patrond_job_last_run_rows", "Rows of the job's newest finished run, by kind.");
  auto lifecycle = family("patrond_job_last_run_lifecycle_patrons",
                          "Patrons the newest finished run's lifecycle inactivated or deleted.");
  auto guard = family("patrond_job_lifecycle_guard_stopped",
                      "1 when a guard stopped the lifecycle of the job's newest full run.");
  auto state = family("patrond_job_health_state", "Each job's state as patrond status judges it.");
  auto running = family("patrond_job_running", "1 while a run of the job is in progress.");
  auto runs =
      family("patrond_job_runs_total", "Runs since the service started, by status.", "counter");
  auto source = family("patrond_job_source_up",
                       "0 while the service cannot read the job's watched folder or SFTP server.");
  if (report_) {
    for (const auto& j : report_->jobs) {
      std::vector<std::pair<std::string, std::string>> jl{{"job", j.job}};
      state.samples.push_back({jl, static_cast<double>(j.state)});
      running.samples.push_back({jl, j.running ? 1.0 : 0.0});
      guard.samples.push_back({jl, j.guardStopped ? 1.0 : 0.0});
      source.samples.push_back({jl, sourceProblems_.count(j.job) ? 0.0 : 1.0});
      if (j.lastCompletedStarted) {
        lastCompleted.samples.push_back({jl, unixSeconds(*j.lastCompletedStarted)});
      }
      if (!j.lastRun) {
        continue;
      }
      const ImportRun& r = *j.lastRun;
      if (j.lastRunStarted) {
        lastTime.samples.push_back({jl, unixSeconds(*j.lastRunStarted)});
        if (j.lastRunFinished) {
          duration.samples.push_back(
              {jl, static_cast<double>((*j.lastRunFinished - *j.lastRunStarted).count())});
        }
      }
      for (RunStatus st : {RunStatus::kCompleted, RunStatus::kFailed, RunStatus::kInterrupted}) {
        status.samples.push_back({{{"job", j.job}, {"status", std::string(runStatusName(st))}},
                                  r.status == st ? 1.0 : 0.0});
      }
      const RunCounts& c = r.counts;
      for (const auto& [kind, n] : namedCounts(c)) {
        if (kind != "inactivated" && kind != "deleted") {  // those are lifecycle_patrons
          rows.samples.push_back(
              {{{"job", j.job}, {"kind", std::string(kind)}}, static_cast<double>(n)});
        }
      }
      lifecycle.samples.push_back(
          {{{"job", j.job}, {"action", "inactivated"}}, static_cast<double>(c.inactivated)});
      lifecycle.samples.push_back(
          {{{"job", j.job}, {"action", "deleted"}}, static_cast<double>(c.deleted)});
    }
  }
  // A counter is there from the start, at 0, for each job and status.
  auto counted = runsByStatus_;
  if (report_) {
    for (const auto& j : report_->jobs) {
      for (RunStatus st : {RunStatus::kCompleted, RunStatus::kFailed, RunStatus::kInterrupted}) {
        counted.try_emplace({j.job, std::string(runStatusName(st))}, 0);
      }
    }
  }
  for (const auto& [key, n] : counted) {
    runs.samples.push_back({{{"job", key.first}, {"status", key.second}}, static_cast<double>(n)});
  }
  for (auto* f : {&lastTime, &lastCompleted, &duration, &status, &rows, &lifecycle, &guard, &state,
                  &running, &runs, &source}) {
    out.push_back(std::move(*f));
  }
}

// The e-mail outbox, by status and by notice.
void ServiceMetrics::addOutboxFamilies(std::vector<MetricFamily>& out) const {
  auto outbox = family("patrond_outbox_messages", "Messages in the e-mail outbox, by status.");
  auto notices = family("patrond_notice_messages",
                        "Outbox messages by notice and status (sent, failed, queued, sending); "
                        "administrator alerts are the notice _alerts.");
  auto failedRecently = family("patrond_notice_messages_failed_recent",
                               "Notice e-mails that failed in the last 7 days.");
  if (report_ && report_->outbox) {
    const OutboxHealth& o = *report_->outbox;
    for (const auto& [st, n] :
         std::vector<std::pair<const char*, std::int64_t>>{{"queued", o.queued},
                                                           {"sending", o.sending},
                                                           {"sent", o.sent},
                                                           {"failed", o.failed}}) {
      outbox.samples.push_back({{{"status", st}}, static_cast<double>(n)});
    }
    for (const auto& c : o.byNotice) {
      notices.samples.push_back(
          {{{"notice", c.notice}, {"status", c.status}}, static_cast<double>(c.count)});
    }
    failedRecently.samples.push_back({{}, static_cast<double>(o.failedRecently)});
  }
  out.push_back(std::move(outbox));
  out.push_back(std::move(notices));
  out.push_back(std::move(failedRecently));
}

// The circulation sweep.
void ServiceMetrics::addSweepFamilies(std::vector<MetricFamily>& out) const {
  auto sweepAt = family("patrond_sweep_last_run_timestamp_seconds",
                        "When the service last ran the circulation sweep, Unix time.");
  auto sweepLost = family("patrond_sweep_last_lost_copies",
                          "Copies the last circulation sweep turned from overdue to lost.");
  auto sweepFines =
      family("patrond_sweep_last_fines",
             "Lost-copy fines the last circulation sweep charged, in currency units.");
  auto sweepFailed = family("patrond_sweep_failures_total",
                            "Circulation sweeps that failed since the service started.", "counter");
  if (lastSweepAt_) {
    sweepAt.samples.push_back({{}, unixSeconds(*lastSweepAt_)});
    sweepLost.samples.push_back({{}, static_cast<double>(lastSweepLost_)});
    sweepFines.samples.push_back({{}, static_cast<double>(lastSweepFinesCents_) / 100.0});
  }
  sweepFailed.samples.push_back({{}, static_cast<double>(sweepsFailed_)});
  out.push_back(std::move(sweepAt));
  out.push_back(std::move(sweepLost));
  out.push_back(std::move(sweepFines));
  out.push_back(std::move(sweepFailed));
}

// Open administrator alert incidents.
void ServiceMetrics::addAlertFamilies(std::vector<MetricFamily>& out) const {
  auto alerts = family("patrond_alerts_open", "Open administrator alert incidents, by kind.");
  for (AlertKind k : {AlertKind::kRunFailed, AlertKind::kGuardStopped,
                      AlertKind::kSourceUnreachable, AlertKind::kDeliveryFailed}) {
    std::string name(alertKindName(k));
    auto it = openAlerts_.find(name);
    alerts.samples.push_back(
        {{{"kind", name}}, it == openAlerts_.end() ? 0.0 : static_cast<double>(it->second)});
  }
  out.push_back(std::move(alerts));
}

std::pair<int, std::string> ServiceMetrics::healthJson() const {
  HealthState s = report_ ? report_->state : HealthState::kUnknown;
  json problems = json::array();
  if (report_) {
    for (const auto& p : report_->problems) {
      problems.push_back(
          {{"state", healthStateName(p.state)}, {"subject", p.subject}, {"text", p.text}});
    }
  }
  json j{{"state", healthStateName(s)},
         {"line", report_ ? report_->statusLine() : "PATROND UNKNOWN - starting"},
         {"problems", problems},
         {"database_up", databaseUp_},
         {"version", PATROND_VERSION}};
  int code = s == HealthState::kOk || s == HealthState::kWarning ? 200 : 503;
  return {code, j.dump() + "\n"};
}

}  // namespace patrond::daemon
