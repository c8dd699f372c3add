#pragma once
// `reports loans` printed as it streams from the database: text for a terminal, CSV for a
// spreadsheet (RFC 4180, and cells a spreadsheet would run as a formula made inert), one
// self-contained HTML page, and the --json document. Main thread.

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "engine/loans_report.h"

namespace patrond::daemon {

// What the report was asked for, printed with it.
struct LoansReportHeading {
  std::string date;  // YYYY-MM-DD
  std::string site, homeroom, status;
};

// A writer for `format` (text, csv, html or json) onto `out`; what comes before the first
// loan is written at once.
std::unique_ptr<LoansReportWriter> makeLoansReportWriter(const std::string& format,
                                                         const LoansReportHeading& heading,
                                                         std::ostream& out);

// One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); a leading
// = + - @ tab or CR gets a ' first, so a spreadsheet shows it rather than running it.
std::string csvField(std::string_view value);
// Text for HTML element content and attribute values: & < > " ' escaped.
std::string htmlEscape(std::string_view value);

}  // namespace patrond::daemon
