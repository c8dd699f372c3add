#include "daemon/loans_report_output.h"

#include <nlohmann/json.hpp>
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

std::string siteLabel(const std::string& site) {
  return site.empty() ? "(no site)" : site;
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

std::string totalLine(const LoansTotal& t) {
  return "Total: " + std::to_string(t.loans) + " loan(s), value " + formatCents(t.valueCents) +
         ", in " + std::to_string(t.homerooms) + " homeroom(s)";
}

class TextWriter final : public LoansReportWriter {
 public:
  TextWriter(const LoansReportHeading& h, std::ostream& out) : out_(out) {
    out_ << "Open loans on " << h.date << " (" << escapeControl(filterLine(h)) << ")\n";
  }
  void homeroomStart(const std::string& site, const std::string& homeroom) override {
    out_ << "\n"
         << escapeControl(siteLabel(site)) << " / " << escapeControl(homeroomLabel(homeroom))
         << "\n";
  }
  void loan(const ReportLoan& l) override {
    const Borrower& p = l.line.patron;
    out_ << "  " << escapeControl(p.lastName + ", " + p.firstName) << " ("
         << escapeControl(patronKeyOf(p)) << (p.active ? "" : ", inactive") << ")  "
         << escapeControl(l.line.loan.copyBarcode) << " '" << escapeControl(l.line.loan.title)
         << "'  due " << escapeControl(l.line.loan.due)
         << (l.overdueDays > 0 ? " (" + std::to_string(l.overdueDays) + " days overdue)" : "")
         << "  " << escapeControl(l.line.condition) << "  " << formatCents(l.valueCents) << "\n";
  }
  void homeroomEnd(const HomeroomLoans& room) override {
    out_ << "  " << room.loans << " loan(s), value " << formatCents(room.valueCents) << "\n";
  }
  void end(const LoansTotal& total) override {
    if (total.loans == 0) {
      out_ << "\nNo open loans match.\n";
    }
    out_ << "\n" << totalLine(total) << "\n";
  }

 private:
  std::ostream& out_;
};

class CsvWriter final : public LoansReportWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {
    row({"row", "site", "homeroom", "district_id", "patron_barcode", "last_name", "first_name",
         "grade", "patron_status", "copy", "title", "due", "overdue_days", "condition", "loans",
         "value"});
  }
  void homeroomStart(const std::string&, const std::string&) override {}
  void loan(const ReportLoan& l) override {
    const Borrower& p = l.line.patron;
    row({"loan", p.site, l.line.homeroom, p.districtId, p.barcode, p.lastName, p.firstName,
         l.line.grade, p.active ? "active" : "inactive", l.line.loan.copyBarcode, l.line.loan.title,
         l.line.loan.due, std::to_string(l.overdueDays), l.line.condition, "1",
         formatCents(l.valueCents)});
  }
  void homeroomEnd(const HomeroomLoans& room) override {
    row({"homeroom", room.site, room.homeroom, "", "", "", "", "", "", "", "", "", "", "",
         std::to_string(room.loans), formatCents(room.valueCents)});
  }
  void end(const LoansTotal& total) override {
    row({"total", "", "", "", "", "", "", "", "", "", "", "", "", "", std::to_string(total.loans),
         formatCents(total.valueCents)});
  }

 private:
  void row(const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out_ << (i ? "," : "") << csvField(cells[i]);
    }
    out_ << "\r\n";
  }
  std::ostream& out_;
};

class HtmlWriter final : public LoansReportWriter {
 public:
  HtmlWriter(const LoansReportHeading& h, std::ostream& out) : out_(out) {
    std::string title = "Open loans on " + h.date;
    out_ << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
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
  }
  void homeroomStart(const std::string& site, const std::string& homeroom) override {
    out_ << "<table>\n<caption>" << htmlEscape(siteLabel(site)) << " / "
         << htmlEscape(homeroomLabel(homeroom)) << "</caption>\n"
         << "<thead><tr><th>Patron</th><th>Id</th><th>Grade</th><th>Status</th><th>Copy</th>"
         << "<th>Title</th><th>Due</th><th class=\"num\">Days overdue</th><th>Condition</th>"
         << "<th class=\"num\">Value</th></tr></thead>\n<tbody>\n";
  }
  void loan(const ReportLoan& l) override {
    const Borrower& p = l.line.patron;
    out_ << "<tr><td>" << htmlEscape(p.lastName + ", " + p.firstName) << "</td><td>"
         << htmlEscape(patronKeyOf(p)) << "</td><td>" << htmlEscape(l.line.grade) << "</td><td>"
         << (p.active ? "active" : "inactive") << "</td><td>" << htmlEscape(l.line.loan.copyBarcode)
         << "</td><td>" << htmlEscape(l.line.loan.title) << "</td><td>"
         << htmlEscape(l.line.loan.due) << "</td><td class=\"num\">" << l.overdueDays << "</td><td>"
         << htmlEscape(l.line.condition) << "</td><td class=\"num\">" << formatCents(l.valueCents)
         << "</td></tr>\n";
  }
  void homeroomEnd(const HomeroomLoans& room) override {
    out_ << "</tbody>\n<tfoot><tr><td colspan=\"9\">" << room.loans
         << " loan(s)</td><td class=\"num\">" << formatCents(room.valueCents)
         << "</td></tr></tfoot>\n</table>\n";
  }
  void end(const LoansTotal& total) override {
    if (total.loans == 0) {
      out_ << "<p>No open loans match.</p>\n";
    }
    out_ << "<p class=\"total\"><strong>" << htmlEscape(totalLine(total))
         << "</strong></p>\n</body>\n</html>\n";
  }

 private:
  std::ostream& out_;
};

// One JSON document, the loans written as they come (one object a line); the homerooms,
// a handful, kept for the end.
class JsonWriter final : public LoansReportWriter {
 public:
  JsonWriter(const LoansReportHeading& h, std::ostream& out) : out_(out) {
    json head{{"date", h.date},
              {"filters",
               {{"site", orNull(h.site)}, {"homeroom", orNull(h.homeroom)}, {"status", h.status}}}};
    std::string text = head.dump();
    text.pop_back();  // the closing brace: the document goes on
    out_ << text << ",\n\"loans\": [";
  }
  void homeroomStart(const std::string&, const std::string&) override {}
  void loan(const ReportLoan& l) override {
    const Borrower& p = l.line.patron;
    json j{{"site", orNull(p.site)},          {"homeroom", orNull(l.line.homeroom)},
           {"patron", patronKeyOf(p)},        {"district_id", p.districtId},
           {"last_name", p.lastName},         {"first_name", p.firstName},
           {"grade", orNull(l.line.grade)},   {"patron_status", p.active ? "active" : "inactive"},
           {"copy", l.line.loan.copyBarcode}, {"title", l.line.loan.title},
           {"due", l.line.loan.due},          {"overdue_days", l.overdueDays},
           {"condition", l.line.condition},   {"value", formatCents(l.valueCents)}};
    out_ << (first_ ? "\n  " : ",\n  ") << j.dump();
    first_ = false;
  }
  void homeroomEnd(const HomeroomLoans& room) override {
    homerooms_.push_back({{"site", orNull(room.site)},
                          {"homeroom", orNull(room.homeroom)},
                          {"loans", room.loans},
                          {"value", formatCents(room.valueCents)}});
  }
  void end(const LoansTotal& total) override {
    json tail{{"homerooms", homerooms_},
              {"total", {{"loans", total.loans}, {"value", formatCents(total.valueCents)}}}};
    std::string text = tail.dump(2);
    out_ << (first_ ? "],\n" : "\n],\n") << text.substr(text.find('\n') + 1) << "\n";
  }

 private:
  static json orNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
  std::ostream& out_;
  bool first_ = true;
  json homerooms_ = json::array();
};

}  // namespace

std::unique_ptr<LoansReportWriter> makeLoansReportWriter(const std::string& format,
                                                         const LoansReportHeading& heading,
                                                         std::ostream& out) {
  if (format == "csv") {
    return std::make_unique<CsvWriter>(out);
  }
  if (format == "html") {
    return std::make_unique<HtmlWriter>(heading, out);
  }
  if (format == "json") {
    return std::make_unique<JsonWriter>(heading, out);
  }
  return std::make_unique<TextWriter>(heading, out);
}

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

}  // namespace patrond::daemon
