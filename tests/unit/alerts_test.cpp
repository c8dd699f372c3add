// Administrator alert incidents (engine/alerts.h): opened, repeated after repeat_after,
// cleared; the conditions a health report shows; the message each step sends.
#include "engine/alerts.h"

#include <gtest/gtest.h>

#include "engine/display_time.h"

namespace patrond {
namespace {

const FixedOffsetZone kChicago{std::chrono::hours(-5)};

UtcTime at(const char* utc) {
  return *storedInstant(utc, kChicago);
}

AlertsConfig config() {
  AlertsConfig c;
  c.to = {"it-help@example.org"};
  return c;
}

AlertIncident openIncident(std::int64_t id, AlertKind kind, const char* subject,
                           const char* lastSent) {
  return {id, kind, subject, "2026-10-15T13:00:00Z", lastSent, "", "run 8 failed"};
}

TEST(Alerts, ANewConditionOpensAnIncident) {
  auto steps = planAlerts({{AlertKind::kRunFailed, "students", "run 8 failed"}}, {}, config(),
                          at("2026-10-15T13:05:00Z"));
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].step, AlertStepKind::kOpen);
  EXPECT_EQ(steps[0].incident.openedAt, "2026-10-15T13:05:00Z");
  EXPECT_EQ(steps[0].incident.lastSentAt, "2026-10-15T13:05:00Z");
  EXPECT_EQ(steps[0].incident.subject, "students");
}

TEST(Alerts, AnOpenIncidentRepeatsOnlyAfterRepeatAfter) {
  std::vector<AlertCondition> still{{AlertKind::kRunFailed, "students", "run 9 failed"}};
  std::vector<AlertIncident> open{
      openIncident(4, AlertKind::kRunFailed, "students", "2026-10-15T13:00:00Z")};
  EXPECT_TRUE(planAlerts(still, open, config(), at("2026-10-16T12:59:59Z")).empty());
  auto steps = planAlerts(still, open, config(), at("2026-10-16T13:00:00Z"));
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].step, AlertStepKind::kRepeat);
  EXPECT_EQ(steps[0].incident.id, 4);
  EXPECT_EQ(steps[0].incident.lastSentAt, "2026-10-16T13:00:00Z");
  EXPECT_EQ(steps[0].incident.openedAt, "2026-10-15T13:00:00Z");
  EXPECT_EQ(steps[0].incident.text, "run 9 failed");  // what is wrong now
  AlertsConfig hourly = config();
  hourly.repeatAfter = std::chrono::hours(1);
  EXPECT_EQ(planAlerts(still, open, hourly, at("2026-10-15T14:00:00Z")).size(), 1u);
}

TEST(Alerts, AnIncidentNoConditionShowsClearsAndUnwantedKindsNeverOpen) {
  std::vector<AlertIncident> open{
      openIncident(4, AlertKind::kRunFailed, "students", "2026-10-15T13:00:00Z"),
      openIncident(5, AlertKind::kGuardStopped, "students", "2026-10-15T13:00:00Z")};
  AlertsConfig onlyFailures = config();
  onlyFailures.on = {AlertKind::kRunFailed};
  // The guard still shows, but is not wanted (any more): it clears, without a repeat.
  auto steps = planAlerts({{AlertKind::kGuardStopped, "students", "max_percent"},
                           {AlertKind::kRunFailed, "faculty", "run 3 failed"}},
                          open, onlyFailures, at("2026-10-15T14:00:00Z"));
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].step, AlertStepKind::kOpen);
  EXPECT_EQ(steps[0].incident.subject, "faculty");
  EXPECT_EQ(steps[1].step, AlertStepKind::kClear);
  EXPECT_EQ(steps[1].incident.id, 4);
  EXPECT_EQ(steps[1].incident.clearedAt, "2026-10-15T14:00:00Z");
  EXPECT_EQ(steps[2].step, AlertStepKind::kClear);
  EXPECT_EQ(steps[2].incident.id, 5);
}

TEST(Alerts, TheSameConditionTwiceIsOneIncident) {
  auto steps = planAlerts({{AlertKind::kSourceUnreachable, "students", "a"},
                           {AlertKind::kSourceUnreachable, "students", "b"}},
                          {}, config(), at("2026-10-15T14:00:00Z"));
  EXPECT_EQ(steps.size(), 1u);
}

TEST(Alerts, ConditionsComeFromTheHealthReportAndTheServicesSources) {
  HealthReport r;
  JobHealth failed;
  failed.job = "students";
  failed.lastRun = ImportRun{};
  failed.lastRun->id = 8;
  failed.lastRun->status = RunStatus::kFailed;
  failed.lastRun->startedAt = "2026-10-15T08:00:00";
  JobHealth guarded;
  guarded.job = "faculty";
  guarded.guardStopped = true;
  guarded.guardReason = "rows read 1 <= min_records_read 2";
  r.jobs = {failed, guarded};
  OutboxHealth o;
  o.failedRecently = 2;
  o.lastFailedError = "550 no such user";
  r.outbox = o;
  auto c = alertConditions(r, {{"staff", "SFTP: connection refused"}}, kChicago);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].kind, AlertKind::kRunFailed);
  EXPECT_EQ(c[0].text, "run 8 failed (started 2026-10-15T08:00:00-05:00)");
  EXPECT_EQ(c[1].kind, AlertKind::kGuardStopped);
  EXPECT_EQ(c[1].subject, "faculty");
  EXPECT_EQ(c[2].kind, AlertKind::kSourceUnreachable);
  EXPECT_EQ(c[2].subject, "staff");
  EXPECT_EQ(c[3].kind, AlertKind::kDeliveryFailed);
  EXPECT_NE(c[3].text.find("550 no such user"), std::string::npos);
}

TEST(Alerts, EachStepSendsAMessageThroughTheOutbox) {
  AlertStep open{AlertStepKind::kOpen,
                 {0, AlertKind::kGuardStopped, "students", "2026-10-15T13:05:00Z",
                  "2026-10-15T13:05:00Z", "", "would remove 300 of 1200"}};
  OutboxMessage m =
      alertMessage(open, config(), "Springfield", at("2026-10-15T13:05:00Z"), kChicago);
  EXPECT_EQ(m.notice, "_alerts");
  EXPECT_EQ(m.to, std::vector<std::string>{"it-help@example.org"});
  EXPECT_EQ(m.subject,
            "[patrond Springfield] PROBLEM: import students: a guard stopped the lifecycle");
  EXPECT_NE(m.bodyText.find("Since:   2026-10-15T08:05:00-05:00"), std::string::npos) << m.bodyText;
  EXPECT_NE(m.bodyText.find("--max-percent"), std::string::npos);
  EXPECT_EQ(m.noticeDate, "2026-10-15");
  EXPECT_EQ(m.nextAttemptAt, "2026-10-15T13:05:00Z");
  EXPECT_EQ(m.createdAt, "2026-10-15T08:05:00");
  AlertStep clear = open;
  clear.step = AlertStepKind::kClear;
  clear.incident.clearedAt = "2026-10-16T13:05:00Z";
  OutboxMessage c = alertMessage(clear, config(), "", at("2026-10-16T13:05:00Z"), kChicago);
  EXPECT_EQ(c.subject, "[patrond] RESOLVED: import students: a guard stopped the lifecycle");
  EXPECT_NE(c.bodyText.find("Cleared: 2026-10-16T08:05:00-05:00"), std::string::npos);
  EXPECT_NE(c.dedupeKey, m.dedupeKey);
}

}  // namespace
}  // namespace patrond
