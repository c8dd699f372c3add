#pragma once
// `patrond status` (SPEC section 11): the service's health for monitoring tools, judged from
// what the database holds. Follows the monitoring-plugin conventions (Nagios, Icinga,
// Zabbix): OK 0, WARNING 1, CRITICAL 2, UNKNOWN 3. Pure; any thread.
//
// CRITICAL: a job's last run failed; a scheduled job has no completed run since its latest
// slot that is more than `grace` old; the database cannot be read; administrator alerts
// cannot be delivered. WARNING: a job's last run was interrupted; the last full run's
// lifecycle was stopped by a guard; a notice e-mail failed in the last 7 days, or one has
// been queued for more than an hour.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"
#include "engine/import_run.h"
#include "engine/ports/outbox_store.h"
#include "engine/ports/time_zone.h"

namespace patrond {

enum class HealthState { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };
std::string_view healthStateName(HealthState s);  // OK, WARNING, CRITICAL, UNKNOWN
HealthState worse(HealthState a, HealthState b);

// The notice name administrator alerts are queued under in the outbox.
inline constexpr std::string_view kAlertNotice = "_alerts";
// A failed e-mail counts against the health this long; one queued longer than this is late.
inline constexpr std::chrono::hours kFailedEmailWindow{24 * 7};
inline constexpr std::chrono::hours kQueuedTooLong{1};

struct JobRuns {
  const ImportJob* job = nullptr;
  std::vector<ImportRun> runs;  // newest first (the store's recent runs of this job)
};

struct HealthInput {
  UtcTime now;
  const TimeZone* zone = nullptr;
  std::chrono::seconds grace{2 * 3600};
  std::vector<JobRuns> jobs;
  std::optional<OutboxHealth> outbox;  // nullopt: not read
  std::string databaseProblem;         // not empty: the database could not be read
};

struct JobHealth {
  std::string job;
  HealthState state = HealthState::kOk;
  std::string text;                  // what is wrong, or what is fine
  std::optional<ImportRun> lastRun;  // the newest finished run
  std::optional<ImportRun> lastCompleted;
  std::optional<UtcTime> lastRunStarted, lastRunFinished;  // of lastRun
  std::optional<UtcTime> lastCompletedStarted;             // of lastCompleted
  std::optional<std::int64_t> ageSeconds;                  // since the last completed run started
  std::optional<UtcTime> lastSlot;             // the latest scheduled time that should have run
  std::optional<UtcTime> nextSlot;             // the next scheduled time
  std::optional<std::chrono::seconds> maxAge;  // interval between slots + grace: critical after
  bool running = false;                        // a run is in progress
  bool guardStopped = false;
  std::string guardReason;
};

struct HealthProblem {
  HealthState state = HealthState::kOk;
  std::string subject;  // a job name, "outbox", "alerts" or "database"
  std::string text;
};

struct HealthReport {
  HealthState state = HealthState::kOk;
  std::vector<HealthProblem> problems;  // worst first
  std::vector<JobHealth> jobs;
  std::optional<OutboxHealth> outbox;

  // "PATROND CRITICAL - students: last run failed 2026-10-15T02:00:00-05:00 | 'students_age'=..."
  std::string statusLine() const;
  // Performance data: 'label'=value[unit];warn;crit;min;max, space separated.
  std::string perfdata() const;
};

HealthReport evaluateHealth(const HealthInput& in);

// The latest scheduled time at or before `t` (searching back 8 days); nullopt when the
// schedule is empty.
std::optional<UtcTime> previousSlot(const std::vector<DaySchedule>& schedule, UtcTime t,
                                    const TimeZone& zone);

}  // namespace patrond
