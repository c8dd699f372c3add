#include "engine/schedule.h"

#include <gtest/gtest.h>

#include "tests/unit/fake_zone.h"

namespace patrond {
namespace {

// 2026: DST starts Sunday 8 March 02:00, ends Sunday 1 November 02:00 (America/Chicago rules).
test::FakeDstZone chicagoLike() {
  return test::FakeDstZone(CivilTime{2026, 3, 8, 2, 0, 0}, CivilTime{2026, 11, 1, 2, 0, 0});
}

UtcTime at(const TimeZone& z, CivilTime local) {
  return z.fromLocal(local).front();
}

std::vector<DaySchedule> everyDayAt(int h, int m, UpdateType u = UpdateType::kIncremental) {
  std::vector<DaySchedule> s;
  for (int d = 0; d < 7; ++d) {
    s.push_back({d, u, {{h, m}}});
  }
  return s;
}

TEST(Schedule, NextRunIsLaterTheSameDayOrOnTheNextScheduledDay) {
  FixedOffsetZone utc;
  // Monday incremental 02:00, Saturday full 03:00.
  std::vector<DaySchedule> s{{1, UpdateType::kIncremental, {{2, 0}}},
                             {6, UpdateType::kFull, {{3, 0}}}};
  auto r = nextRun(s, at(utc, {2026, 11, 23, 1, 0, 0}), utc);  // Monday 01:00
  ASSERT_TRUE(r);
  EXPECT_EQ(formatIso(r->local), "2026-11-23T02:00:00");
  EXPECT_EQ(r->update, UpdateType::kIncremental);
  r = nextRun(s, at(utc, {2026, 11, 23, 2, 0, 0}), utc);  // exactly at: strictly after
  ASSERT_TRUE(r);
  EXPECT_EQ(formatIso(r->local), "2026-11-28T03:00:00");
  EXPECT_EQ(r->update, UpdateType::kFull);
}

TEST(Schedule, EmptyScheduleNeverRuns) {
  FixedOffsetZone utc;
  EXPECT_FALSE(nextRun({}, at(utc, {2026, 1, 1, 0, 0, 0}), utc));
}

TEST(Schedule, SpringForwardGapRunsAtFirstMinuteAfter) {
  auto z = chicagoLike();
  auto r = nextRun(everyDayAt(2, 30), at(z, {2026, 3, 8, 0, 0, 0}), z);
  ASSERT_TRUE(r);
  EXPECT_EQ(formatIso(z.toLocal(r->at)), "2026-03-08T03:00:00");
  // And the day after is back to 02:30.
  auto next = nextRun(everyDayAt(2, 30), r->at, z);
  ASSERT_TRUE(next);
  EXPECT_EQ(formatIso(z.toLocal(next->at)), "2026-03-09T02:30:00");
}

TEST(Schedule, FallBackRepeatedTimeRunsOnce) {
  auto z = chicagoLike();
  auto first = nextRun(everyDayAt(1, 30), at(z, {2026, 11, 1, 0, 0, 0}), z);
  ASSERT_TRUE(first);
  EXPECT_EQ(formatIso(z.toLocal(first->at)), "2026-11-01T01:30:00");
  auto second = nextRun(everyDayAt(1, 30), first->at, z);
  ASSERT_TRUE(second);
  EXPECT_EQ(formatIso(z.toLocal(second->at)), "2026-11-02T01:30:00");
  EXPECT_EQ((second->at - first->at).count(), 25 * 3600);
}

TEST(Schedule, LeapDay) {
  FixedOffsetZone utc;
  std::vector<DaySchedule> thursdays{{4, UpdateType::kFull, {{3, 0}}}};
  auto r = nextRun(thursdays, at(utc, {2028, 2, 25, 0, 0, 0}), utc);  // Friday
  ASSERT_TRUE(r);
  EXPECT_EQ(formatDate(r->local), "2028-03-02");
  auto daily = nextRun(everyDayAt(3, 0), at(utc, {2028, 2, 28, 4, 0, 0}), utc);
  ASSERT_TRUE(daily);
  EXPECT_EQ(formatDate(daily->local), "2028-02-29");
}

TEST(Schedule, SeveralTimesADayPickTheEarliestAfter) {
  FixedOffsetZone utc;
  std::vector<DaySchedule> s{{1, UpdateType::kIncremental, {{14, 0}, {2, 0}}}};
  auto r = nextRun(s, at(utc, {2026, 11, 23, 3, 0, 0}), utc);
  ASSERT_TRUE(r);
  EXPECT_EQ(formatIso(r->local), "2026-11-23T14:00:00");
}

TEST(Schedule, NoticeDays) {
  FixedOffsetZone utc;
  NoticeSchedule s;
  s.days = {5};
  s.at = {{7, 0}};
  auto r = nextNoticeRun(s, at(utc, {2026, 11, 23, 0, 0, 0}), utc);
  ASSERT_TRUE(r);
  EXPECT_EQ(formatIso(fromSysSeconds(*r)), "2026-11-27T07:00:00");
}

TEST(Schedule, StatisticalYear) {
  EXPECT_EQ(statisticalYearStart({2026, 10, 15}, 8), 2026);
  EXPECT_EQ(statisticalYearStart({2026, 7, 15}, 8), 2025);
  EXPECT_EQ(statisticalYearStart({2026, 8, 1}, 8), 2026);
}

}  // namespace
}  // namespace patrond
