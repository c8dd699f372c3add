#pragma once
// `reports loans` printed: text for a terminal, CSV for a spreadsheet (RFC 4180, and cells
// that a spreadsheet would run as a formula made inert), one self-contained HTML page, and
// the --json document. Pure string building; any thread.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/loans_report.h"

namespace patrond::daemon {

// What the report was asked for, printed with it.
struct LoansReportHeading {
  std::string date;  // YYYY-MM-DD
  std::string site, homeroom, status;
};

std::string loansReportText(const LoansReport& report, const LoansReportHeading& heading);
std::string loansReportCsv(const LoansReport& report);
std::string loansReportHtml(const LoansReport& report, const LoansReportHeading& heading);
nlohmann::json loansReportJson(const LoansReport& report, const LoansReportHeading& heading);

// One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); a leading
// = + - @ tab or CR gets a ' first, so a spreadsheet shows it rather than running it.
std::string csvField(std::string_view value);
// Text for HTML element content and attribute values: & < > " ' escaped.
std::string htmlEscape(std::string_view value);

}  // namespace patrond::daemon
