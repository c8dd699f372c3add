// `patrond status` judged from runs, schedules and the outbox (engine/health.h), every state.
#include "engine/health.h"

#include <gtest/gtest.h>

#include <regex>

#include "engine/metrics.h"
#include "engine/monitoring.h"

namespace patrond {
namespace {

const FixedOffsetZone kChicago{std::chrono::hours(-5)};

UtcTime at(const char* local) {
  return kChicago.fromLocal(*parseCivilTime(local)).front();
}

ImportJob dailyAt2(const std::string& name = "students") {
  ImportJob j;
  j.name = name;
  for (int d = 0; d < 7; ++d) {
    j.schedule.push_back({d, UpdateType::kFull, {{2, 0}}});
  }
  return j;
}

ImportRun run(std::int64_t id, const char* started, RunStatus status,
              UpdateType type = UpdateType::kFull) {
  ImportRun r;
  r.id = id;
  r.job = "students";
  r.type = type;
  r.status = status;
  r.startedAt = started;
  r.finishedAt = started;
  r.lifecycleRan = status == RunStatus::kCompleted && type == UpdateType::kFull;
  r.counts.read = 1200;
  return r;
}

HealthReport judge(const ImportJob& job, std::vector<ImportRun> runs, const char* now,
                   std::optional<OutboxHealth> outbox = OutboxHealth{}) {
  HealthInput in;
  in.now = at(now);
  in.zone = &kChicago;
  in.jobs.push_back({&job, std::move(runs)});
  in.outbox = outbox;
  return evaluateHealth(in);
}

TEST(Health, ACompletedRunWithinItsIntervalIsOk) {
  auto job = dailyAt2();
  auto r =
      judge(job, {run(7, "2026-10-15T02:00:04", RunStatus::kCompleted)}, "2026-10-15T09:00:00");
  EXPECT_EQ(r.state, HealthState::kOk);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.jobs.size(), 1u);
  EXPECT_EQ(*r.jobs[0].ageSeconds, 7 * 3600 - 4);
  EXPECT_EQ(r.jobs[0].maxAge->count(), 24 * 3600 + 2 * 3600);
  EXPECT_EQ(r.statusLine().rfind("PATROND OK - 1 job healthy: students last run completed "
                                 "2026-10-15T02:00:04-05:00 | ",
                                 0),
            0u)
      << r.statusLine();
}

TEST(Health, TheLastRunFailedIsCriticalWithItsTimeAndOffset) {
  auto job = dailyAt2();
  auto r = judge(job,
                 {run(8, "2026-10-15T02:00:00", RunStatus::kFailed),
                  run(7, "2026-10-14T02:00:00", RunStatus::kCompleted)},
                 "2026-10-15T03:00:00");
  EXPECT_EQ(r.state, HealthState::kCritical);
  EXPECT_EQ(
      r.statusLine().rfind(
          "PATROND CRITICAL - students: last run failed 2026-10-15T02:00:00-05:00 (run 8)", 0),
      0u)
      << r.statusLine();
}

TEST(Health, AScheduledRunMissingPastGraceIsCritical) {
  auto job = dailyAt2();
  std::vector<ImportRun> runs{run(7, "2026-10-14T02:00:00", RunStatus::kCompleted)};
  // 03:59: today's 02:00 slot is not yet two hours (grace) old.
  EXPECT_EQ(judge(job, runs, "2026-10-15T03:59:00").state, HealthState::kOk);
  auto r = judge(job, runs, "2026-10-15T04:01:00");
  EXPECT_EQ(r.state, HealthState::kCritical);
  EXPECT_NE(r.problems.at(0).text.find("no completed run since the one scheduled for "
                                       "2026-10-15T02:00:00-05:00 (last completed "
                                       "2026-10-14T02:00:00-05:00)"),
            std::string::npos)
      << r.problems.at(0).text;
}

TEST(Health, GraceComesFromTheConfiguration) {
  auto job = dailyAt2();
  HealthInput in;
  in.now = at("2026-10-15T02:40:00");
  in.zone = &kChicago;
  in.grace = std::chrono::minutes(30);
  in.jobs.push_back({&job, {run(7, "2026-10-14T02:00:00", RunStatus::kCompleted)}});
  EXPECT_EQ(evaluateHealth(in).state, HealthState::kCritical);
  in.grace = std::chrono::minutes(45);
  EXPECT_EQ(evaluateHealth(in).state, HealthState::kOk);
}

TEST(Health, AScheduledJobThatNeverRanIsCriticalAnUnscheduledOneIsOk) {
  auto job = dailyAt2();
  auto r = judge(job, {}, "2026-10-15T09:00:00");
  EXPECT_EQ(r.state, HealthState::kCritical);
  EXPECT_NE(r.problems.at(0).text.find("(none completed yet)"), std::string::npos);
  ImportJob manual;
  manual.name = "staff";
  auto m = judge(manual, {}, "2026-10-15T09:00:00");
  EXPECT_EQ(m.state, HealthState::kOk);
  EXPECT_EQ(m.jobs[0].text, "no run yet");
}

TEST(Health, AnInterruptedLastRunIsAWarning) {
  auto job = dailyAt2();
  auto r = judge(job,
                 {run(9, "2026-10-15T08:00:00", RunStatus::kInterrupted),
                  run(8, "2026-10-15T02:00:00", RunStatus::kCompleted)},
                 "2026-10-15T09:00:00");
  EXPECT_EQ(r.state, HealthState::kWarning);
  EXPECT_NE(r.problems.at(0).text.find("interrupted"), std::string::npos);
}

TEST(Health, AGuardThatStoppedTheLastFullRunIsAWarningUntilAFullRunPasses) {
  auto job = dailyAt2();
  ImportRun stopped = run(8, "2026-10-15T02:00:00", RunStatus::kCompleted);
  stopped.lifecycleRan = false;
  stopped.lifecycleReason = "would remove 300 of 1200 patrons in scope, more than max_percent 10%";
  auto r = judge(job, {stopped}, "2026-10-15T09:00:00");
  EXPECT_EQ(r.state, HealthState::kWarning);
  EXPECT_TRUE(r.jobs[0].guardStopped);
  EXPECT_NE(r.statusLine().find("students: lifecycle stopped by a guard: would remove 300"),
            std::string::npos)
      << r.statusLine();
  // An incremental run afterwards does not clear it; the next full run does.
  ImportRun incr = run(9, "2026-10-15T08:00:00", RunStatus::kCompleted, UpdateType::kIncremental);
  EXPECT_EQ(judge(job, {incr, stopped}, "2026-10-15T09:00:00").state, HealthState::kWarning);
  ImportRun next = run(10, "2026-10-16T02:00:00", RunStatus::kCompleted);
  EXPECT_EQ(judge(job, {next, incr, stopped}, "2026-10-16T09:00:00").state, HealthState::kOk);
  // A run without a lifecycle configured is not a guard.
  ImportRun none = run(11, "2026-10-16T02:00:00", RunStatus::kCompleted);
  none.lifecycleRan = false;
  none.lifecycleReason = std::string(kLifecycleNotConfigured);
  EXPECT_EQ(judge(job, {none}, "2026-10-16T09:00:00").state, HealthState::kOk);
}

// A OneRoster delta whose tobedeleted users a guard kept is as much a warning as a full run's
// stopped lifecycle; the next run whose removals go through clears it.
TEST(Health, AGuardThatStoppedADeltasRemovalsIsAWarning) {
  auto job = dailyAt2();
  ImportRun full = run(7, "2026-10-14T02:00:00", RunStatus::kCompleted);
  full.lifecycleRan = true;
  ImportRun delta = run(8, "2026-10-15T02:00:00", RunStatus::kCompleted, UpdateType::kIncremental);
  delta.lifecycleReason =
      "would inactivate 2 and delete 0 of 11 patrons in scope, more than "
      "max_percent 10%";
  auto r = judge(job, {delta, full}, "2026-10-15T09:00:00");
  EXPECT_EQ(r.state, HealthState::kWarning);
  EXPECT_TRUE(r.jobs[0].guardStopped);
  ImportRun next = run(9, "2026-10-16T02:00:00", RunStatus::kCompleted, UpdateType::kIncremental);
  next.lifecycleRan = true;
  EXPECT_EQ(judge(job, {next, delta, full}, "2026-10-16T09:00:00").state, HealthState::kOk);
}

TEST(Health, TheOutboxWarnsOfFailedAndLongQueuedMailAndAlertsThatCannotBeSentAreCritical) {
  auto job = dailyAt2();
  std::vector<ImportRun> ok{run(7, "2026-10-15T02:00:00", RunStatus::kCompleted)};
  OutboxHealth o;
  o.failed = 2;
  o.failedRecently = 2;
  o.lastFailedError = "550 5.1.1 no such user";
  auto r = judge(job, ok, "2026-10-15T09:00:00", o);
  EXPECT_EQ(r.state, HealthState::kWarning);
  EXPECT_EQ(r.problems.at(0).subject, "outbox");
  EXPECT_NE(r.problems.at(0).text.find("2 e-mail(s) failed in the last 7 days: 550 5.1.1"),
            std::string::npos);
  OutboxHealth q;
  q.queued = 3;
  q.queuedTooLong = 3;
  q.oldestQueuedAt = "2026-10-15T06:00:00";
  r = judge(job, ok, "2026-10-15T09:00:00", q);
  EXPECT_EQ(r.state, HealthState::kWarning);
  EXPECT_NE(r.problems.at(0).text.find("queued for more than an hour (oldest "
                                       "2026-10-15T06:00:00-05:00)"),
            std::string::npos);
  OutboxHealth a;
  a.alertsFailedRecently = 1;
  r = judge(job, ok, "2026-10-15T09:00:00", a);
  EXPECT_EQ(r.state, HealthState::kCritical);
  EXPECT_EQ(r.problems.at(0).subject, "alerts");
}

TEST(Health, AnUnreadableDatabaseIsCriticalAndTheWorstProblemComesFirst) {
  auto job = dailyAt2();
  HealthInput in;
  in.now = at("2026-10-15T09:00:00");
  in.zone = &kChicago;
  OutboxHealth o;
  o.failedRecently = 1;
  in.outbox = o;
  in.databaseProblem = "cannot be read: connection refused";
  auto r = evaluateHealth(in);
  EXPECT_EQ(r.state, HealthState::kCritical);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].subject, "database");
  EXPECT_EQ(r.problems[1].subject, "outbox");
}

TEST(Health, PerfdataFollowsThePluginFormat) {
  ImportJob job = dailyAt2("students k-5");
  auto r =
      judge(job, {run(7, "2026-10-15T02:00:00", RunStatus::kCompleted)}, "2026-10-15T03:00:00");
  std::string pd = r.perfdata();
  // 'label'=value[UOM];[warn];[crit];[min];[max], separated by spaces.
  std::regex item(R"('[A-Za-z0-9_.-]+'=-?[0-9]+(s)?;[0-9]*;[0-9]*;[0-9]*;[0-9]*)");
  size_t n = 0;
  for (std::sregex_iterator it(pd.begin(), pd.end(), item), end; it != end; ++it) {
    ++n;
  }
  EXPECT_EQ(n, 8u) << pd;
  EXPECT_NE(pd.find("'students_k-5_age'=3600s;;93600;0;"), std::string::npos) << pd;
  EXPECT_NE(pd.find("'students_k-5_read'=1200;;;0;"), std::string::npos) << pd;
  EXPECT_NE(pd.find("'outbox_failed'=0;;;0;"), std::string::npos) << pd;
}

TEST(Health, PreviousSlotFindsTheLatestScheduledTime) {
  std::vector<DaySchedule> mondays{{1, UpdateType::kFull, {{2, 0}}}};
  // 2026-10-15 is a Thursday: the latest Monday 02:00 is 2026-10-12.
  auto s = previousSlot(mondays, at("2026-10-15T09:00:00"), kChicago);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, at("2026-10-12T02:00:00"));
  EXPECT_EQ(*previousSlot(mondays, at("2026-10-12T02:00:00"), kChicago), at("2026-10-12T02:00:00"));
  EXPECT_FALSE(previousSlot({}, at("2026-10-15T09:00:00"), kChicago));
}

TEST(Monitoring, ListenAddressesAndLoopback) {
  auto a = parseListenAddress("127.0.0.1:9464");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9464);
  EXPECT_EQ(parseListenAddress("[::1]:9464")->host, "::1");
  EXPECT_EQ(parseListenAddress(":9464")->host, "");
  EXPECT_FALSE(parseListenAddress("9464"));
  EXPECT_FALSE(parseListenAddress("::1:9464"));
  EXPECT_FALSE(parseListenAddress("host:0"));
  EXPECT_FALSE(parseListenAddress("host:65536"));
  EXPECT_FALSE(parseListenAddress("host:80x"));
  EXPECT_TRUE(isLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(isLoopbackHost("localhost"));
  EXPECT_TRUE(isLoopbackHost("::1"));
  EXPECT_FALSE(isLoopbackHost(""));
  EXPECT_FALSE(isLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(isLoopbackHost("10.0.0.5"));
}

TEST(Monitoring, ConfigChecksAddressesAndSmtp) {
  Config c;
  c.monitoring.metrics = "0.0.0.0:9464";
  c.monitoring.alerts = AlertsConfig{};
  c.monitoring.alerts->to = {"it-help@example.org", "not an address"};
  auto issues = validateConfig(c);
  auto has = [&](const std::string& path, const std::string& text, bool warning) {
    for (const auto& i : issues) {
      if (i.path == path && i.message.find(text) != std::string::npos && i.warning == warning) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(has("monitoring.metrics", "not a loopback address", true));
  EXPECT_TRUE(has("monitoring.alerts.to", "'not an address' is not an e-mail address", false));
  EXPECT_TRUE(has("monitoring.alerts", "need an 'smtp' section", false));
  c.monitoring.metrics = "nonsense";
  issues = validateConfig(c);
  EXPECT_TRUE(has("monitoring.metrics", "expected HOST:PORT", false));
  NoticeConfig reserved;
  reserved.name = "_alerts";
  reserved.deliver = Delivery::kPrint;
  reserved.printDir = "/tmp";
  c.notices.push_back(reserved);
  issues = validateConfig(c);
  EXPECT_TRUE(has("notices[0].name", "reserved for patrond", false));
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

TEST(MetricsText, FamiliesWithHelpTypeEscapedLabelsAndNumbers) {
  std::vector<MetricFamily> f{
      {"patrond_job_runs_total",
       "Runs\\by status\nsince start",
       "counter",
       {{{{"job", "a\"b\\c\nd"}, {"status", "completed"}}, 3}, {{}, 0.5}}},
      {"patrond_start_time_seconds", "Start.", "gauge", {{{}, 1796000000}}}};
  EXPECT_EQ(renderPrometheus(f),
            "# HELP patrond_job_runs_total Runs\\\\by status\\nsince start\n"
            "# TYPE patrond_job_runs_total counter\n"
            "patrond_job_runs_total{job=\"a\\\"b\\\\c\\nd\",status=\"completed\"} 3\n"
            "patrond_job_runs_total 0.5\n"
            "# HELP patrond_start_time_seconds Start.\n"
            "# TYPE patrond_start_time_seconds gauge\n"
            "patrond_start_time_seconds 1796000000\n");
}

}  // namespace
}  // namespace patrond
