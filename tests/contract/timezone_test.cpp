// The TimeZone adapter against the system's zoneinfo, and the schedule maths over real zones.
#include <gtest/gtest.h>

#include "adapters/timezone/tz_zone.h"
#include "engine/schedule.h"

namespace patrond {
namespace {

std::vector<DaySchedule> daily(int h, int m) {
  std::vector<DaySchedule> s;
  for (int d = 0; d < 7; ++d) {
    s.push_back({d, UpdateType::kIncremental, {{h, m}}});
  }
  return s;
}

std::string nextLocal(const TimeZone& z, CivilTime after, int h, int m) {
  auto r = nextRun(daily(h, m), z.fromLocal(after).front(), z);
  return r ? formatIso(z.toLocal(r->at)) : "none";
}

TEST(TimeZoneAdapter, KnowsIanaNames) {
  EXPECT_TRUE(tz::zoneExists("America/Chicago"));
  EXPECT_TRUE(tz::zoneExists("Europe/London"));
  EXPECT_FALSE(tz::zoneExists("America/Chikago"));
  EXPECT_FALSE(tz::makeZone("Nowhere/Else").ok());
  EXPECT_TRUE(tz::makeZone("").ok());  // the system's local zone
}

TEST(TimeZoneAdapter, ChicagoSpringForwardAndFallBack) {
  auto z = std::move(*tz::makeZone("America/Chicago"));
  // 2026-03-08: 02:00-02:59 does not exist.
  EXPECT_TRUE(z->fromLocal({2026, 3, 8, 2, 30, 0}).empty());
  EXPECT_EQ(nextLocal(*z, {2026, 3, 8, 0, 0, 0}, 2, 30), "2026-03-08T03:00:00");
  // 2026-11-01: 01:00-01:59 happens twice; the run happens once.
  EXPECT_EQ(z->fromLocal({2026, 11, 1, 1, 30, 0}).size(), 2u);
  auto first = nextRun(daily(1, 30), z->fromLocal({2026, 11, 1, 0, 0, 0}).front(), *z);
  ASSERT_TRUE(first);
  auto second = nextRun(daily(1, 30), first->at, *z);
  ASSERT_TRUE(second);
  EXPECT_EQ(formatIso(z->toLocal(second->at)), "2026-11-02T01:30:00");
}

TEST(TimeZoneAdapter, LondonSpringForwardAndFallBack) {
  auto z = std::move(*tz::makeZone("Europe/London"));
  // 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT.
  EXPECT_TRUE(z->fromLocal({2026, 3, 29, 1, 15, 0}).empty());
  EXPECT_EQ(nextLocal(*z, {2026, 3, 29, 0, 30, 0}, 1, 15), "2026-03-29T02:00:00");
  EXPECT_EQ(z->fromLocal({2026, 10, 25, 1, 15, 0}).size(), 2u);
  auto first = nextRun(daily(1, 15), z->fromLocal({2026, 10, 25, 0, 0, 0}).front(), *z);
  ASSERT_TRUE(first);
  auto second = nextRun(daily(1, 15), first->at, *z);
  ASSERT_TRUE(second);
  EXPECT_EQ(formatIso(z->toLocal(second->at)), "2026-10-26T01:15:00");
}

TEST(TimeZoneAdapter, LeapDayInChicago) {
  auto z = std::move(*tz::makeZone("America/Chicago"));
  EXPECT_EQ(nextLocal(*z, {2028, 2, 28, 23, 0, 0}, 2, 0), "2028-02-29T02:00:00");
}

}  // namespace
}  // namespace patrond
