// Every printed time is RFC 3339 with its UTC offset in the district's zone (SPEC section 11).
#include "engine/display_time.h"

#include <gtest/gtest.h>

#include "tests/unit/fake_zone.h"

namespace patrond {
namespace {

// 2026: daylight time from 8 March 02:00 to 1 November 02:00 (local).
test::FakeDstZone chicago() {
  return test::FakeDstZone(CivilTime{2026, 3, 8, 2, 0, 0}, CivilTime{2026, 11, 1, 2, 0, 0});
}

TEST(DisplayTime, OffsetsAreSignedHoursAndMinutes) {
  EXPECT_EQ(formatOffset(Seconds{-5 * 3600}), "-05:00");
  EXPECT_EQ(formatOffset(Seconds{5 * 3600 + 30 * 60}), "+05:30");
  EXPECT_EQ(formatOffset(Seconds{0}), "+00:00");
}

TEST(DisplayTime, AnInstantIsShownInDistrictTimeWithTheOffsetOfThatDay) {
  auto zone = chicago();
  EXPECT_EQ(rfc3339(toSysSeconds(CivilTime{2026, 10, 15, 7, 0, 0}), zone),
            "2026-10-15T02:00:00-05:00");
  EXPECT_EQ(rfc3339(toSysSeconds(CivilTime{2026, 12, 15, 8, 0, 0}), zone),
            "2026-12-15T02:00:00-06:00");
  EXPECT_EQ(rfc3339(toSysSeconds(CivilTime{2026, 12, 15, 8, 0, 0}), FixedOffsetZone()),
            "2026-12-15T08:00:00+00:00");
}

TEST(DisplayTime, StoredWallClockAndUtcFormsBothGetTheDistrictOffset) {
  auto zone = chicago();
  EXPECT_EQ(displayTime("2026-10-15T02:00:00", zone), "2026-10-15T02:00:00-05:00");
  EXPECT_EQ(displayTime("2026-10-15T07:00:00Z", zone), "2026-10-15T02:00:00-05:00");
  EXPECT_EQ(displayTime("2026-01-15T02:00:00", zone), "2026-01-15T02:00:00-06:00");
}

TEST(DisplayTime, FallBackHourIsTheEarlierInstantAndAGapTimeKeepsItsDigits) {
  auto zone = chicago();
  EXPECT_EQ(displayTime("2026-11-01T01:30:00", zone), "2026-11-01T01:30:00-05:00");
  EXPECT_EQ(displayTime("2026-03-08T02:30:00", zone), "2026-03-08T02:30:00-06:00");
}

TEST(DisplayTime, NoneDatesAndOtherTextAreLeftAsTheyAre) {
  auto zone = chicago();
  EXPECT_EQ(displayTime("", zone), "");
  EXPECT_EQ(displayTime("2026-10-15", zone), "2026-10-15");
  EXPECT_EQ(displayTime("2026-10-15 02:00:00", zone), "2026-10-15 02:00:00");
  EXPECT_EQ(displayTime("2026-13-45T99:00:00", zone), "2026-13-45T99:00:00");
  EXPECT_EQ(displayTime("2026-10-15T02:00:00-05:00", zone), "2026-10-15T02:00:00-05:00");
}

}  // namespace
}  // namespace patrond
