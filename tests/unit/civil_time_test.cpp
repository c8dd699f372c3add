#include "engine/civil_time.h"

#include <gtest/gtest.h>

namespace patrond {
namespace {

TEST(CivilTime, ParsesDatesAndDateTimes) {
  auto d = parseCivilTime("2026-10-15");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->year, 2026);
  EXPECT_EQ(d->month, 10);
  EXPECT_EQ(d->day, 15);
  EXPECT_EQ(d->hour, 0);
  auto t = parseCivilTime("2026-10-15 02:30");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hour, 2);
  EXPECT_EQ(t->minute, 30);
  EXPECT_TRUE(parseCivilTime("2026-10-15T02:30:59"));
}

TEST(CivilTime, RejectsImpossibleDates) {
  EXPECT_FALSE(parseCivilTime("2026-02-29"));
  EXPECT_TRUE(parseCivilTime("2028-02-29"));
  EXPECT_FALSE(parseCivilTime("2026-13-01"));
  EXPECT_FALSE(parseCivilTime("2026-10-15 24:00"));
  EXPECT_FALSE(parseCivilTime("15/10/2026"));
  EXPECT_FALSE(parseCivilTime(""));
  EXPECT_FALSE(parseCivilTime("2026-10-15 02:3"));
}

TEST(CivilTime, TimeOfDay) {
  auto t = parseTimeOfDay("7:05");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hour, 7);
  EXPECT_EQ(t->minute, 5);
  EXPECT_EQ(formatTimeOfDay(*t), "07:05");
  EXPECT_FALSE(parseTimeOfDay("25:00"));
  EXPECT_FALSE(parseTimeOfDay("0700"));
  EXPECT_FALSE(parseTimeOfDay("07:5"));
}

TEST(CivilTime, FormatsIso) {
  CivilTime t{2026, 1, 2, 3, 4, 5};
  EXPECT_EQ(formatIso(t), "2026-01-02T03:04:05");
  EXPECT_EQ(formatDate(t), "2026-01-02");
}

TEST(CivilTime, DayArithmeticAcrossLeapDay) {
  CivilTime t{2028, 2, 28, 10, 0, 0};
  EXPECT_EQ(formatDate(addDays(t, 1)), "2028-02-29");
  EXPECT_EQ(formatDate(addDays(t, 2)), "2028-03-01");
  EXPECT_EQ(daysBetween(t, CivilTime{2028, 3, 1}), 2);
  EXPECT_EQ(weekday(CivilTime{2026, 11, 23}), 1);  // a Monday
}

}  // namespace
}  // namespace patrond
