#include "daemon/loans_report_output.h"

#include <sstream>
#include <vector>

#include "engine/text.h"

namespace patrond::daemon {

using nlohmann::json;

namespace {

std::string patronKeyOf(const Borrower& b) {
  return b.barcode.empty() ? b.districtId : b.barcode;
}

std::string homeroomLabel(const std::string& homeroom) {
  return homeroom.empty() ? "(no homeroom)" : homeroom;
}

std::string filterLine(const LoansReportHeading& h) {
  std::string out = "patrons: " + h.status;
  if (!h.site.empty()) {
    out += ", site " + h.site;
  }
  if (!h.homeroom.empty()) {
    out += ", homeroom " + h.homeroom;
  }
  return out;
}

// Calls group(first, end) for each homeroom's run of loans, in order.
template <typename Group>
void forEachHomeroom(const LoansReport& r, Group group) {
  std::size_t start = 0;
  for (const auto& h : r.homerooms) {
    std::size_t end = start + static_cast<std::size_t>(h.loans);
    group(h, start, end);
    start = end;
  }
}

}  // namespace

std::string csvField(std::string_view v) {
  std::string cell(v);
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r')) {
    cell.insert(cell.begin(), '\'');
  }
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    return cell;
  }
  std::string out = "\"";
  for (char c : cell) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

std::string htmlEscape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string loansReportText(const LoansReport& r, const LoansReportHeading& h) {
  std::ostringstream out;
  out << "Open loans on " << h.date << " (" << escapeControl(filterLine(h)) << ")\n";
  forEachHomeroom(r, [&](const HomeroomLoans& room, std::size_t from, std::size_t to) {
    out << "\n"
        << escapeControl(room.site.empty() ? "(no site)" : room.site) << " / "
        << escapeControl(homeroomLabel(room.homeroom)) << ": " << room.loans << " loan(s), value "
        << formatCents(room.valueCents) << "\n";
    for (std::size_t i = from; i < to; ++i) {
      const ReportLoan& l = r.loans[i];
      const Borrower& p = l.line.patron;
      out << "  " << escapeControl(p.lastName + ", " + p.firstName) << " ("
          << escapeControl(patronKeyOf(p)) << (p.active ? "" : ", inactive") << ")  "
          << escapeControl(l.line.loan.copyBarcode) << " '" << escapeControl(l.line.loan.title)
          << "'  due " << l.line.loan.due
          << (l.overdueDays > 0 ? " (" + std::to_string(l.overdueDays) + " days overdue)" : "")
          << "  " << escapeControl(l.line.condition) << "  " << formatCents(l.valueCents) << "\n";
    }
  });
  if (r.loans.empty()) {
    out << "\nNo open loans match.\n";
  }
  out << "\nTotal: " << r.totalLoans << " loan(s), value " << formatCents(r.totalValueCents)
      << ", in " << r.homerooms.size() << " homeroom(s)\n";
  return out.str();
}

std::string loansReportCsv(const LoansReport& r) {
  std::ostringstream out;
  auto row = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out << (i ? "," : "") << csvField(cells[i]);
    }
    out << "\r\n";
  };
  row({"row", "site", "homeroom", "district_id", "patron_barcode", "last_name", "first_name",
       "grade", "patron_status", "copy", "title", "due", "overdue_days", "condition", "loans",
       "value"});
  forEachHomeroom(r, [&](const HomeroomLoans& room, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const ReportLoan& l = r.loans[i];
      const Borrower& p = l.line.patron;
      row({"loan", p.site, l.line.homeroom, p.districtId, p.barcode, p.lastName, p.firstName,
           l.line.grade, p.active ? "active" : "inactive", l.line.loan.copyBarcode,
           l.line.loan.title, l.line.loan.due, std::to_string(l.overdueDays), l.line.condition, "1",
           formatCents(l.valueCents)});
    }
    row({"homeroom", room.site, room.homeroom, "", "", "", "", "", "", "", "", "", "", "",
         std::to_string(room.loans), formatCents(room.valueCents)});
  });
  row({"total", "", "", "", "", "", "", "", "", "", "", "", "", "", std::to_string(r.totalLoans),
       formatCents(r.totalValueCents)});
  return out.str();
}

std::string loansReportHtml(const LoansReport& r, const LoansReportHeading& h) {
  std::ostringstream out;
  std::string title = "Open loans on " + h.date;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
      << htmlEscape(title) << "</title>\n<style>\n"
      << "body { font-family: sans-serif; margin: 1.5em; }\n"
      << "table { border-collapse: collapse; margin-bottom: 1.5em; width: 100%; }\n"
      << "caption { text-align: left; font-weight: bold; padding: 0.3em 0; }\n"
      << "th, td { border: 1px solid #999; padding: 0.2em 0.5em; text-align: left; }\n"
      << "td.num, th.num { text-align: right; }\n"
      << "tfoot td { font-weight: bold; }\n"
      << "@media print { table { page-break-inside: avoid; } }\n"
      << "</style>\n</head>\n<body>\n<h1>" << htmlEscape(title) << "</h1>\n<p>"
      << htmlEscape(filterLine(h)) << "</p>\n";
  forEachHomeroom(r, [&](const HomeroomLoans& room, std::size_t from, std::size_t to) {
    out << "<table>\n<caption>" << htmlEscape(room.site) << " / "
        << htmlEscape(homeroomLabel(room.homeroom)) << "</caption>\n"
        << "<thead><tr><th>Patron</th><th>Id</th><th>Grade</th><th>Status</th><th>Copy</th>"
        << "<th>Title</th><th>Due</th><th class=\"num\">Days overdue</th><th>Condition</th>"
        << "<th class=\"num\">Value</th></tr></thead>\n<tbody>\n";
    for (std::size_t i = from; i < to; ++i) {
      const ReportLoan& l = r.loans[i];
      const Borrower& p = l.line.patron;
      out << "<tr><td>" << htmlEscape(p.lastName + ", " + p.firstName) << "</td><td>"
          << htmlEscape(patronKeyOf(p)) << "</td><td>" << htmlEscape(l.line.grade) << "</td><td>"
          << (p.active ? "active" : "inactive") << "</td><td>"
          << htmlEscape(l.line.loan.copyBarcode) << "</td><td>" << htmlEscape(l.line.loan.title)
          << "</td><td>" << htmlEscape(l.line.loan.due) << "</td><td class=\"num\">"
          << l.overdueDays << "</td><td>" << htmlEscape(l.line.condition)
          << "</td><td class=\"num\">" << formatCents(l.valueCents) << "</td></tr>\n";
    }
    out << "</tbody>\n<tfoot><tr><td colspan=\"9\">" << room.loans
        << " loan(s)</td><td class=\"num\">" << formatCents(room.valueCents)
        << "</td></tr></tfoot>\n</table>\n";
  });
  if (r.loans.empty()) {
    out << "<p>No open loans match.</p>\n";
  }
  out << "<p class=\"total\"><strong>Total: " << r.totalLoans << " loan(s), value "
      << formatCents(r.totalValueCents) << ", in " << r.homerooms.size()
      << " homeroom(s)</strong></p>\n</body>\n</html>\n";
  return out.str();
}

json loansReportJson(const LoansReport& r, const LoansReportHeading& h) {
  auto orNull = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  json j{{"date", h.date},
         {"filters",
          {{"site", orNull(h.site)}, {"homeroom", orNull(h.homeroom)}, {"status", h.status}}},
         {"loans", json::array()},
         {"homerooms", json::array()},
         {"total", {{"loans", r.totalLoans}, {"value", formatCents(r.totalValueCents)}}}};
  for (const auto& l : r.loans) {
    const Borrower& p = l.line.patron;
    j["loans"].push_back({{"site", orNull(p.site)},
                          {"homeroom", orNull(l.line.homeroom)},
                          {"patron", patronKeyOf(p)},
                          {"district_id", p.districtId},
                          {"last_name", p.lastName},
                          {"first_name", p.firstName},
                          {"grade", orNull(l.line.grade)},
                          {"patron_status", p.active ? "active" : "inactive"},
                          {"copy", l.line.loan.copyBarcode},
                          {"title", l.line.loan.title},
                          {"due", l.line.loan.due},
                          {"overdue_days", l.overdueDays},
                          {"condition", l.line.condition},
                          {"value", formatCents(l.valueCents)}});
  }
  for (const auto& room : r.homerooms) {
    j["homerooms"].push_back({{"site", orNull(room.site)},
                              {"homeroom", orNull(room.homeroom)},
                              {"loans", room.loans},
                              {"value", formatCents(room.valueCents)}});
  }
  return j;
}

}  // namespace patrond::daemon
