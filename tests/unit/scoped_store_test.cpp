// ScopedTransaction and ScopedLease over fakes of the one small port each needs
// (engine/ports/unit_of_work.h, engine/ports/lease_store.h).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/scoped_lease.h"
#include "engine/scoped_transaction.h"
#include "tests/unit/recording_log.h"

namespace patrond {
namespace {

class FakeWork final : public UnitOfWork {
 public:
  std::vector<std::string> calls;
  bool failBegin = false, failCommit = false;

  Result<void> begin() override { return record("begin", failBegin); }
  Result<void> commit() override { return record("commit", failCommit); }
  Result<void> rollback() override { return record("rollback", false); }

 private:
  Result<void> record(const std::string& call, bool fail) {
    calls.push_back(call);
    if (fail) {
      return Error{"DB", call + " failed", ""};
    }
    return okResult();
  }
};

TEST(ScopedTransaction, CommittedTransactionIsNotRolledBack) {
  FakeWork work;
  {
    auto tx = ScopedTransaction::begin(work);
    ASSERT_TRUE(tx);
    EXPECT_TRUE(tx->commit());
  }
  EXPECT_EQ(work.calls, (std::vector<std::string>{"begin", "commit"}));
}

TEST(ScopedTransaction, LeftScopeRollsBack) {
  FakeWork work;
  {
    auto tx = ScopedTransaction::begin(work);
    ASSERT_TRUE(tx);
  }
  EXPECT_EQ(work.calls, (std::vector<std::string>{"begin", "rollback"}));
}

TEST(ScopedTransaction, FailedCommitIsRolledBackOnce) {
  FakeWork work;
  work.failCommit = true;
  {
    auto tx = ScopedTransaction::begin(work);
    ASSERT_TRUE(tx);
    auto r = tx->commit();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "commit failed");
  }
  EXPECT_EQ(work.calls, (std::vector<std::string>{"begin", "commit", "rollback"}));
}

TEST(ScopedTransaction, FailedBeginReturnsItsErrorAndRollsNothingBack) {
  FakeWork work;
  work.failBegin = true;
  {
    auto tx = ScopedTransaction::begin(work);
    ASSERT_FALSE(tx);
    EXPECT_EQ(tx.error().message, "begin failed");
  }
  EXPECT_EQ(work.calls, (std::vector<std::string>{"begin"}));
}

TEST(ScopedTransaction, ExplicitRollbackEndsItOnce) {
  FakeWork work;
  {
    auto tx = ScopedTransaction::begin(work);
    ASSERT_TRUE(tx);
    EXPECT_TRUE(tx->rollback());
  }
  EXPECT_EQ(work.calls, (std::vector<std::string>{"begin", "rollback"}));
}

class FakeLeases final : public LeaseStore {
 public:
  std::vector<std::string> calls;
  bool free = true, failRelease = false;
  std::string renewedTo;

  Result<bool> acquireLease(const std::string& name, const std::string& holder, const std::string&,
                            const std::string&, const HolderCheck&) override {
    calls.push_back("acquire " + name + " " + holder);
    return free;
  }
  Result<bool> renewLease(const std::string& name, const std::string& holder,
                          const std::string& untilIso, const std::string& newHolder) override {
    calls.push_back("renew " + name + " " + holder + " " + untilIso + " " + newHolder);
    return true;
  }
  Result<void> releaseLease(const std::string& name, const std::string& holder) override {
    calls.push_back("release " + name + " " + holder);
    if (failRelease) {
      return Error{"DB", "release failed", ""};
    }
    return okResult();
  }
};

TEST(ScopedLease, ReleasedWhenItGoes) {
  FakeLeases leases;
  {
    auto got = ScopedLease::acquire(leases, "import:students", "me", "t0", "t1");
    ASSERT_TRUE(got);
    ASSERT_TRUE(got->has_value());
  }
  EXPECT_EQ(leases.calls,
            (std::vector<std::string>{"acquire import:students me", "release import:students me"}));
}

TEST(ScopedLease, HeldElsewhereIsNulloptAndReleasesNothing) {
  FakeLeases leases;
  leases.free = false;
  {
    auto got = ScopedLease::acquire(leases, "import:students", "me", "t0", "t1");
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->has_value());
  }
  EXPECT_EQ(leases.calls, (std::vector<std::string>{"acquire import:students me"}));
}

TEST(ScopedLease, FailedReleaseInTheDestructorIsLoggedAsAWarning) {
  FakeLeases leases;
  leases.failRelease = true;
  test::RecordingLog log;
  {
    auto got = ScopedLease::acquire(leases, "notice:overdue", "me", "t0", "t1", {}, &log);
    ASSERT_TRUE(got && got->has_value());
  }
  ASSERT_EQ(log.warnings.size(), 1u);
  EXPECT_NE(log.warnings[0].find("notice:overdue"), std::string::npos);
  EXPECT_NE(log.warnings[0].find("release failed"), std::string::npos);
}

TEST(ScopedLease, ExplicitReleaseReportsItsFailureAndReleasesOnce) {
  FakeLeases leases;
  leases.failRelease = true;
  test::RecordingLog log;
  {
    auto got = ScopedLease::acquire(leases, "circulation-sweep", "me", "t0", "t1", {}, &log);
    ASSERT_TRUE(got && got->has_value());
    auto r = (*got)->release();
    EXPECT_FALSE(r);
  }
  EXPECT_TRUE(log.warnings.empty());
  EXPECT_EQ(leases.calls, (std::vector<std::string>{"acquire circulation-sweep me",
                                                    "release circulation-sweep me"}));
}

TEST(ScopedLease, KeepAsHandsTheLeaseOnInsteadOfReleasingIt) {
  FakeLeases leases;
  {
    auto got = ScopedLease::acquire(leases, "slot:a", "me", "t0", "t1");
    ASSERT_TRUE(got && got->has_value());
    auto kept = (*got)->keepAs("ran by me", "t9");
    ASSERT_TRUE(kept);
    EXPECT_TRUE(*kept);
  }
  EXPECT_EQ(leases.calls,
            (std::vector<std::string>{"acquire slot:a me", "renew slot:a me t9 ran by me"}));
}

}  // namespace
}  // namespace patrond
