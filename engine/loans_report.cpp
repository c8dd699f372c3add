#include "engine/loans_report.h"

#include <utility>

#include "engine/circulation.h"

namespace patrond {

void LoansReportBuilder::add(LoanLine&& line) {
  if (!open_ || current_.site != line.patron.site || current_.homeroom != line.homeroom) {
    if (open_) {
      writer_.homeroomEnd(current_);
    }
    current_ = HomeroomLoans{line.patron.site, line.homeroom, 0, 0};
    open_ = true;
    total_.homerooms += 1;
    writer_.homeroomStart(current_.site, current_.homeroom);
  }
  ReportLoan r;
  r.valueCents = currentValue(conditions_, line.condition, line.purchaseCents,
                              line.replacementCents, line.loan.valueCents);
  r.overdueDays = overdueDays(line.loan.due, today_);
  r.line = std::move(line);
  current_.loans += 1;
  current_.valueCents += r.valueCents;
  total_.loans += 1;
  total_.valueCents += r.valueCents;
  writer_.loan(r);
}

LoansTotal LoansReportBuilder::finish() {
  if (open_) {
    writer_.homeroomEnd(current_);
    open_ = false;
  }
  writer_.end(total_);
  return total_;
}

Result<LoansTotal> writeLoansReport(CirculationStore& store, const Config& config,
                                    const LoanReportFilter& filter, const CivilTime& today,
                                    LoansReportWriter& writer) {
  LoansReportBuilder builder(config.conditions, today, writer);
  auto r = store.forEachReportLoan(filter, [&](LoanLine&& l) { builder.add(std::move(l)); });
  if (!r) {
    return r.error();
  }
  return builder.finish();
}

namespace {

class Collector final : public LoansReportWriter {
 public:
  explicit Collector(LoansReport& out) : out_(out) {}
  void homeroomStart(const std::string&, const std::string&) override {}
  void loan(const ReportLoan& loan) override { out_.loans.push_back(loan); }
  void homeroomEnd(const HomeroomLoans& homeroom) override { out_.homerooms.push_back(homeroom); }
  void end(const LoansTotal& total) override {
    out_.totalLoans = total.loans;
    out_.totalValueCents = total.valueCents;
  }

 private:
  LoansReport& out_;
};

}  // namespace

Result<LoansReport> loansReport(CirculationStore& store, const Config& config,
                                const LoanReportFilter& filter, const CivilTime& today) {
  LoansReport out;
  Collector collector(out);
  auto r = writeLoansReport(store, config, filter, today, collector);
  if (!r) {
    return r.error();
  }
  return out;
}

}  // namespace patrond
