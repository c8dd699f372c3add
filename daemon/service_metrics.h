#pragma once
// What GET /metrics and GET /health serve (SPEC section 11): a snapshot the service's loop
// refreshes from the database every 15 seconds and after each task, plus what only the
// service knows (tasks run since it started, the last sweep). Answers come from the snapshot,
// never from the database, so they stay fast during an import. Loop thread only.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/app.h"
#include "daemon/job_runner.h"
#include "engine/health.h"
#include "engine/metrics.h"

namespace patrond::daemon {

class ServiceMetrics {
 public:
  explicit ServiceMetrics(UtcTime started) : started_(started) { rerender(); }
  // After every task the worker ran.
  void taskFinished(const JobTask& task, const ImportCallResult& result);
  // Reads the last runs, the outbox and the open alerts, and judges the health as `status`.
  void refresh(App& app, const std::map<std::string, std::string>& sourceProblems);
  // Prometheus text format 0.0.4, rendered at the last refresh.
  const std::string& metricsText() const { return text_; }
  // {"state": "OK", ...}: HTTP 200 when OK or WARNING, 503 when CRITICAL or UNKNOWN.
  std::pair<int, std::string> healthJson() const;

 private:
  UtcTime started_;
  std::optional<UtcTime> refreshedAt_;
  std::optional<HealthReport> report_;
  bool databaseUp_ = false;
  std::map<std::pair<std::string, std::string>, std::int64_t> runsByStatus_;  // (job, status)
  std::optional<UtcTime> lastSweepAt_;
  std::int64_t lastSweepLost_ = 0, lastSweepFinesCents_ = 0, sweepsFailed_ = 0;
  std::map<std::string, std::int64_t> openAlerts_;  // kind -> open incidents
  std::map<std::string, std::string> sourceProblems_;
  std::string text_;  // the rendered snapshot

  std::string render() const;
  void addServiceFamilies(std::vector<MetricFamily>& out) const;
  void addJobFamilies(std::vector<MetricFamily>& out) const;
  void addOutboxFamilies(std::vector<MetricFamily>& out) const;
  void addSweepFamilies(std::vector<MetricFamily>& out) const;
  void addAlertFamilies(std::vector<MetricFamily>& out) const;
  void rerender() { text_ = render(); }
};

}  // namespace patrond::daemon
