// The loans report's grouping and valuing (engine/loans_report.h), without a database: loans
// arriving in report order become homerooms with counts and values and one total, each
// valued in its copy's current condition.
#include "engine/loans_report.h"

#include <gtest/gtest.h>

#include "engine/circulation.h"

namespace patrond {
namespace {

LoanLine line(const std::string& site, const std::string& homeroom, const std::string& copy,
              const std::string& condition, std::int64_t purchase, std::int64_t stored = 0) {
  LoanLine l;
  l.patron.site = site;
  l.homeroom = homeroom;
  l.loan.copyBarcode = copy;
  l.loan.due = "2026-10-01";
  l.loan.valueCents = stored;
  l.condition = condition;
  l.purchaseCents = purchase;
  return l;
}

class Events final : public LoansReportWriter {
 public:
  std::vector<std::string> seen;
  void homeroomStart(const std::string& site, const std::string& homeroom) override {
    seen.push_back("start " + site + "/" + homeroom);
  }
  void loan(const ReportLoan& l) override {
    seen.push_back(l.line.loan.copyBarcode + " " + std::to_string(l.valueCents) + " " +
                   std::to_string(l.overdueDays));
  }
  void homeroomEnd(const HomeroomLoans& h) override {
    seen.push_back("end " + h.site + "/" + h.homeroom + " " + std::to_string(h.loans) + " " +
                   std::to_string(h.valueCents));
  }
  void end(const LoansTotal& t) override {
    seen.push_back("total " + std::to_string(t.loans) + " " + std::to_string(t.valueCents) + " " +
                   std::to_string(t.homerooms));
  }
};

TEST(LoansReport, GroupsLoansInOrderIntoHomeroomsWithValuesAndATotal) {
  auto conditions = defaultConditions();
  Events events;
  LoansReportBuilder b(conditions, CivilTime{2026, 10, 6}, events);
  b.add(line("LHS", "", "T0", "new", 1000));
  b.add(line("LHS", "Moved", "T1", "good", 6000));
  b.add(line("LHS", "Moved", "T2", "damaged", 6000));      // no replacement price: the purchase
  b.add(line("WES", "Moved", "T3", "shiny", 3000, 1234));  // not configured: the stored value
  LoansTotal t = b.finish();
  EXPECT_EQ(t.loans, 4);
  EXPECT_EQ(t.valueCents, 1000 + 4500 + 6000 + 1234);
  EXPECT_EQ(t.homerooms, 3);
  EXPECT_EQ(events.seen, (std::vector<std::string>{
                             "start LHS/", "T0 1000 5", "end LHS/ 1 1000", "start LHS/Moved",
                             "T1 4500 5", "T2 6000 5", "end LHS/Moved 2 10500", "start WES/Moved",
                             "T3 1234 5", "end WES/Moved 1 1234", "total 4 12734 3"}));
}

TEST(LoansReport, NoLoansIsOnlyAZeroTotal) {
  auto conditions = defaultConditions();
  Events events;
  LoansReportBuilder b(conditions, CivilTime{2026, 10, 6}, events);
  LoansTotal t = b.finish();
  EXPECT_EQ(t.loans, 0);
  EXPECT_EQ(events.seen, (std::vector<std::string>{"total 0 0 0"}));
}

TEST(LoansReport, CurrentValueFollowsTheConfiguredPercentages) {
  std::vector<Condition> conditions{{"new", 100}, {"good", 50}, {"usable", 0}};
  EXPECT_EQ(currentValue(conditions, "good", 5550, std::nullopt, 4163), 2775);
  EXPECT_EQ(currentValue(conditions, "usable", 5550, 7000, 0), 7000);
  EXPECT_EQ(currentValue(conditions, "fair", 5550, std::nullopt, 2775), 2775);
}

}  // namespace
}  // namespace patrond
