#include <gtest/gtest.h>

#include "engine/import_lifecycle.h"
#include "engine/patron_import.h"

namespace patrond {
namespace {

const CivilTime kOct15{2026, 10, 15, 2, 0, 0};

JobPatron patron() {
  JobPatron p;
  p.id = 1;
  p.patronType = "Student";
  p.accessLevel = "Patron";
  p.persona = "student";
  p.grade = "10";
  p.gradYear = "2029";
  p.lastSeenAt = "2026-10-15T02:00:00";
  return p;
}

LifecycleConfig config() {
  LifecycleConfig l;
  l.inactivate = Inactivate{7, true, true};
  l.deleteGraduatedSeniors = true;
  l.deleteInactive = DeleteInactive{365, DeleteInactiveWhen::kNoCheckoutsNoFines, 0};
  return l;
}

TEST(Lifecycle, InactivatesOnlyAfterNotUpdatedDays) {
  ImportOptions o;
  JobPatron p = patron();
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "");
  p.lastSeenAt = "2026-10-08T02:00:00";  // exactly 7 days: not more than
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "");
  p.lastSeenAt = "2026-10-08T01:59:00";
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "inactivate");
}

TEST(Lifecycle, GraduatedSeniorsByStatisticalYear) {
  ImportOptions o;
  JobPatron p = patron();
  p.grade = "12";
  p.gradYear = "2026";
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "delete_graduated_seniors");
  EXPECT_EQ(lifecycleRule(config(), o, p, CivilTime{2026, 7, 15}, 8), "");  // Y = 2025
  p.openLoans = 1;
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "");
}

TEST(Lifecycle, DeleteInactiveVariants) {
  ImportOptions o;
  JobPatron p = patron();
  p.status = PatronStatus::kInactive;
  p.inactiveSince = "2025-10-14T02:00:00";
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "delete_inactive");
  p.inactiveSince = "2025-10-16T02:00:00";  // 364 days
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "");
  p.inactiveSince = "2025-01-01T00:00:00";
  p.unpaidCents = 300;
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "");
  LifecycleConfig below = config();
  below.deleteInactive = DeleteInactive{365, DeleteInactiveWhen::kFinesBelow, 500};
  EXPECT_EQ(lifecycleRule(below, o, p, kOct15, 8), "delete_inactive");
  p.unpaidCents = 500;
  EXPECT_EQ(lifecycleRule(below, o, p, kOct15, 8), "");
  LifecycleConfig unrestricted = config();
  unrestricted.deleteInactive = DeleteInactive{365, DeleteInactiveWhen::kUnrestricted, 0};
  p.openLoans = 2;
  EXPECT_EQ(lifecycleRule(unrestricted, o, p, kOct15, 8), "");  // needs the option
  o.allowDeleteWithTransactions = true;
  EXPECT_EQ(lifecycleRule(unrestricted, o, p, kOct15, 8), "delete_inactive");
}

TEST(Lifecycle, DeleteWithTransactionsVariants) {
  ImportOptions o;
  o.allowDeleteWithTransactions = true;
  JobPatron p = patron();
  p.openLoans = 1;
  LifecycleConfig l;
  l.deleteWithTransactions = DeleteWithTransactions{730, std::nullopt, std::nullopt};
  p.status = PatronStatus::kInactive;
  p.inactiveSince = "2024-10-15T00:00:00";
  EXPECT_EQ(lifecycleRule(l, o, p, kOct15, 8), "delete_with_transactions");
  p.inactiveSince = "2025-10-15T00:00:00";
  EXPECT_EQ(lifecycleRule(l, o, p, kOct15, 8), "");
  l.deleteWithTransactions = DeleteWithTransactions{std::nullopt, 2, std::nullopt};
  p.gradYear = "2024";
  EXPECT_EQ(lifecycleRule(l, o, p, kOct15, 8), "delete_with_transactions");
  p.gradYear = "2025";
  EXPECT_EQ(lifecycleRule(l, o, p, kOct15, 8), "");
  l.deleteWithTransactions = DeleteWithTransactions{std::nullopt, std::nullopt, 21};
  p.birthdate = "2005-10-15";
  EXPECT_EQ(lifecycleRule(l, o, p, kOct15, 8), "delete_with_transactions");
  p.birthdate = "2005-10-16";
  EXPECT_EQ(lifecycleRule(l, o, p, kOct15, 8), "");
  p.openLoans = 0;  // no transactions: not this rule
  p.birthdate = "1990-01-01";
  EXPECT_EQ(lifecycleRule(l, o, p, kOct15, 8), "");
}

TEST(Lifecycle, RulesTwoAndFourNeverDeleteAPatronInTheFileJustRead) {
  ImportOptions o;
  o.allowDeleteWithTransactions = true;
  JobPatron senior = patron();
  senior.grade = "12";
  senior.gradYear = "2026";
  EXPECT_EQ(lifecycleRule(config(), o, senior, kOct15, 8, false), "delete_graduated_seniors");
  EXPECT_EQ(lifecycleRule(config(), o, senior, kOct15, 8, true), "");
  LifecycleConfig l;
  l.deleteWithTransactions = DeleteWithTransactions{std::nullopt, std::nullopt, 18};
  JobPatron adult = patron();
  adult.openLoans = 1;
  adult.birthdate = "2000-01-01";
  EXPECT_EQ(lifecycleRule(l, o, adult, kOct15, 8, false), "delete_with_transactions");
  EXPECT_EQ(lifecycleRule(l, o, adult, kOct15, 8, true), "");
}

TEST(Lifecycle, Scope) {
  LifecycleScope s;
  s.patronTypes = {"Student", "Senior"};
  s.personas = {"student"};
  JobPatron p = patron();
  EXPECT_TRUE(inLifecycleScope(s, p));
  p.persona = "teacher";
  EXPECT_FALSE(inLifecycleScope(s, p));
  EXPECT_TRUE(inLifecycleScope(LifecycleScope{}, p));
}

// The rules are a type inside the engine; their names (stored with a deletion, shown in
// summaries and configured in patrond.yaml) are spelled in one place.
TEST(Lifecycle, ActionNamesAreTheConfiguredRuleNames) {
  EXPECT_EQ(lifecycleActionName(LifecycleAction::kNone), "");
  EXPECT_EQ(lifecycleActionName(LifecycleAction::kInactivate), "inactivate");
  EXPECT_EQ(lifecycleActionName(LifecycleAction::kDeleteGraduatedSeniors),
            "delete_graduated_seniors");
  EXPECT_EQ(lifecycleActionName(LifecycleAction::kDeleteInactive), "delete_inactive");
  EXPECT_EQ(lifecycleActionName(LifecycleAction::kDeleteWithTransactions),
            "delete_with_transactions");
}

TEST(Lifecycle, DecisionAndRuleNameAgree) {
  ImportOptions o;
  JobPatron p = patron();
  p.lastSeenAt = "2026-10-01T02:00:00";
  EXPECT_EQ(decideLifecycle(config(), o, p, kOct15, 8, false), LifecycleAction::kInactivate);
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "inactivate");
  p.status = PatronStatus::kInactive;
  p.inactiveSince = "2025-10-01T02:00:00";
  EXPECT_EQ(decideLifecycle(config(), o, p, kOct15, 8, false), LifecycleAction::kDeleteInactive);
  EXPECT_EQ(lifecycleRule(config(), o, p, kOct15, 8), "delete_inactive");
}

}  // namespace
}  // namespace patrond
