// The per-patron job summary's pure parts: what counts as a change, the password never
// shown, the order entries are kept in and the cap.
#include "engine/run_patrons.h"

#include <gtest/gtest.h>

#include "engine/run_patron_recorder.h"

namespace patrond {
namespace {

TEST(RunPatrons, ChangedFieldsListsOnlyChangesAndNeverAPassword) {
  Patron after;
  after.get(PatronField::kLastName) = "Renamed";
  after.get(PatronField::kHomeroom) = "Smith 104";
  after.get(PatronField::kPassword) = "$argon2id$v=19$new-hash";
  std::vector<PatronField> fields{PatronField::kLastName, PatronField::kHomeroom,
                                  PatronField::kPassword};
  auto changes = changedFields(fields, {"Old", "Smith 104", "$argon2id$v=19$old-hash"}, after);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].field, "last_name");
  EXPECT_EQ(changes[0].before, "Old");
  EXPECT_EQ(changes[0].after, "Renamed");
  EXPECT_EQ(changes[1].field, "password");
  EXPECT_EQ(changes[1].before, "changed");
  EXPECT_EQ(changes[1].after, "changed");
  // No new password written: no password change, whatever is stored.
  after.get(PatronField::kPassword).clear();
  changes = changedFields(fields, {"Renamed", "Smith 104", "$argon2id$v=19$old-hash"}, after);
  EXPECT_TRUE(changes.empty());
}

TEST(RunPatrons, ActionNamesRoundTrip) {
  for (auto a : {PatronAction::kAdded, PatronAction::kUpdated, PatronAction::kReactivated,
                 PatronAction::kInactivated, PatronAction::kDeleted}) {
    EXPECT_EQ(patronActionByName(patronActionName(a)), a);
  }
  EXPECT_FALSE(patronActionByName("renamed").has_value());
}

TEST(RunPatrons, LogKeepsEntriesByActionThenLineUpToItsCap) {
  RunPatronLog log(true, 3);
  log.add({PatronAction::kUpdated, "S7", 7, "", {}});
  log.add({PatronAction::kAdded, "S9", 9, "", {}});
  log.add({PatronAction::kAdded, "S2", 2, "", {}});
  log.add({PatronAction::kAdded, "S1", 1, "", {}});  // beyond the cap: dropped
  auto kept = log.take();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].key, "S2");
  EXPECT_EQ(kept[1].key, "S9");
  EXPECT_EQ(kept[2].key, "S7");
  EXPECT_TRUE(log.take().empty());
}

TEST(RunPatrons, RecorderOffOrFullKeepsNothingMore) {
  RunPatronRecorder off(false, PatronField::kDistrictId);
  off.added("S1", 2);
  off.lifecycle(PatronAction::kDeleted, "S2", "delete_inactive");
  EXPECT_TRUE(off.take().empty());
  RunPatronRecorder capped(true, PatronField::kDistrictId, 2);
  capped.added("S1", 2);
  capped.willWrite(42, 3);  // promised to an update, counts against the cap
  capped.lifecycle(PatronAction::kDeleted, "S2", "delete_inactive");
  auto kept = capped.take();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].key, "S1");
}

}  // namespace
}  // namespace patrond
