#include "engine/loans_report.h"

#include <algorithm>
#include <tuple>

#include "engine/circulation.h"

namespace patrond {

LoansReport buildLoansReport(std::vector<LoanLine> lines, const std::vector<Condition>& conditions,
                             const CivilTime& today) {
  // Byte order, the same on every database.
  std::sort(lines.begin(), lines.end(), [](const LoanLine& a, const LoanLine& b) {
    return std::tie(a.patron.site, a.homeroom, a.patron.lastName, a.patron.firstName,
                    a.patron.districtId, a.loan.due, a.loan.copyBarcode) <
           std::tie(b.patron.site, b.homeroom, b.patron.lastName, b.patron.firstName,
                    b.patron.districtId, b.loan.due, b.loan.copyBarcode);
  });
  LoansReport out;
  out.loans.reserve(lines.size());
  for (auto& line : lines) {
    ReportLoan r;
    r.valueCents = currentValue(conditions, line.condition, line.purchaseCents,
                                line.replacementCents, line.loan.valueCents);
    r.overdueDays = overdueDays(line.loan.due, today);
    if (out.homerooms.empty() || out.homerooms.back().site != line.patron.site ||
        out.homerooms.back().homeroom != line.homeroom) {
      out.homerooms.push_back({line.patron.site, line.homeroom, 0, 0});
    }
    out.homerooms.back().loans += 1;
    out.homerooms.back().valueCents += r.valueCents;
    out.totalLoans += 1;
    out.totalValueCents += r.valueCents;
    r.line = std::move(line);
    out.loans.push_back(std::move(r));
  }
  return out;
}

Result<LoansReport> loansReport(CirculationStore& store, const Config& config,
                                const LoanReportFilter& filter, const CivilTime& today) {
  std::vector<LoanLine> lines;
  auto r = store.forEachReportLoan(filter, [&](LoanLine&& l) { lines.push_back(std::move(l)); });
  if (!r) {
    return r.error();
  }
  return buildLoansReport(std::move(lines), config.conditions, today);
}

}  // namespace patrond
