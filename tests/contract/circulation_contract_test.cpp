// Circulation (SPEC sections 6 and 7) through the real store on SQLite, PostgreSQL 15 and
// MariaDB: the copies file, checkouts and their blocks, check-in with conditioning, the sweep,
// payments. Each refusal changes nothing.
#include <gtest/gtest.h>

#include "adapters/sql/soci_store.h"
#include "engine/circulation.h"
#include "engine/items_import.h"
#include "tests/support/backends.h"
#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

const std::string kCopiesHeader =
    "copy_barcode,title,isbn,site,purchase_price,replacement_price,condition,textbook\n";

CivilTime at(int y, int m, int d, int h = 10) {
  return CivilTime{y, m, d, h, 0, 0};
}

class CirculationContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = test::openTestStore(GetParam(), dir_);
    ASSERT_TRUE(store_);
    config_.sites = {{"LHS", "Lincoln", "high"}, {"WES", "Washington", "elementary"}};
    auto& d = config_.textbookPolicies.district;
    d.loanDays = 180;
    d.maxCheckouts = 3;
    d.overdueToLostDays = 30;
    d.blockOnFinesOrOverdues = true;
    d.chargeLost = true;
    d.conditioningEnabled = true;
    d.demoteAfter = {{"new", 2}, {"good", 2}, {"fair", 2}};
    config_.textbookPolicies.sites["LHS"].overdueToLostDays = 60;
    config_.conditions = defaultConditions();
    std::vector<Patron> ps{patron("S1", "P1", "Núñez"), patron("S2", "P2", "Okafor"),
                           patron("S3", "P3", "Lee")};
    ps[2].status = PatronStatus::kInactive;
    ps[2].inactiveSince = "2026-08-01T00:00:00";
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->insertPatrons(ps));
    ASSERT_TRUE(store_->commit());
  }

  static Patron patron(const std::string& id, const std::string& barcode, const std::string& last) {
    return test::samplePatron(id, barcode, last);
  }

  CirculationStore& circ() { return store_->circulation(); }

  Result<ItemsImportOutcome> importCopies(const std::string& body, bool dryRun = false) {
    test::StringSource src(kCopiesHeader + body, 7);
    ItemsImportOptions o;
    o.dryRun = dryRun;
    return importItems(src, circ(), config_, at(2026, 8, 15), o);
  }

  void loadStandardCopies() {
    auto r = importCopies(
        "T1,Algebra I,978-1,LHS,60.00,72.50,new,yes\n"
        "T2,Algebra I,978-1,LHS,60.00,,new,yes\n"
        "T3,Biology,978-2,LHS,80.00,,good,yes\n"
        "T4,Biology,978-2,LHS,80.00,,new,yes\n"
        "W1,Reading Street,978-3,WES,30.00,,new,yes\n"
        "L1,Hatchet,978-4,LHS,9.99,12.00,good,no\n");
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->added, 6);
  }

  Copy copy(const std::string& barcode) {
    auto c = circ().findCopy(barcode);
    EXPECT_TRUE(c && c->has_value()) << barcode;
    return c && c->has_value() ? **c : Copy{};
  }

  CheckoutOutcome checkoutOk(const std::string& patron, const std::string& copy, CivilTime when,
                             bool override = false) {
    auto r = checkout(circ(), config_, {patron, copy, std::nullopt, override}, when);
    EXPECT_TRUE(r) << r.error().describe();
    return r ? *r : CheckoutOutcome{};
  }

  void checkoutDue(const std::string& patron, const std::string& copy, CivilTime due,
                   CivilTime when) {
    auto r = checkout(circ(), config_, {patron, copy, due, false}, when);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_TRUE(r->ok) << copy;
  }

  std::int64_t patronId(const std::string& key) {
    auto b = circ().findBorrower(key);
    return b && b->has_value() ? (*b)->id : 0;
  }

  test::TempDir dir_;
  Config config_;
  std::unique_ptr<PatronStore> store_;
};

TEST_P(CirculationContract, CopiesFileAddsThenUpdatesByBarcode) {
  auto r = importCopies(
      "T1,Algebra I,978-1,LHS,60.00,72.50,new,yes\n"
      "T2,Algebra I,978-1,LHS,60.00,,good,\n"
      "L1,Hatchet,,WES,9.99,,,no\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->read, 3);
  EXPECT_EQ(r->added, 3);
  EXPECT_EQ(r->titlesAdded, 2);
  Copy t2 = copy("T2");
  EXPECT_EQ(t2.title, "Algebra I");
  EXPECT_EQ(t2.condition, "good");
  EXPECT_EQ(t2.valueCents, 4500);
  EXPECT_EQ(t2.replacementCents, 7250);  // the title's, from T1's row
  EXPECT_TRUE(t2.textbook);
  EXPECT_EQ(t2.status, "available");
  Copy l1 = copy("L1");
  EXPECT_FALSE(l1.textbook);
  EXPECT_EQ(l1.condition, "new");  // empty: the best configured condition
  EXPECT_EQ(l1.valueCents, 999);

  // Again: T1 unchanged, T2 new price, L1 moved; a new copy of a known title.
  r = importCopies(
      "T1,Algebra I,978-1,LHS,60.00,72.50,new,yes\n"
      "T2,Algebra I,978-1,LHS,64.00,,good,yes\n"
      "L1,Hatchet,,LHS,9.99,,,no\n"
      "T5,Algebra I (2nd ed.),978-1,LHS,60.00,,new,yes\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->unchanged, 1);
  EXPECT_EQ(r->updated, 2);
  EXPECT_EQ(r->added, 1);
  EXPECT_EQ(r->titlesAdded, 0);  // same ISBN: the title is renamed, not duplicated
  EXPECT_EQ(copy("T2").valueCents, 4800);
  EXPECT_EQ(copy("L1").site, "LHS");
  EXPECT_EQ(copy("T1").title, "Algebra I (2nd ed.)");
}

TEST_P(CirculationContract, BadCopyRowsAreReportedByLineAndSkipped) {
  auto r = importCopies(
      "T1,Algebra I,978-1,LHS,60.00,,new,yes\n"
      ",No Barcode,,LHS,1.00,,new,yes\n"
      "T2,,978-1,LHS,60.00,,new,yes\n"
      "T3,Algebra I,978-1,XYZ,60.00,,new,yes\n"
      "T4,Algebra I,978-1,LHS,sixty,,new,yes\n"
      "T5,Algebra I,978-1,LHS,-1.00,,new,yes\n"
      "T6,Algebra I,978-1,LHS,60.00,,shiny,yes\n"
      "T7,Algebra I,978-1,LHS,60.00,,new,perhaps\n"
      "T1,Algebra I,978-1,LHS,60.00,,new,yes\n"
      "T8,Algebra I,978-1,LHS\n"
      "T9,\"Algebra\xff\",978-1,LHS,60.00,,new,yes\n"
      "T10,Algebra I,978-1,LHS,60.00,,new,yes\n");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->read, 12);
  EXPECT_EQ(r->added, 2);
  EXPECT_EQ(r->skipped, 10);
  std::vector<std::pair<std::int64_t, std::string>> got;
  for (const auto& m : r->messages) {
    got.emplace_back(m.line, m.code);
  }
  std::vector<std::pair<std::int64_t, std::string>> want{
      {3, "MISSING_REQUIRED"}, {4, "MISSING_REQUIRED"},  {5, "UNKNOWN_SITE"}, {6, "BAD_MONEY"},
      {7, "BAD_MONEY"},        {8, "UNKNOWN_CONDITION"}, {9, "BAD_VALUE"},    {10, "DUPLICATE_KEY"},
      {11, "COLUMN_COUNT"},    {12, "BAD_ENCODING"}};
  EXPECT_EQ(got, want);
  EXPECT_FALSE(circ().findCopy("T3")->has_value());
}

TEST_P(CirculationContract, CopiesFileWithoutBarcodeColumnChangesNothing) {
  test::StringSource src("barcode,title\nT1,Algebra\n");
  auto r = importItems(src, circ(), config_, at(2026, 8, 15));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code.name(), "MISSING_COLUMN");
  EXPECT_NE(r.error().message.find("copy_barcode"), std::string::npos);
  EXPECT_EQ(r.error().where, "line 1");
  test::StringSource empty("");
  auto none = importItems(empty, circ(), config_, at(2026, 8, 15));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code.name(), "EMPTY_FILE");
  EXPECT_NE(none.error().message.find("copy_barcode,title"), std::string::npos);
  auto dry = importCopies("T1,Algebra I,978-1,LHS,60.00,,new,yes\n", true);
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->added, 1);
  EXPECT_FALSE(circ().findCopy("T1")->has_value());  // dry run
}

TEST_P(CirculationContract, CheckoutUsesTheSitePolicyForTheDueDate) {
  loadStandardCopies();
  auto out = checkoutOk("S1", "T1", at(2026, 9, 1));
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.due, "2027-02-28");  // 180 days
  EXPECT_FALSE(out.overridden);
  EXPECT_EQ(copy("T1").status, "checked_out");
  auto lib = checkoutOk("P1", "L1", at(2026, 9, 1));  // by barcode; library default 14 days
  EXPECT_EQ(lib.due, "2026-09-15");
  auto due = checkout(circ(), config_, {"S1", "T2", at(2027, 1, 15), false}, at(2026, 9, 1));
  ASSERT_TRUE(due);
  EXPECT_EQ(due->due, "2027-01-15");
  auto loans = circ().openLoans(patronId("S1"));
  ASSERT_TRUE(loans);
  EXPECT_EQ(loans->size(), 3u);
}

// Two desks reading the same available copy at once: only one claim wins (reads do not lock
// on PostgreSQL and MySQL, so the write itself checks).
TEST_P(CirculationContract, OnlyOneClaimOfACopyWins) {
  loadStandardCopies();
  std::int64_t id = copy("T2").id;
  ASSERT_TRUE(circ().begin());
  auto first = circ().claimCopy(id, "2026-09-01T10:00:00");
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_TRUE(*first);
  auto second = circ().claimCopy(id, "2026-09-01T10:00:01");
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  ASSERT_TRUE(circ().rollback());
  EXPECT_EQ(copy("T2").status, "available");
}

TEST_P(CirculationContract, HardRefusalsChangeNothing) {
  loadStandardCopies();
  checkoutOk("S1", "T1", at(2026, 9, 1));
  auto out = checkout(circ(), config_, {"S2", "T1", std::nullopt, true}, at(2026, 9, 2));
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->ok);
  EXPECT_TRUE(out->hard);
  ASSERT_EQ(out->blocks.size(), 1u);
  EXPECT_EQ(out->blocks[0].code, "COPY_OUT");
  out = checkout(circ(), config_, {"S3", "T2", std::nullopt, true}, at(2026, 9, 2));
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->ok);
  EXPECT_EQ(out->blocks[0].code, "INACTIVE");
  EXPECT_EQ(copy("T2").status, "available");
  auto unknown = checkout(circ(), config_, {"S9", "T2", std::nullopt, false}, at(2026, 9, 2));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code.name(), "USAGE");
  unknown = checkout(circ(), config_, {"S1", "NOPE", std::nullopt, false}, at(2026, 9, 2));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code.name(), "USAGE");
  auto past = checkout(circ(), config_, {"S1", "T2", at(2026, 8, 1), false}, at(2026, 9, 2));
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code.name(), "USAGE");
  EXPECT_EQ(circ().openLoans(patronId("S2"))->size(), 0u);
}

TEST_P(CirculationContract, BlocksNameEveryReasonAndOverrideIsRecorded) {
  loadStandardCopies();
  checkoutOk("S1", "T1", at(2026, 6, 1));  // due 2026-11-28
  checkoutOk("S1", "T2", at(2026, 9, 1));
  checkoutOk("S1", "T3", at(2026, 9, 1));
  ASSERT_TRUE(circ().begin());
  ASSERT_TRUE(
      circ().insertFines({{0, patronId("S1"), 0, 1250, 0, "damage", "2026-10-01T00:00:00"}}));
  ASSERT_TRUE(circ().commit());
  auto out = checkout(circ(), config_, {"S1", "T4", std::nullopt, false}, at(2026, 12, 1));
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->ok);
  EXPECT_FALSE(out->hard);
  ASSERT_EQ(out->blocks.size(), 3u);
  EXPECT_EQ(out->blocks[0].code, "MAX_CHECKOUTS");
  EXPECT_EQ(out->blocks[0].text, "limit reached (3 of 3)");
  EXPECT_EQ(out->blocks[1].text, "unpaid fines 12.50");
  EXPECT_EQ(out->blocks[2].code, "OVERDUE");
  EXPECT_NE(out->blocks[2].text.find("T1"), std::string::npos);
  EXPECT_EQ(copy("T4").status, "available");
  // The library copy is another kind: only fines and overdues apply, and library policy has none.
  EXPECT_TRUE(checkoutOk("S1", "L1", at(2026, 12, 1)).ok);

  auto forced = checkoutOk("S1", "T4", at(2026, 12, 1), true);
  EXPECT_TRUE(forced.ok);
  EXPECT_TRUE(forced.overridden);
  EXPECT_EQ(forced.blocks.size(), 3u);
  auto loans = circ().openLoans(patronId("S1"));
  ASSERT_TRUE(loans);
  auto it =
      std::find_if(loans->begin(), loans->end(), [](auto& l) { return l.copyBarcode == "T4"; });
  ASSERT_NE(it, loans->end());
  EXPECT_TRUE(it->overridden);
  EXPECT_NE(it->overrideBlocks.find("MAX_CHECKOUTS: limit reached (3 of 3)"), std::string::npos);
  EXPECT_NE(it->overrideBlocks.find("FINES"), std::string::npos);
}

TEST_P(CirculationContract, CheckinCountsCirculationsAndDemotes) {
  loadStandardCopies();
  // demote_after new: 2. A same-day return does not count.
  checkoutOk("S1", "T1", at(2026, 9, 1, 8));
  auto in = checkin(circ(), config_, "T1", at(2026, 9, 1, 15));
  ASSERT_TRUE(in) << in.error().describe();
  EXPECT_FALSE(in->counted);
  EXPECT_EQ(copy("T1").circulations, 0);
  for (int i = 0; i < 2; ++i) {
    checkoutOk("S1", "T1", at(2026, 9, 2 + 2 * i));
    in = checkin(circ(), config_, "T1", at(2026, 9, 3 + 2 * i));
    ASSERT_TRUE(in);
    EXPECT_TRUE(in->counted);
  }
  EXPECT_TRUE(in->demoted);
  Copy t1 = copy("T1");
  EXPECT_EQ(t1.condition, "good");
  EXPECT_EQ(t1.valueCents, 4500);
  EXPECT_EQ(t1.circulations, 2);
  EXPECT_EQ(t1.conditionCirculations, 0);
  EXPECT_EQ(t1.status, "available");
  EXPECT_TRUE(circ().openLoans(patronId("S1"))->empty());
  auto again = checkin(circ(), config_, "T1", at(2026, 9, 9));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code.name(), "REFUSED");
  EXPECT_EQ(copy("T1").circulations, 2);
}

TEST_P(CirculationContract, ConditionByHand) {
  loadStandardCopies();
  auto c = setCondition(circ(), config_, "T1", "damaged", at(2026, 9, 1));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->valueCents, 7250);  // the title's replacement price
  c = setCondition(circ(), config_, "T3", "usable", at(2026, 9, 1));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->valueCents, 8000);  // no replacement price: the purchase price
  c = setCondition(circ(), config_, "T3", "fair", at(2026, 9, 1));
  ASSERT_TRUE(c);
  EXPECT_EQ(copy("T3").valueCents, 4000);
  auto bad = setCondition(circ(), config_, "T3", "shiny", at(2026, 9, 1));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code.name(), "USAGE");
  EXPECT_NE(bad.error().message.find("new, good"), std::string::npos);
  EXPECT_EQ(copy("T3").condition, "fair");
}

TEST_P(CirculationContract, SweepMarksLostChargesValueAndIsIdempotent) {
  loadStandardCopies();
  // WES: district 30 days; LHS: 60 days.
  checkoutDue("S1", "W1", at(2026, 9, 10), at(2026, 9, 1));
  checkoutDue("S2", "T3", at(2026, 9, 10), at(2026, 9, 1));
  checkoutDue("S2", "L1", at(2026, 9, 2), at(2026, 9, 1));  // library
  auto s = sweep(circ(), config_, at(2026, 10, 9));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lost, 0);  // 29 days
  s = sweep(circ(), config_, at(2026, 10, 10));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->lost, 1);
  EXPECT_EQ(s->copies, std::vector<std::string>{"W1"});
  EXPECT_EQ(s->finesCents, 3000);
  EXPECT_EQ(copy("W1").status, "lost");
  EXPECT_EQ(*circ().unpaidCents(patronId("S1")), 3000);
  auto twice = sweep(circ(), config_, at(2026, 10, 10));
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->lost, 0);
  EXPECT_EQ(*circ().unpaidCents(patronId("S1")), 3000);
  s = sweep(circ(), config_, at(2026, 11, 9));  // LHS at 60 days; library never
  ASSERT_TRUE(s);
  EXPECT_EQ(s->copies, std::vector<std::string>{"T3"});
  EXPECT_EQ(s->finesCents, 6000);  // good: 75% of 80.00
  EXPECT_EQ(copy("L1").status, "checked_out");

  // The lost copy turns up: checked in, its unpaid fine waived.
  auto in = checkin(circ(), config_, "W1", at(2026, 11, 10));
  ASSERT_TRUE(in);
  EXPECT_TRUE(in->wasLost);
  EXPECT_EQ(in->waivedCents, 3000);
  EXPECT_EQ(copy("W1").status, "available");
  EXPECT_EQ(*circ().unpaidCents(patronId("S1")), 0);
}

TEST_P(CirculationContract, PaymentsPayOldestFirstAndNeverExceedTheBalance) {
  ASSERT_TRUE(circ().begin());
  std::int64_t p = patronId("S2");
  ASSERT_TRUE(circ().insertFines({{0, p, 0, 1000, 0, "a", "2026-10-01T00:00:00"},
                                  {0, p, 0, 250, 0, "b", "2026-10-02T00:00:00"}}));
  ASSERT_TRUE(circ().commit());
  auto over = payFines(circ(), "S2", "12.51", at(2026, 10, 5));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code.name(), "REFUSED");
  for (const char* bad : {"abc", "-1.00", "0", "1.234"}) {
    auto r = payFines(circ(), "S2", bad, at(2026, 10, 5));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code.name(), "USAGE") << bad;
  }
  EXPECT_EQ(*circ().unpaidCents(p), 1250);
  auto paid = payFines(circ(), "P2", "10.50", at(2026, 10, 5));
  ASSERT_TRUE(paid) << paid.error().describe();
  EXPECT_EQ(paid->balanceCents, 200);
  auto fines = circ().fines(p);
  ASSERT_TRUE(fines);
  ASSERT_EQ(fines->size(), 2u);
  EXPECT_EQ((*fines)[0].paidCents, 1000);
  EXPECT_EQ((*fines)[1].paidCents, 50);
  EXPECT_FALSE(payFines(circ(), "S9", "1.00", at(2026, 10, 5)));
}

TEST_P(CirculationContract, PatronCirculationShowsLoansBalanceAndBlocks) {
  loadStandardCopies();
  checkoutOk("S1", "T1", at(2026, 6, 1));  // due 2026-11-28
  auto b = circ().findBorrower("S1");
  ASSERT_TRUE(b && b->has_value());
  auto pc = patronCirculation(circ(), config_, **b, CivilTime{2026, 12, 3});
  ASSERT_TRUE(pc);
  ASSERT_EQ(pc->loans.size(), 1u);
  EXPECT_EQ(pc->loans[0].copyBarcode, "T1");
  EXPECT_EQ(pc->loans[0].title, "Algebra I");
  EXPECT_EQ(overdueDays(pc->loans[0].due, CivilTime{2026, 12, 3}), 5);
  EXPECT_EQ(pc->balanceCents, 0);
  ASSERT_EQ(pc->blocks.size(), 1u);
  EXPECT_EQ(pc->blocks[0].code, "OVERDUE");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, CirculationContract,
                         ::testing::ValuesIn(test::contractBackends()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace patrond
