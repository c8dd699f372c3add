// The circulation rules (SPEC section 6), pure: policies, blocks, conditioning, values,
// payments, the sweep's decision, the copies file's textbook flag.
#include "engine/circulation.h"

#include <gtest/gtest.h>

#include "engine/items_import.h"

namespace patrond {
namespace {

Config configWithPolicies() {
  Config c;
  c.sites = {{"LHS", "Lincoln High", "high"},
             {"WES", "Washington Elementary", "elementary"},
             {"JMS", "Jefferson Middle", "middle"}};
  c.textbookPolicies.district.loanDays = 180;
  c.textbookPolicies.district.maxCheckouts = 10;
  c.textbookPolicies.district.overdueToLostDays = 30;
  c.textbookPolicies.district.blockOnFinesOrOverdues = true;
  c.textbookPolicies.district.chargeLost = true;
  c.textbookPolicies.district.conditioningEnabled = true;
  c.textbookPolicies.district.demoteAfter = {{"new", 5}, {"good", 5}, {"fair", 5}};
  c.textbookPolicies.siteTypes["elementary"].maxCheckouts = 6;
  c.textbookPolicies.siteTypes["elementary"].loanDays = 90;
  c.textbookPolicies.sites["LHS"].overdueToLostDays = 60;
  c.textbookPolicies.sites["WES"].loanDays = 120;  // site over site type
  c.textbookPolicies.sites["WES"].demoteAfter = {{"good", 2}};
  c.conditions = defaultConditions();
  return c;
}

CivilTime day(int y, int m, int d) {
  return CivilTime{y, m, d};
}

Loan loan(const std::string& copy, const std::string& due, bool textbook = true) {
  Loan l;
  l.copyBarcode = copy;
  l.title = "Algebra I";
  l.due = due;
  l.textbook = textbook;
  return l;
}

TEST(Policy, SiteOverridesSiteTypeOverridesDistrictKeyByKey) {
  Config c = configWithPolicies();
  Policy lhs = resolvePolicy(c, "LHS", true);
  EXPECT_EQ(lhs.overdueToLostDays, 60);  // site
  EXPECT_EQ(lhs.maxCheckouts, 10);       // district
  EXPECT_EQ(lhs.loanDays, 180);
  Policy wes = resolvePolicy(c, "WES", true);
  EXPECT_EQ(wes.maxCheckouts, 6);  // site type
  EXPECT_EQ(wes.loanDays, 120);    // site beats site type
  EXPECT_EQ(wes.overdueToLostDays, 30);
  EXPECT_EQ(wes.demoteAfter.at("good"), 2);  // demote_after merges condition by condition
  EXPECT_EQ(wes.demoteAfter.at("new"), 5);
  Policy jms = resolvePolicy(c, "JMS", true);
  EXPECT_EQ(jms.maxCheckouts, 10);
  EXPECT_EQ(jms.overdueToLostDays, 30);
  // An unknown or empty site gets the district level.
  EXPECT_EQ(resolvePolicy(c, "", true).overdueToLostDays, 30);
}

TEST(Policy, LibraryCopiesFollowLibraryPoliciesWithTheirDefaults) {
  Config c = configWithPolicies();
  Policy lib = resolvePolicy(c, "LHS", false);
  EXPECT_EQ(lib.loanDays, 14);
  EXPECT_FALSE(lib.maxCheckouts);
  EXPECT_FALSE(lib.overdueToLostDays);
  EXPECT_FALSE(lib.blockOnFinesOrOverdues);
  EXPECT_FALSE(lib.conditioning);
  c.libraryPolicies.district.loanDays = 21;
  c.libraryPolicies.sites["LHS"].maxCheckouts = 3;
  EXPECT_EQ(resolvePolicy(c, "LHS", false).loanDays, 21);
  EXPECT_EQ(resolvePolicy(c, "LHS", false).maxCheckouts, 3);
  EXPECT_FALSE(resolvePolicy(c, "WES", false).maxCheckouts);
  // Textbooks with no policy at all: a school year, nothing else.
  Config bare;
  EXPECT_EQ(resolvePolicy(bare, "LHS", true).loanDays, kDefaultTextbookLoanDays);
  EXPECT_FALSE(resolvePolicy(bare, "LHS", true).maxCheckouts);
}

TEST(Blocks, LimitCountsOnlyCopiesOfTheSameKind) {
  Policy p;
  p.maxCheckouts = 2;
  std::vector<Loan> loans{loan("T1", "2027-06-01"), loan("T2", "2027-06-01"),
                          loan("L1", "2027-06-01", false)};
  auto b = checkoutBlocks(p, true, loans, 0, day(2026, 10, 1));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].code, "MAX_CHECKOUTS");
  EXPECT_EQ(b[0].text, "limit reached (2 of 2)");
  EXPECT_EQ(b[0].kind, "textbook");
  EXPECT_TRUE(checkoutBlocks(p, false, loans, 0, day(2026, 10, 1)).empty());
  loans.pop_back();
  loans.pop_back();
  EXPECT_TRUE(checkoutBlocks(p, true, loans, 0, day(2026, 10, 1)).empty());
}

TEST(Blocks, FinesAndOverduesNamedWithBalanceAndCopies) {
  Policy p;
  p.blockOnFinesOrOverdues = true;
  std::vector<Loan> loans{loan("T1", "2026-09-30"), loan("T2", "2026-10-01"),
                          loan("T3", "2026-09-15")};
  auto b = checkoutBlocks(p, true, loans, 1250, day(2026, 10, 1));
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].code, "FINES");
  EXPECT_EQ(b[0].text, "unpaid fines 12.50");
  EXPECT_EQ(b[1].code, "OVERDUE");
  EXPECT_NE(b[1].text.find("2 overdue copies"), std::string::npos) << b[1].text;
  EXPECT_NE(b[1].text.find("T1 'Algebra I' due 2026-09-30 (1 day)"), std::string::npos);
  EXPECT_NE(b[1].text.find("T3"), std::string::npos);
  EXPECT_EQ(b[1].text.find("T2"), std::string::npos);  // due today is not overdue
  p.blockOnFinesOrOverdues = false;
  EXPECT_TRUE(checkoutBlocks(p, true, loans, 1250, day(2026, 10, 1)).empty());
}

TEST(Conditions, ValuesArePercentagesOfPurchaseRoundedToTheCent) {
  auto conds = defaultConditions();
  EXPECT_EQ(copyValue(conds, "new", 6000, std::nullopt), 6000);
  EXPECT_EQ(copyValue(conds, "good", 5550, std::nullopt), 4163);  // 41.625 -> 41.63
  EXPECT_EQ(copyValue(conds, "fair", 5999, std::nullopt), 3000);  // 29.995 -> 30.00
  EXPECT_EQ(copyValue(conds, "poor", 6000, 9000), 1500);
  EXPECT_EQ(copyValue(conds, "unusable", 6000, 9000), 0);
  // By hand to usable or damaged: the title's replacement price, else the purchase price.
  EXPECT_EQ(copyValue(conds, "usable", 6000, 7250), 7250);
  EXPECT_EQ(copyValue(conds, "damaged", 6000, std::nullopt), 6000);
  EXPECT_EQ(demotedCondition("new"), "good");
  EXPECT_EQ(demotedCondition("fair"), "poor");
  EXPECT_FALSE(demotedCondition("poor"));
  EXPECT_FALSE(demotedCondition("damaged"));
}

Copy copyIn(const std::string& condition, int condCircs = 0) {
  Copy c;
  c.barcode = "T1";
  c.condition = condition;
  c.purchaseCents = 6000;
  c.valueCents = copyValue(defaultConditions(), condition, 6000, std::nullopt);
  c.status = "checked_out";
  c.conditionCirculations = condCircs;
  return c;
}

TEST(Conditioning, SameDayCheckinDoesNotCount) {
  Config c = configWithPolicies();
  Policy p = resolvePolicy(c, "LHS", true);
  auto e = checkinEffect(copyIn("new", 4), p, c.conditions, day(2026, 9, 1), day(2026, 9, 1));
  EXPECT_FALSE(e.counted);
  EXPECT_EQ(e.copy.circulations, 0);
  EXPECT_EQ(e.copy.conditionCirculations, 4);
  EXPECT_EQ(e.copy.condition, "new");
  EXPECT_EQ(e.copy.status, "available");
}

TEST(Conditioning, DemotesAfterTheConfiguredCirculationsAndRevalues) {
  Config c = configWithPolicies();
  Policy p = resolvePolicy(c, "LHS", true);
  Copy copy = copyIn("new");
  for (int i = 1; i <= 4; ++i) {
    auto e = checkinEffect(copy, p, c.conditions, day(2026, 9, 1), day(2026, 9, 2));
    EXPECT_TRUE(e.counted);
    EXPECT_FALSE(e.demoted);
    copy = e.copy;
    EXPECT_EQ(copy.conditionCirculations, i);
  }
  auto e = checkinEffect(copy, p, c.conditions, day(2026, 9, 1), day(2026, 9, 2));
  EXPECT_TRUE(e.demoted);
  EXPECT_EQ(e.copy.condition, "good");
  EXPECT_EQ(e.copy.conditionCirculations, 0);
  EXPECT_EQ(e.copy.circulations, 5);
  EXPECT_EQ(e.copy.valueCents, 4500);
}

TEST(Conditioning, StopsAtPoorAndNeverTouchesHandSetConditions) {
  Config c = configWithPolicies();
  Policy p = resolvePolicy(c, "LHS", true);
  p.demoteAfter["poor"] = 1;  // even if someone set it, nothing lies below poor
  for (const char* cond : {"poor", "damaged", "usable"}) {
    auto e = checkinEffect(copyIn(cond, 30), p, c.conditions, day(2026, 9, 1), day(2026, 9, 9));
    EXPECT_FALSE(e.demoted) << cond;
    EXPECT_EQ(e.copy.condition, cond);
  }
}

TEST(Conditioning, DisabledCountsCirculationsButNeverDemotes) {
  Config c = configWithPolicies();
  Policy p = resolvePolicy(c, "LHS", true);
  p.conditioning = false;
  auto e = checkinEffect(copyIn("new", 4), p, c.conditions, day(2026, 9, 1), day(2026, 9, 3));
  EXPECT_TRUE(e.counted);
  EXPECT_EQ(e.copy.circulations, 1);
  EXPECT_EQ(e.copy.conditionCirculations, 4);
  EXPECT_EQ(e.copy.condition, "new");
}

TEST(Payments, OldestFinesArePaidFirst) {
  std::vector<Fine> fines{{3, 1, 0, 1000, 0, "c", "2026-10-03T00:00:00"},
                          {1, 1, 0, 500, 500, "a", "2026-10-01T00:00:00"},
                          {2, 1, 0, 2000, 250, "b", "2026-10-02T00:00:00"}};
  auto shares = allocatePayment(fines, 2000);
  ASSERT_EQ(shares.size(), 2u);
  EXPECT_EQ(shares[0].fineId, 2);
  EXPECT_EQ(shares[0].cents, 1750);
  EXPECT_EQ(shares[1].fineId, 3);
  EXPECT_EQ(shares[1].cents, 250);
}

TEST(Sweep, LostOnTheNthDayOverdueNotBefore) {
  Policy p;
  p.overdueToLostDays = 30;
  EXPECT_FALSE(lostBySweep(p, "2026-09-05", day(2026, 10, 4)));  // 29 days
  EXPECT_TRUE(lostBySweep(p, "2026-09-05", day(2026, 10, 5)));   // 30 days
  p.overdueToLostDays.reset();
  EXPECT_FALSE(lostBySweep(p, "2020-01-01", day(2026, 10, 5)));
  EXPECT_EQ(overdueDays("2026-10-05", day(2026, 10, 1)), 0);
  EXPECT_EQ(overdueDays("2026-02-27", day(2026, 3, 1)), 2);
}

TEST(ItemsFile, TextbookFlagSpellings) {
  for (const char* yes : {"", "yes", "Y", "true", "1", "T", " TRUE "}) {
    EXPECT_EQ(parseTextbookFlag(yes), true) << yes;
  }
  for (const char* no : {"no", "N", "false", "0", "f"}) {
    EXPECT_EQ(parseTextbookFlag(no), false) << no;
  }
  EXPECT_FALSE(parseTextbookFlag("maybe"));
}

}  // namespace
}  // namespace patrond
