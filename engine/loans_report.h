#pragma once
// `patrond reports loans` (SPEC section 11): the open loans of the chosen patrons with
// title, copy, due date and value, counted and valued per homeroom, with a total. "How
// many books walk out the door with students who moved." A loan's value is its copy's
// value in its current condition, as circulation computes it (engine/circulation.h,
// currentValue). The loans stream from the store to a writer in report order, so a
// district's million loans never sit in memory at once. Main thread.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/civil_time.h"
#include "engine/config.h"
#include "engine/ports/circulation_store.h"
#include "engine/result.h"

namespace patrond {

struct ReportLoan {
  LoanLine line;
  std::int64_t valueCents = 0;
  int overdueDays = 0;
};

// One (site, homeroom) of the patrons; homeroom "" for patrons without one.
struct HomeroomLoans {
  std::string site, homeroom;
  std::int64_t loans = 0, valueCents = 0;
};

struct LoansTotal {
  std::int64_t loans = 0, valueCents = 0, homerooms = 0;
};

// Receives the report in order: for each homeroom its start, its loans (by patron name,
// due date, copy) and its count and value; then the total.
class LoansReportWriter {
 public:
  virtual ~LoansReportWriter() = default;
  virtual void homeroomStart(const std::string& site, const std::string& homeroom) = 0;
  virtual void loan(const ReportLoan& loan) = 0;
  virtual void homeroomEnd(const HomeroomLoans& homeroom) = 0;
  virtual void end(const LoansTotal& total) = 0;
};

// Groups and values loans that arrive in report order (CirculationStore::forEachReportLoan).
class LoansReportBuilder {
 public:
  LoansReportBuilder(const std::vector<Condition>& conditions, const CivilTime& today,
                     LoansReportWriter& writer)
      : conditions_(conditions), today_(today), writer_(writer) {}
  void add(LoanLine&& line);
  LoansTotal finish();

 private:
  const std::vector<Condition>& conditions_;
  CivilTime today_;
  LoansReportWriter& writer_;
  HomeroomLoans current_;
  bool open_ = false;
  LoansTotal total_;
};

// Reads the loans and writes the report; the writer has seen end() when this succeeds.
Result<LoansTotal> writeLoansReport(CirculationStore& store, const Config& config,
                                    const LoanReportFilter& filter, const CivilTime& today,
                                    LoansReportWriter& writer);

// The whole report in memory (tests, small reports).
struct LoansReport {
  std::vector<ReportLoan> loans;
  std::vector<HomeroomLoans> homerooms;
  std::int64_t totalLoans = 0, totalValueCents = 0;
};
Result<LoansReport> loansReport(CirculationStore& store, const Config& config,
                                const LoanReportFilter& filter, const CivilTime& today);

}  // namespace patrond
