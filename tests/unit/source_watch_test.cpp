#include "engine/source_watch.h"

#include <gtest/gtest.h>

namespace patrond {
namespace {

UtcTime at(int s) {
  return UtcTime{Seconds{1'800'000'000 + s}};
}

TEST(SettleTracker, SettlesOnlyAfterTheFileStopsChanging) {
  SettleTracker t(Seconds{5});
  EXPECT_FALSE(t.observe({false, "", 0, 0}, at(0)));
  auto due = t.observe({true, "s.csv", 100, 1}, at(1));
  ASSERT_TRUE(due);
  EXPECT_EQ(*due, at(6));
  EXPECT_FALSE(t.settled(at(3)));
  // Still being written: the clock starts again.
  due = t.observe({true, "s.csv", 200, 2}, at(3));
  EXPECT_EQ(*due, at(8));
  EXPECT_FALSE(t.settled(at(6)));
  // Same size and mtime seen again: no restart.
  due = t.observe({true, "s.csv", 200, 2}, at(7));
  EXPECT_EQ(*due, at(8));
  EXPECT_TRUE(t.settled(at(8)));
  // Removed: nothing to read.
  EXPECT_FALSE(t.observe({false, "", 0, 0}, at(9)));
  EXPECT_FALSE(t.settled(at(20)));
}

}  // namespace
}  // namespace patrond
