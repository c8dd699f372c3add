// issue 18: who `patrons delete` deletes and who it refuses, and why (engine/patron_deletion.h).
#include "engine/patron_deletion.h"

#include <gtest/gtest.h>

namespace patrond {
namespace {

DeletionCandidate candidate(std::int64_t id, std::int64_t loans = 0, std::int64_t cents = 0) {
  DeletionCandidate c;
  c.id = id;
  c.districtId = "S" + std::to_string(id);
  c.openLoans = loans;
  c.unpaidCents = cents;
  return c;
}

TEST(PatronDeletion, OpenLoansAndUnpaidFinesAreNamedAsReasons) {
  EXPECT_TRUE(deletionBlocks(candidate(1)).empty());
  EXPECT_EQ(deletionBlocks(candidate(1, 1)), std::vector<std::string>{"1 open loan"});
  EXPECT_EQ(deletionBlocks(candidate(1, 2, 1250)),
            (std::vector<std::string>{"2 open loans", "unpaid fines 12.50"}));
  EXPECT_EQ(deletionBlocks(candidate(1, 0, 5)), std::vector<std::string>{"unpaid fines 0.05"});
  // A credit (paid more than owed) is nothing owed.
  EXPECT_TRUE(deletionBlocks(candidate(1, 0, -100)).empty());
}

TEST(PatronDeletion, OneRefusalDeletesNobodyUnlessWithTransactions) {
  std::vector<DeletionCandidate> all{candidate(1), candidate(2, 1), candidate(3, 0, 700)};
  auto refused = planHandDeletion(all, false);
  EXPECT_TRUE(refused.deleted.empty());
  ASSERT_EQ(refused.refused.size(), 2u);
  EXPECT_EQ(refused.refused[0].patron.districtId, "S2");
  EXPECT_EQ(refused.refused[1].reasons, std::vector<std::string>{"unpaid fines 7.00"});
  auto forced = planHandDeletion(all, true);
  EXPECT_TRUE(forced.refused.empty());
  ASSERT_EQ(forced.deleted.size(), 3u);
  EXPECT_EQ(forced.deleted[1].openLoans, 1);
}

TEST(PatronDeletion, APatronNamedTwiceIsDeletedOnce) {
  auto plan = planHandDeletion({candidate(4), candidate(5), candidate(4)}, false);
  ASSERT_EQ(plan.deleted.size(), 2u);
  EXPECT_EQ(plan.deleted[0].id, 4);
  EXPECT_EQ(plan.deleted[1].id, 5);
}

}  // namespace
}  // namespace patrond
