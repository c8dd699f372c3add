// The service's scheduler (engine/scheduler.h) on simulated time: alarms fire when the test
// moves the clock, so days and weeks of schedule pass in microseconds and no test sleeps.
#include "engine/scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "tests/support/simulated_time.h"
#include "tests/unit/fake_zone.h"
#include "tests/unit/recording_log.h"

namespace patrond {
namespace {

using Kind = ScheduledEvent::Kind;

struct Fired {
  std::string local;  // district wall time when it fired
  std::string what;   // Scheduler::describe
  std::string slot;   // the event's slot (ISO, district time)
  std::string trigger;
};

class Host final : public SchedulerHost {
 public:
  Host(const TimeZone& zone, const Clock& clock) : zone_(zone), clock_(clock) {}
  const Config& config() const override { return config_; }
  const TimeZone& zone() const override { return zone_; }
  Log& log() override { return log_; }
  Result<std::optional<std::string>> lastRunStart(const std::string& job) override {
    if (databaseDown) {
      return Error{"DB", "down", ""};
    }
    auto it = lastRun.find(job);
    return it == lastRun.end() ? std::optional<std::string>() : std::optional(it->second);
  }
  void dispatch(const ScheduledEvent& e, const std::string& trigger) override {
    fired.push_back(
        {formatIso(zone_.toLocal(clock_.now())), Scheduler::describe(e), e.local, trigger});
  }

  Config config_;
  test::RecordingLog log_;
  std::map<std::string, std::string> lastRun;
  bool databaseDown = false;
  std::vector<Fired> fired;

 private:
  const TimeZone& zone_;
  const Clock& clock_;
};

// 2026: DST starts Sunday 8 March 02:00, ends Sunday 1 November 02:00 (America/Chicago rules).
const test::FakeDstZone& chicagoLike() {
  static const test::FakeDstZone zone(CivilTime{2026, 3, 8, 2, 0, 0},
                                      CivilTime{2026, 11, 1, 2, 0, 0});
  return zone;
}

UtcTime local(CivilTime t) {
  return chicagoLike().fromLocal(t).front();
}

ImportJob job(const std::string& name, std::vector<DaySchedule> schedule) {
  ImportJob j;
  j.name = name;
  j.schedule = std::move(schedule);
  return j;
}

std::vector<DaySchedule> weekdaysAt(int h, int m) {
  std::vector<DaySchedule> s;
  for (int d = 1; d <= 5; ++d) {
    s.push_back({d, UpdateType::kIncremental, {{h, m}}});
  }
  return s;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : time_(local({2026, 11, 23, 0, 30, 0})), host_(chicagoLike(), time_) {
    // Nothing else due in these tests unless a test asks: the sweep at 23:59.
    host_.config_.circulation.sweepAt = {23, 59};
  }
  std::vector<std::string> firedWhat() const {
    std::vector<std::string> out;
    for (const auto& f : host_.fired) {
      out.push_back(f.local + " " + f.what + " " + f.trigger);
    }
    return out;
  }

  test::SimulatedTime time_;  // Monday 23 November 2026, 00:30 district time
  Host host_;
};

TEST_F(SchedulerTest, FiresEachEventAtItsTimeAndRearmsForTheNext) {
  host_.config_.imports.push_back(job("students", weekdaysAt(2, 0)));
  host_.config_.imports.push_back(job("staff", {{6, UpdateType::kFull, {{3, 0}}}}));
  Scheduler s(time_, host_);
  s.arm();
  EXPECT_TRUE(
      host_.log_.has("scheduler: next import students (incremental) at "
                     "2026-11-23T02:00:00-06:00"));
  EXPECT_EQ(time_.armed(), 1u) << "one alarm for all timed work";

  time_.advanceTo(local({2026, 11, 23, 1, 59, 59}));
  EXPECT_TRUE(host_.fired.empty());
  time_.advanceTo(local({2026, 11, 28, 12, 0, 0}));  // to Saturday noon
  EXPECT_EQ(firedWhat(), (std::vector<std::string>{
                             "2026-11-23T02:00:00 import students (incremental) schedule",
                             "2026-11-23T23:59:00 circulation sweep schedule",
                             "2026-11-24T02:00:00 import students (incremental) schedule",
                             "2026-11-24T23:59:00 circulation sweep schedule",
                             "2026-11-25T02:00:00 import students (incremental) schedule",
                             "2026-11-25T23:59:00 circulation sweep schedule",
                             "2026-11-26T02:00:00 import students (incremental) schedule",
                             "2026-11-26T23:59:00 circulation sweep schedule",
                             "2026-11-27T02:00:00 import students (incremental) schedule",
                             "2026-11-27T23:59:00 circulation sweep schedule",
                             "2026-11-28T03:00:00 import staff (full) schedule",
                         }));
  EXPECT_EQ(host_.fired.back().slot, "2026-11-28T03:00:00");
  EXPECT_EQ(time_.armed(), 1u);
}

TEST_F(SchedulerTest, ANoticeSlotAndTheSweepShareTheOneAlarm) {
  NoticeConfig n;
  n.name = "weekly-overdues";
  n.schedule = NoticeSchedule{{5}, std::nullopt, {{7, 0}}};
  host_.config_.notices.push_back(n);
  host_.config_.circulation.sweepAt = {1, 0};
  Scheduler s(time_, host_);
  s.arm();
  time_.advanceTo(local({2026, 11, 27, 8, 0, 0}));  // Friday 08:00
  ASSERT_EQ(host_.fired.size(), 6u);                // sweeps Monday to Friday, then the notice
  EXPECT_EQ(host_.fired[4].what, "circulation sweep");
  EXPECT_EQ(host_.fired[4].slot, "2026-11-27T01:00:00");
  EXPECT_EQ(host_.fired[5].what, "notice weekly-overdues");
  EXPECT_EQ(host_.fired[5].local, "2026-11-27T07:00:00");
  EXPECT_EQ(host_.fired[5].slot, "2026-11-27T07:00:00");
}

TEST_F(SchedulerTest, ArmingAgainOnReloadReplacesTheAlarm) {
  host_.config_.imports.push_back(job("students", weekdaysAt(2, 0)));
  Scheduler s(time_, host_);
  s.arm();
  // A reload moves the job to 04:00: the 02:00 alarm must not fire as well.
  host_.config_.imports[0].schedule = weekdaysAt(4, 0);
  s.arm();
  EXPECT_EQ(time_.armed(), 1u);
  time_.advanceTo(local({2026, 11, 23, 5, 0, 0}));
  EXPECT_EQ(
      firedWhat(),
      (std::vector<std::string>{"2026-11-23T04:00:00 import students (incremental) schedule"}));
}

TEST_F(SchedulerTest, CancelledNothingFires) {
  host_.config_.imports.push_back(job("students", weekdaysAt(2, 0)));
  Scheduler s(time_, host_);
  s.arm();
  s.cancel();
  time_.advanceTo(local({2026, 11, 30, 0, 0, 0}));
  EXPECT_TRUE(host_.fired.empty());
  EXPECT_EQ(time_.armed(), 0u);
}

TEST_F(SchedulerTest, TheSweepIsAlwaysScheduled) {
  host_.config_.circulation.sweepAt = {23, 59};
  host_.config_.imports.push_back(job("students", {}));
  Scheduler s(time_, host_);
  auto next = s.next(time_.now());
  ASSERT_TRUE(next);  // the sweep is always there
  EXPECT_EQ(next->kind, Kind::kSweep);
}

// Spring forward: 02:30 does not exist on 8 March; the run goes at the first minute after
// the gap. Fall back: 01:30 happens twice on 1 November; the run goes once, at the first.
TEST(SchedulerDst, RunsOnceAcrossBothDaylightSavingChanges) {
  test::SimulatedTime time(local({2026, 3, 7, 12, 0, 0}));
  Host host(chicagoLike(), time);
  host.config_.circulation.sweepAt = {12, 0};
  std::vector<DaySchedule> daily;
  for (int d = 0; d < 7; ++d) {
    daily.push_back({d, UpdateType::kIncremental, {{2, 30}}});
  }
  host.config_.imports.push_back(job("students", daily));
  Scheduler s(time, host);
  s.arm();
  time.advanceTo(local({2026, 3, 9, 11, 0, 0}));
  std::vector<std::string> imports;
  for (const auto& f : host.fired) {
    if (f.what.rfind("import", 0) == 0) {
      imports.push_back(f.local);
    }
  }
  EXPECT_EQ(imports, (std::vector<std::string>{"2026-03-08T03:00:00", "2026-03-09T02:30:00"}));

  test::SimulatedTime fall(local({2026, 10, 31, 12, 0, 0}));
  Host host2(chicagoLike(), fall);
  host2.config_.circulation.sweepAt = {12, 0};
  std::vector<DaySchedule> at0130;
  for (int d = 0; d < 7; ++d) {
    at0130.push_back({d, UpdateType::kIncremental, {{1, 30}}});
  }
  host2.config_.imports.push_back(job("students", at0130));
  Scheduler s2(fall, host2);
  s2.arm();
  fall.advanceTo(local({2026, 11, 1, 11, 0, 0}));
  int runs = 0;
  for (const auto& f : host2.fired) {
    runs += f.what.rfind("import", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(runs, 1);
}

TEST_F(SchedulerTest, AMissedImportSlotRunsOnceWhenTheJobHasNotRunSince) {
  host_.config_.imports.push_back(job("students", weekdaysAt(2, 0)));
  host_.config_.imports.push_back(job("staff", weekdaysAt(3, 0)));
  time_.advanceTo(local({2026, 11, 23, 9, 30, 0}));   // the service starts Monday 09:30
  host_.lastRun["students"] = "2026-11-20T02:00:04";  // Friday's run: Monday's was missed
  host_.lastRun["staff"] = "2026-11-23T03:00:02";     // ran at 03:00 (another instance)
  Scheduler s(time_, host_);
  s.runMissed();
  EXPECT_EQ(firedWhat(),
            (std::vector<std::string>{"2026-11-23T09:30:00 import students (incremental) missed"}));
  EXPECT_EQ(host_.fired[0].slot, "2026-11-23T02:00:00");
  EXPECT_TRUE(host_.log_.has("import students missed its run at 2026-11-23T02:00:00-06:00"));
}

TEST_F(SchedulerTest, AJobThatNeverRanRunsItsMissedSlotButNotOneOlderThanADay) {
  host_.config_.imports.push_back(job("students", weekdaysAt(2, 0)));
  time_.advanceTo(local({2026, 11, 29, 9, 0, 0}));  // Sunday: the last slot was Friday
  Scheduler s(time_, host_);
  s.runMissed();
  EXPECT_TRUE(host_.fired.empty());
  time_.advanceTo(local({2026, 11, 30, 9, 0, 0}));  // Monday 09:00, never ran
  s.runMissed();
  EXPECT_EQ(firedWhat(),
            (std::vector<std::string>{"2026-11-30T09:00:00 import students (incremental) missed"}));
}

TEST_F(SchedulerTest, TheDatabaseDownLeavesMissedRunsForLater) {
  host_.config_.imports.push_back(job("students", weekdaysAt(2, 0)));
  time_.advanceTo(local({2026, 11, 23, 9, 30, 0}));
  host_.databaseDown = true;
  Scheduler s(time_, host_);
  s.runMissed();
  EXPECT_TRUE(host_.fired.empty());
  host_.databaseDown = false;  // reconnected: checked again
  s.runMissed();
  EXPECT_EQ(host_.fired.size(), 1u);
}

TEST_F(SchedulerTest, AMissedNoticeSlotRunsOnlyTheSameDistrictDay) {
  NoticeConfig n;
  n.name = "weekly-overdues";
  n.schedule = NoticeSchedule{{1}, std::nullopt, {{7, 0}}};  // Mondays 07:00
  host_.config_.notices.push_back(n);
  time_.advanceTo(local({2026, 11, 23, 9, 30, 0}));  // Monday 09:30: same day
  Scheduler s(time_, host_);
  s.runMissedNotices();
  EXPECT_EQ(firedWhat(),
            (std::vector<std::string>{"2026-11-23T09:30:00 notice weekly-overdues missed"}));
  EXPECT_EQ(host_.fired[0].slot, "2026-11-23T07:00:00");
  host_.fired.clear();
  time_.advanceTo(local({2026, 11, 24, 6, 0, 0}));  // Tuesday 06:00: within 24 h, not today
  s.runMissedNotices();
  EXPECT_TRUE(host_.fired.empty());
}

TEST(SimulatedTime, AlarmsFireInTimeOrderAndACallbackMayArmAnother) {
  test::SimulatedTime time(UtcTime{Seconds{1000}});
  auto a = time.makeAlarm();
  auto b = time.makeAlarm();
  std::vector<std::string> order;
  a->armAfter(std::chrono::seconds(10), [&] {
    order.push_back("a@" + std::to_string(time.now().time_since_epoch().count()));
    a->armAfter(std::chrono::seconds(10), [&] {
      order.push_back("a2@" + std::to_string(time.now().time_since_epoch().count()));
    });
  });
  b->armAt(UtcTime{Seconds{1015}},
           [&] { order.push_back("b@" + std::to_string(time.now().time_since_epoch().count())); });
  time.advance(std::chrono::seconds(30));
  EXPECT_EQ(order, (std::vector<std::string>{"a@1010", "b@1015", "a2@1020"}));
  EXPECT_EQ(time.now(), UtcTime{Seconds{1030}});
  b->armAfter(std::chrono::seconds(5), [&] { order.push_back("never"); });
  b.reset();  // destroyed: cancelled
  time.advance(std::chrono::seconds(30));
  EXPECT_EQ(order.size(), 3u);
}

}  // namespace
}  // namespace patrond
