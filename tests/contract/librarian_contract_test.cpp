// issue 18, the librarian's part of the CirculationStore port through the real store on
// SQLite, PostgreSQL 15 and MariaDB: copies listed with filters, who overrode a checkout,
// fines waived (and every refusal changing nothing), every unpaid fine, and the open loans
// of `reports loans` with their values from the copies' current condition.
#include <gtest/gtest.h>

#include "adapters/sql/soci_store.h"
#include "engine/circulation.h"
#include "engine/fines.h"
#include "engine/items_import.h"
#include "engine/loans_report.h"
#include "tests/support/backends.h"
#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

CivilTime at(int y, int m, int d, int h = 10) {
  return CivilTime{y, m, d, h, 0, 0};
}

class LibrarianContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = test::openTestStore(GetParam(), dir_);
    ASSERT_TRUE(store_);
    config_.sites = {{"LHS", "Lincoln", "high"}, {"WES", "Washington", "elementary"}};
    auto& d = config_.textbookPolicies.district;
    d.maxCheckouts = 1;
    config_.conditions = defaultConditions();
    std::vector<Patron> ps{
        test::samplePatron("S1", "P1", "Núñez"), test::samplePatron("S2", "P2", "Okafor"),
        test::samplePatron("S3", "P3", "Lee"), test::samplePatron("S4", "P4", "Adams")};
    ps[1].get(PatronField::kHomeroom) = "Moved";
    ps[2].get(PatronField::kHomeroom) = "Moved";
    ps[2].status = PatronStatus::kInactive;
    ps[2].inactiveSince = "2026-08-01T00:00:00";
    ps[3].get(PatronField::kSite) = "WES";
    ps[3].get(PatronField::kHomeroom) = "Gym";
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->insertPatrons(ps));
    ASSERT_TRUE(store_->commit());
    test::StringSource src(
        "copy_barcode,title,isbn,site,purchase_price,replacement_price,condition,textbook\n"
        "T1,Algebra I,978-1,LHS,60.00,72.50,new,yes\n"
        "T2,Algebra I,978-1,LHS,60.00,,good,yes\n"
        "T3,Biology 100%_Real,978-2,LHS,80.00,,fair,yes\n"
        "T4,biology,978-3,WES,80.00,,new,yes\n"
        "W1,Reading Street,978-4,WES,30.00,,new,yes\n"
        "L1,Hatchet,978-5,LHS,9.99,12.00,good,no\n",
        7);
    auto r = importItems(src, circ(), config_, at(2026, 8, 15), {});
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->added, 6);
  }

  CirculationStore& circ() { return store_->circulation(); }

  std::int64_t patronId(const std::string& key) {
    auto b = circ().findBorrower(key);
    return b && b->has_value() ? (*b)->id : 0;
  }

  void charge(const std::string& key, std::int64_t cents, const std::string& reason,
              const std::string& when) {
    ASSERT_TRUE(circ().begin());
    ASSERT_TRUE(circ().insertFines({{0, patronId(key), 0, cents, 0, reason, when}}));
    ASSERT_TRUE(circ().commit());
  }

  std::vector<std::string> barcodes(const CopyFilter& f) {
    auto copies = circ().listCopies(f);
    EXPECT_TRUE(copies) << copies.error().describe();
    std::vector<std::string> out;
    for (const auto& c : copies ? *copies : std::vector<Copy>{}) {
      out.push_back(c.barcode);
    }
    return out;
  }

  test::TempDir dir_;
  Config config_;
  std::unique_ptr<PatronStore> store_;
};

using Names = std::vector<std::string>;

TEST_P(LibrarianContract, CopiesAreListedBySiteStatusAndPartOfTheTitle) {
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T2", std::nullopt, false}, at(2026, 9, 1)));
  EXPECT_EQ(barcodes({}), (Names{"L1", "T1", "T2", "T3", "T4", "W1"}));
  EXPECT_EQ(barcodes({"WES", "", "", std::nullopt}), (Names{"T4", "W1"}));
  EXPECT_EQ(barcodes({"", "checked_out", "", std::nullopt}), (Names{"T2"}));
  EXPECT_EQ(barcodes({"LHS", "available", "", std::nullopt}), (Names{"L1", "T1", "T3"}));
  // Either case, on every database; % and _ are plain characters, not wildcards.
  EXPECT_EQ(barcodes({"", "", "BIOLOGY", std::nullopt}), (Names{"T3", "T4"}));
  EXPECT_EQ(barcodes({"", "", "100%_", std::nullopt}), (Names{"T3"}));
  EXPECT_EQ(barcodes({"", "", "%", std::nullopt}), (Names{"T3"}));
  EXPECT_EQ(barcodes({"", "", "_", std::nullopt}), (Names{"T3"}));
  EXPECT_EQ(barcodes({"", "", "", 2}), (Names{"L1", "T1"}));
  EXPECT_TRUE(barcodes({"LHS", "lost", "", std::nullopt}).empty());
  auto all = circ().listCopies({});
  ASSERT_TRUE(all);
  EXPECT_EQ((*all)[1].title, "Algebra I");
  EXPECT_EQ((*all)[1].valueCents, 6000);
  EXPECT_EQ((*all)[1].replacementCents, 7250);
}

TEST_P(LibrarianContract, AnOverrideRecordsWhoOverrode) {
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T1", std::nullopt, false}, at(2026, 9, 1)));
  auto blocked =
      checkout(circ(), config_, {"S1", "T2", std::nullopt, false, "ms.jones"}, at(2026, 9, 2));
  ASSERT_TRUE(blocked);
  EXPECT_FALSE(blocked->ok);
  auto forced =
      checkout(circ(), config_, {"S1", "T2", std::nullopt, true, "ms.jones"}, at(2026, 9, 2));
  ASSERT_TRUE(forced) << forced.error().describe();
  EXPECT_TRUE(forced->ok);
  EXPECT_EQ(forced->overrideBy, "ms.jones");
  auto loans = circ().openLoans(patronId("S1"));
  ASSERT_TRUE(loans);
  ASSERT_EQ(loans->size(), 2u);
  for (const auto& l : *loans) {
    EXPECT_EQ(l.overrideBy, l.copyBarcode == "T2" ? "ms.jones" : "") << l.copyBarcode;
    EXPECT_EQ(l.overridden, l.copyBarcode == "T2");
  }
  // --override with nothing to override records no one.
  auto plain =
      checkout(circ(), config_, {"S2", "T3", std::nullopt, true, "ms.jones"}, at(2026, 9, 2));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->overridden);
  EXPECT_EQ(plain->overrideBy, "");
  auto current = circ().currentLoan(plain->copy.id);
  ASSERT_TRUE(current && current->has_value());
  EXPECT_EQ((*current)->overrideBy, "");
  auto who = circ().findBorrowerById((*current)->patronId);
  ASSERT_TRUE(who && who->has_value());
  EXPECT_EQ((*who)->districtId, "S2");
  EXPECT_EQ((*who)->lastName, "Okafor");
  auto nobody = circ().findBorrowerById(999999);
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(nobody->has_value());
}

TEST_P(LibrarianContract, AWaiverIsSpreadOldestFirstAndRecordedWithWhoWhenAndWhy) {
  charge("S1", 1000, "damage: T1", "2026-09-01T10:00:00");
  charge("S1", 500, "late: L1", "2026-09-10T10:00:00");
  ASSERT_TRUE(payFines(circ(), "S1", "4.00", at(2026, 9, 11)));
  auto out =
      waiveFines(circ(), {"P1", "7.50", "  found the book  ", "ms.jones"}, at(2026, 9, 12, 14));
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->balanceCents, 350);
  EXPECT_EQ(out->waiver.reason, "found the book");
  auto f = finesOf(circ(), "S1");
  ASSERT_TRUE(f) << f.error().describe();
  EXPECT_EQ(f->balanceCents, 350);
  ASSERT_EQ(f->fines.size(), 2u);
  // The oldest first: 6.00 of it owed after the payment, then 1.50 of the second.
  EXPECT_EQ(f->fines[0].waivedCents, 600);
  EXPECT_EQ(f->fines[0].amountCents + f->fines[0].waivedCents, 1000);
  EXPECT_EQ(f->fines[0].amountCents - f->fines[0].paidCents, 0);
  EXPECT_EQ(f->fines[1].waivedCents, 150);
  EXPECT_EQ(f->fines[1].amountCents - f->fines[1].paidCents, 350);
  ASSERT_EQ(f->waivers.size(), 1u);
  EXPECT_EQ(f->waivers[0].amountCents, 750);
  EXPECT_EQ(f->waivers[0].waivedBy, "ms.jones");
  EXPECT_EQ(f->waivers[0].reason, "found the book");
  EXPECT_EQ(f->waivers[0].waivedAt, "2026-09-12T14:00:00");
  auto unpaid = circ().unpaidCents(patronId("S1"));
  ASSERT_TRUE(unpaid);
  EXPECT_EQ(*unpaid, 350);
}

TEST_P(LibrarianContract, RefusedWaiversChangeNothing) {
  charge("S1", 1000, "damage", "2026-09-01T10:00:00");
  struct Case {
    WaiverRequest req;
    std::string code;
  };
  std::vector<Case> cases{
      {{"S1", "10.01", "r", "me"}, "NOT_OWED"}, {{"S2", "1.00", "r", "me"}, "NOT_OWED"},
      {{"S1", "0.00", "r", "me"}, "USAGE"},     {{"S1", "-1.00", "r", "me"}, "USAGE"},
      {{"S1", "ten", "r", "me"}, "USAGE"},      {{"S1", "1.005", "r", "me"}, "USAGE"},
      {{"S1", "1.00", "  ", "me"}, "USAGE"},    {{"S1", "1.00", "r", ""}, "USAGE"},
      {{"S9", "1.00", "r", "me"}, "USAGE"},
  };
  for (const auto& c : cases) {
    auto out = waiveFines(circ(), c.req, at(2026, 9, 2));
    ASSERT_FALSE(out) << c.req.patron << " " << c.req.amount;
    EXPECT_EQ(out.error().code.name(), c.code) << c.req.amount << ": " << out.error().message;
  }
  auto f = finesOf(circ(), "S1");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->balanceCents, 1000);
  EXPECT_EQ(f->fines[0].waivedCents, 0);
  EXPECT_TRUE(f->waivers.empty());
  auto unknown = finesOf(circ(), "S9");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code.name(), "USAGE");
  // The whole balance may be waived.
  ASSERT_TRUE(waiveFines(circ(), {"S1", "10", "write-off", "me"}, at(2026, 9, 2)));
  EXPECT_EQ(finesOf(circ(), "S1")->balanceCents, 0);
}

TEST_P(LibrarianContract, UnpaidFinesOfEveryPatronByName) {
  charge("S1", 1000, "damage", "2026-09-01T10:00:00");
  charge("S4", 200, "late", "2026-09-02T10:00:00");
  charge("S2", 300, "late", "2026-09-03T10:00:00");
  charge("S2", 100, "paid", "2026-09-03T11:00:00");
  ASSERT_TRUE(payFines(circ(), "S2", "3.00", at(2026, 9, 4)));
  auto all = circ().unpaidFines();
  ASSERT_TRUE(all) << all.error().describe();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].patron.lastName, "Adams");
  EXPECT_EQ((*all)[0].patron.site, "WES");
  EXPECT_EQ((*all)[1].patron.lastName, "Núñez");
  EXPECT_EQ((*all)[1].fine.amountCents, 1000);
  EXPECT_EQ((*all)[1].fine.reason, "damage");
  EXPECT_EQ((*all)[2].patron.districtId, "S2");
  EXPECT_EQ((*all)[2].fine.reason, "paid");  // 3.00 paid the older one
  EXPECT_TRUE((*all)[2].patron.active);
}

TEST_P(LibrarianContract, LostCopyReturnedRecordsTheWaivedFine) {
  config_.textbookPolicies.district.overdueToLostDays = 10;
  config_.textbookPolicies.district.chargeLost = true;
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T2", at(2026, 9, 5), false}, at(2026, 9, 1)));
  auto swept = sweep(circ(), config_, at(2026, 9, 20));
  ASSERT_TRUE(swept);
  ASSERT_EQ(swept->finesCents, 4500);
  ASSERT_TRUE(checkin(circ(), config_, "T2", at(2026, 9, 21)));
  auto f = finesOf(circ(), "S1");
  ASSERT_TRUE(f);
  ASSERT_EQ(f->fines.size(), 1u);
  EXPECT_EQ(f->fines[0].amountCents, 0);
  EXPECT_EQ(f->fines[0].waivedCents, 4500);
  EXPECT_EQ(f->balanceCents, 0);
}

TEST_P(LibrarianContract, ReportLoansFiltersByPatronAndValuesTheCurrentCondition) {
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T1", std::nullopt, false}, at(2026, 9, 1)));
  ASSERT_TRUE(checkout(circ(), config_, {"S2", "T2", at(2026, 9, 10), false}, at(2026, 9, 1)));
  ASSERT_TRUE(checkout(circ(), config_, {"S2", "L1", std::nullopt, false}, at(2026, 9, 1)));
  ASSERT_TRUE(checkout(circ(), config_, {"S4", "W1", std::nullopt, false}, at(2026, 9, 1)));
  // S3 is inactive now: the loan was made before.
  ASSERT_TRUE(circ().begin());
  std::int64_t t3 = 0;
  ASSERT_TRUE(circ().forEachCopy([&](Copy&& c) {
    if (c.barcode == "T3") {
      t3 = c.id;
    }
  }));
  ASSERT_TRUE(circ().claimCopy(t3, "2026-07-01T10:00:00"));
  Loan l;
  l.copyId = t3;
  l.patronId = patronId("S3");
  l.checkedOutAt = "2026-07-01T10:00:00";
  l.due = "2027-01-01";
  ASSERT_TRUE(circ().insertLoan(l));
  ASSERT_TRUE(circ().commit());
  // A returned loan is not open.
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T4", std::nullopt, true}, at(2026, 9, 1)));
  ASSERT_TRUE(checkin(circ(), config_, "T4", at(2026, 9, 3)));
  // The percentages changed since the copies were valued: good is now 50%.
  config_.conditions = {{"new", 100},  {"good", 50},   {"fair", 40},   {"poor", 25},
                        {"usable", 0}, {"damaged", 0}, {"unusable", 0}};

  auto r = loansReport(circ(), config_, {}, CivilTime{2026, 9, 15});
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->loans.size(), 5u);
  EXPECT_EQ(r->totalLoans, 5);
  // LHS/Moved: Lee (inactive, T3 fair 40% of 80), Okafor (T2 good 50% of 60, L1 good 50% of
  // 9.99); LHS/Smith 104: Núñez T1; WES/Gym: Adams W1.
  ASSERT_EQ(r->homerooms.size(), 3u);
  EXPECT_EQ(r->homerooms[0].site, "LHS");
  EXPECT_EQ(r->homerooms[0].homeroom, "Moved");
  EXPECT_EQ(r->homerooms[0].loans, 3);
  EXPECT_EQ(r->homerooms[0].valueCents, 3200 + 3000 + 500);
  EXPECT_EQ(r->homerooms[1].homeroom, "Smith 104");
  EXPECT_EQ(r->homerooms[1].valueCents, 6000);
  EXPECT_EQ(r->homerooms[2].site, "WES");
  EXPECT_EQ(r->homerooms[2].valueCents, 3000);
  EXPECT_EQ(r->totalValueCents, 3200 + 3000 + 500 + 6000 + 3000);
  EXPECT_EQ(r->loans[0].line.patron.lastName, "Lee");
  EXPECT_FALSE(r->loans[0].line.patron.active);
  EXPECT_EQ(r->loans[0].line.condition, "fair");
  EXPECT_EQ(r->loans[1].line.loan.copyBarcode, "T2");  // Okafor's: due first
  EXPECT_EQ(r->loans[1].overdueDays, 5);
  EXPECT_EQ(r->loans[1].line.loan.title, "Algebra I");
  EXPECT_EQ(r->loans[1].line.homeroom, "Moved");
  EXPECT_EQ(r->loans[2].line.loan.copyBarcode, "L1");

  auto moved = loansReport(circ(), config_, {"LHS", "Moved", true}, CivilTime{2026, 9, 15});
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->totalLoans, 2);
  auto inactive = loansReport(circ(), config_, {"", "", false}, CivilTime{2026, 9, 15});
  ASSERT_TRUE(inactive);
  ASSERT_EQ(inactive->totalLoans, 1);
  EXPECT_EQ(inactive->loans[0].line.patron.districtId, "S3");
  auto wes = loansReport(circ(), config_, {"WES", "", std::nullopt}, CivilTime{2026, 9, 15});
  ASSERT_TRUE(wes);
  EXPECT_EQ(wes->totalLoans, 1);
  auto none = loansReport(circ(), config_, {"LHS", "Gym", std::nullopt}, CivilTime{2026, 9, 15});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->totalLoans, 0);
  EXPECT_TRUE(none->homerooms.empty());
}

// The report's order is byte order on every database (PostgreSQL's collation would put
// "adams" before "Zed" and "Ábel" among the A's), and a patron without a homeroom is "".
TEST_P(LibrarianContract, ReportLoansComeInByteOrderOfSiteHomeroomAndName) {
  std::vector<Patron> ps{
      test::samplePatron("S5", "P5", "adams"), test::samplePatron("S6", "P6", "Ábel"),
      test::samplePatron("S7", "P7", "Zed"), test::samplePatron("S8", "P8", "Ng")};
  ps[3].get(PatronField::kHomeroom) = "";
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->insertPatrons(ps));
  ASSERT_TRUE(store_->commit());
  ASSERT_TRUE(checkout(circ(), config_, {"S5", "T1", std::nullopt, false}, at(2026, 9, 1)));
  ASSERT_TRUE(checkout(circ(), config_, {"S6", "T2", std::nullopt, false}, at(2026, 9, 1)));
  ASSERT_TRUE(checkout(circ(), config_, {"S7", "T3", std::nullopt, false}, at(2026, 9, 1)));
  ASSERT_TRUE(checkout(circ(), config_, {"S8", "L1", std::nullopt, false}, at(2026, 9, 1)));
  auto r = loansReport(circ(), config_, {"LHS", "", std::nullopt}, CivilTime{2026, 9, 2});
  ASSERT_TRUE(r) << r.error().describe();
  Names names;
  for (const auto& l : r->loans) {
    names.push_back(l.line.patron.lastName);
  }
  EXPECT_EQ(names, (Names{"Ng", "Zed", "adams", "Ábel"}));
  ASSERT_EQ(r->homerooms.size(), 2u);
  EXPECT_EQ(r->homerooms[0].homeroom, "");
  EXPECT_EQ(r->homerooms[0].loans, 1);
  EXPECT_EQ(r->homerooms[1].homeroom, "Smith 104");
  EXPECT_EQ(r->homerooms[1].loans, 3);
}

// `patrons delete` (issue 18): a deletion by hand has no run (run_id NULL on every backend)
// and is archived as the lifecycle archives: open loans closed as lost, their copies lost.
TEST_P(LibrarianContract, AHandDeletionIsArchivedWithoutARunAndClosesItsLoansAsLost) {
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T1", std::nullopt, false}, at(2026, 9, 1)));
  charge("S1", 500, "damaged", "2026-09-02T10:00:00");
  const std::int64_t s1 = patronId("S1"), s4 = patronId("S4");
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_
                  ->deletePatrons({{s1, 0, "patrons_delete", "2027-06-20T10:00:00"},
                                   {s4, 0, "patrons_delete", "2027-06-20T10:00:00"}})
                  .ok());
  ASSERT_TRUE(store_->commit());
  EXPECT_FALSE(store_->findPatron("S1")->has_value());
  EXPECT_FALSE(store_->findPatron("S4")->has_value());
  EXPECT_TRUE(store_->findPatron("S2")->has_value());
  auto copy = circ().findCopy("T1");
  ASSERT_TRUE(copy.ok() && copy->has_value());
  EXPECT_EQ((*copy)->status, "lost");
  auto loans = circ().openLoans(s1);
  ASSERT_TRUE(loans.ok());
  EXPECT_TRUE(loans->empty());
}

INSTANTIATE_TEST_SUITE_P(AllBackends, LibrarianContract,
                         ::testing::ValuesIn(test::contractBackends()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace patrond
