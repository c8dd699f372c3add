// Health and the alert check as use cases on the in-memory store (engine/health_check.h): a
// failed run opens an incident with its first error and queues one e-mail, a later check
// repeats it only after repeat_after, and a completed run clears it. No database, no server.
#include "engine/health_check.h"

#include <gtest/gtest.h>

#include "adapters/memory/memory_store.h"
#include "engine/display_time.h"
#include "tests/unit/recording_log.h"

namespace patrond {
namespace {

const FixedOffsetZone kChicago{std::chrono::hours(-5)};

UtcTime utc(const char* text) {
  return *storedInstant(text, kChicago);
}

class CountingIds final : public MessageIds {
 public:
  std::string next(const std::string& date) override {
    return "<" + std::to_string(++n) + "." + date + "@test.example>";
  }
  int n = 0;
};

class HealthCheckUseCase : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = memory::openStore(memory::newDatabase());
    ASSERT_TRUE(store_->migrate());
    config_.district.name = "Lincoln USD";
    ImportJob job;
    job.name = "students";
    config_.imports.push_back(job);
    AlertsConfig alerts;
    alerts.to = {"it-help@example.org"};
    config_.monitoring.alerts = alerts;
  }

  // A run of `students` started at `started` (district time) that ended as `status`.
  void recordRun(const std::string& started, RunStatus status, const std::string& error = "") {
    ImportRun run;
    run.job = "students";
    run.startedAt = started;
    run.trigger = "schedule";
    auto id = store_->openRun(run);
    ASSERT_TRUE(id) << id.error().describe();
    run.id = *id;
    run.status = status;
    run.finishedAt = started;
    std::vector<RunMessage> messages;
    if (!error.empty()) {
      messages.push_back({Severity::kError, 12, "S1002", "UNKNOWN_SITE", error});
    }
    ASSERT_TRUE(store_->closeRun(run, messages));
  }

  Result<std::vector<AlertStep>> check(const char* when) {
    return checkAlerts({*store_, store_->outbox(), store_->alerts(), ids_}, config_, utc(when),
                       kChicago, {}, log_);
  }

  std::vector<OutboxMessage> queued() {
    auto list = store_->outbox().list("queued", 100);
    EXPECT_TRUE(list) << list.error().describe();
    return list ? *list : std::vector<OutboxMessage>{};
  }

  std::unique_ptr<PatronStore> store_;
  Config config_;
  CountingIds ids_;
  test::RecordingLog log_;
};

TEST_F(HealthCheckUseCase, CollectHealthReadsEachJobsRunsAndTheOutbox) {
  recordRun("2026-10-15T02:00:00", RunStatus::kCompleted);
  recordRun("2026-10-16T02:00:00", RunStatus::kFailed, "site 'XHS' is not configured");
  HealthInput in =
      collectHealth(*store_, store_->outbox(), config_, "", utc("2026-10-16T08:00:00Z"), kChicago);
  EXPECT_TRUE(in.databaseProblem.empty()) << in.databaseProblem;
  ASSERT_EQ(in.jobs.size(), 1u);
  ASSERT_EQ(in.jobs[0].runs.size(), 2u);
  EXPECT_EQ(in.jobs[0].runs[0].status, RunStatus::kFailed);  // newest first
  EXPECT_TRUE(in.outbox.has_value());
  EXPECT_EQ(evaluateHealth(in).state, HealthState::kCritical);
  // One job asked for: that job only, and the outbox is not read.
  HealthInput one = collectHealth(*store_, store_->outbox(), config_, "students",
                                  utc("2026-10-16T08:00:00Z"), kChicago);
  EXPECT_EQ(one.jobs.size(), 1u);
  EXPECT_FALSE(one.outbox.has_value());
  HealthInput none = collectHealth(*store_, store_->outbox(), config_, "staff",
                                   utc("2026-10-16T08:00:00Z"), kChicago);
  EXPECT_TRUE(none.jobs.empty());
}

TEST_F(HealthCheckUseCase, AFailedRunOpensOneIncidentRepeatsAfterADayAndClearsOnSuccess) {
  recordRun("2026-10-15T02:00:00", RunStatus::kFailed, "site 'XHS' is not configured");

  auto opened = check("2026-10-15T07:05:00Z");
  ASSERT_TRUE(opened) << opened.error().describe();
  ASSERT_EQ(opened->size(), 1u);
  EXPECT_EQ((*opened)[0].step, AlertStepKind::kOpen);
  EXPECT_EQ((*opened)[0].incident.subject, "students");
  // The alert says why: the run's first error, with its code.
  EXPECT_NE((*opened)[0].incident.text.find("UNKNOWN_SITE: site 'XHS' is not configured"),
            std::string::npos)
      << (*opened)[0].incident.text;
  auto mail = queued();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].notice, kAlertNotice);
  EXPECT_EQ(mail[0].to, std::vector<std::string>{"it-help@example.org"});
  EXPECT_EQ(mail[0].messageId.rfind("<1.", 0), 0u) << mail[0].messageId;
  EXPECT_TRUE(log_.has("alert opened: run_failed students")) << log_.lines.size();
  auto open = store_->alerts().openIncidents();
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);

  // A minute later, an hour later: the incident is open and was just sent; nothing new.
  for (const char* when : {"2026-10-15T07:06:00Z", "2026-10-15T08:05:00Z"}) {
    auto again = check(when);
    ASSERT_TRUE(again) << again.error().describe();
    EXPECT_TRUE(again->empty()) << when;
  }
  EXPECT_EQ(queued().size(), 1u);

  // repeat_after (a day) later it is sent again.
  auto repeated = check("2026-10-16T07:05:00Z");
  ASSERT_TRUE(repeated);
  ASSERT_EQ(repeated->size(), 1u);
  EXPECT_EQ((*repeated)[0].step, AlertStepKind::kRepeat);
  EXPECT_EQ(queued().size(), 2u);

  // The next run completes: the incident clears, with one last e-mail, logged at info.
  recordRun("2026-10-16T02:30:00", RunStatus::kCompleted);
  auto cleared = check("2026-10-16T07:35:00Z");
  ASSERT_TRUE(cleared);
  ASSERT_EQ(cleared->size(), 1u);
  EXPECT_EQ((*cleared)[0].step, AlertStepKind::kClear);
  EXPECT_EQ(queued().size(), 3u);
  EXPECT_EQ(ids_.n, 3);
  open = store_->alerts().openIncidents();
  ASSERT_TRUE(open);
  EXPECT_TRUE(open->empty());
}

TEST_F(HealthCheckUseCase, AnUnreachableSourceIsAnIncidentToo) {
  recordRun("2026-10-15T02:00:00", RunStatus::kCompleted);
  auto steps = checkAlerts({*store_, store_->outbox(), store_->alerts(), ids_}, config_,
                           utc("2026-10-15T07:05:00Z"), kChicago,
                           {{"students", "sftp.example.org: connection refused"}}, log_);
  ASSERT_TRUE(steps) << steps.error().describe();
  ASSERT_EQ(steps->size(), 1u);
  EXPECT_EQ((*steps)[0].incident.kind, AlertKind::kSourceUnreachable);
  EXPECT_EQ(queued().size(), 1u);
}

TEST_F(HealthCheckUseCase, WithoutMonitoringAlertsNothingIsCheckedOrQueued) {
  config_.monitoring.alerts.reset();
  recordRun("2026-10-15T02:00:00", RunStatus::kFailed, "boom");
  auto steps = check("2026-10-15T07:05:00Z");
  ASSERT_TRUE(steps);
  EXPECT_TRUE(steps->empty());
  EXPECT_TRUE(queued().empty());
  EXPECT_EQ(ids_.n, 0);
}

}  // namespace
}  // namespace patrond
