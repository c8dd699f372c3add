#pragma once
// `patrond reports loans` (SPEC section 11): the open loans of the chosen patrons with
// title, copy, due date and value, counted and valued per homeroom, with a total. "How
// many books walk out the door with students who moved." A loan's value is its copy's
// value in its current condition, as circulation computes it (engine/circulation.h,
// currentValue). Pure apart from the one read; main thread.

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

struct LoansReport {
  std::vector<ReportLoan> loans;  // by site, homeroom, patron name, due date, copy
  std::vector<HomeroomLoans> homerooms;
  std::int64_t totalLoans = 0, totalValueCents = 0;
};

// Orders, values and totals the loans (the report without the read).
LoansReport buildLoansReport(std::vector<LoanLine> lines, const std::vector<Condition>& conditions,
                             const CivilTime& today);
Result<LoansReport> loansReport(CirculationStore& store, const Config& config,
                                const LoanReportFilter& filter, const CivilTime& today);

}  // namespace patrond
