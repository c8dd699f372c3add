#include "adapters/templates/mustache_renderer.h"

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

#include "engine/notices.h"
#include "engine/text.h"

namespace patrond::templates {
namespace {

namespace fs = std::filesystem;
using kainjow::mustache::data;
using kainjow::mustache::list;
using kainjow::mustache::mustache;

// Mustache here keeps the line breaks around section tags, so the tags sit at line ends.
const char* kTextTemplate =
    R"({{#teacher_name}}Dear {{teacher_name}},{{/teacher_name}}{{^teacher_name}}Hello,{{/teacher_name}}

{{intro}}{{#fallback}}

This homeroom has no teacher on record for library notices: please pass this on.{{/fallback}}{{#students}}

{{last_name}}, {{first_name}}{{#grade}} (grade {{grade}}){{/grade}}{{#items}}
  - {{title}}{{#copy}} [{{copy}}]{{/copy}}{{#due}}, due {{due}}{{/due}}{{#overdue}}, {{overdue_days}} day(s) overdue{{/overdue}}{{#fine}}, {{fine}} unpaid{{/fine}}{{/items}}{{#has_fines}}
  Total unpaid: {{fine_total}}{{/has_fines}}{{/students}}

{{closing}}

{{district}} libraries
)";

const char* kHtmlTemplate = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{subject}}</title>
<style>
body { font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222; }
table.notice { border-collapse: collapse; width: 100%; max-width: 720px; }
table.notice th { text-align: left; background: #2b4c7e; color: #fff; padding: 6px 8px; }
table.notice td { padding: 4px 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
tr.student td { background: #eef2f7; font-weight: bold; }
td.num { text-align: right; }
p.note { background: #fff4d6; padding: 6px 8px; }
</style>
</head>
<body>
<p>{{#teacher_name}}Dear {{teacher_name}},{{/teacher_name}}{{^teacher_name}}Hello,{{/teacher_name}}</p>
<p>{{intro}}</p>
{{#fallback}}<p class="note">This homeroom has no teacher on record for library notices: please pass this on.</p>
{{/fallback}}
<table class="notice" cellspacing="0" cellpadding="0">
<tr><th>Student / title</th><th>Copy</th><th>Due</th><th>{{#is_fines}}Unpaid{{/is_fines}}{{^is_fines}}Days overdue{{/is_fines}}</th></tr>
{{#students}}
<tr class="student"><td colspan="4">{{last_name}}, {{first_name}}{{#grade}} &middot; grade {{grade}}{{/grade}}</td></tr>
{{#items}}
<tr><td>{{title}}</td><td>{{copy}}</td><td>{{due}}</td><td class="num">{{#is_fines}}{{fine}}{{/is_fines}}{{^is_fines}}{{#overdue}}{{overdue_days}}{{/overdue}}{{/is_fines}}</td></tr>
{{/items}}
{{/students}}
</table>
<p>{{closing}}</p>
<p>{{district}} libraries</p>
</body>
</html>
)";

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string introFor(const NoticeConfig& notice, const NoticeRun& run, const NoticeMessage& m,
                     bool perStudent) {
  std::string whom = perStudent ? "You have" : "These students of " + m.homeroom + " have";
  switch (notice.report) {
    case NoticeReport::kOverdue:
      return whom + " library items that were due before " + run.date +
             " and have not been returned.";
    case NoticeReport::kDueSoon:
      return whom + " library items due soon, as of " + run.date + ".";
    case NoticeReport::kCheckedOut:
      return whom + " these library items checked out, as of " + run.date + ".";
    case NoticeReport::kFines:
      return whom + " unpaid library fines, as of " + run.date + ".";
  }
  return {};
}

std::string closingFor(NoticeReport report) {
  switch (report) {
    case NoticeReport::kOverdue:
    case NoticeReport::kDueSoon:
      return "Please return them to the library. Thank you.";
    case NoticeReport::kCheckedOut:
      return "Thank you.";
    case NoticeReport::kFines:
      return "Fines can be paid at the library. Thank you.";
  }
  return {};
}

// Mustache treats an empty string as true: a value that is empty is left out instead, so
// {{#grade}}...{{/grade}} shows only when there is a grade.
void setIf(data& d, const std::string& key, const std::string& value) {
  if (!value.empty()) {
    d.set(key, value);
  }
}

// kainjow's set() and data(list) take copies, so a list of students, each with its list of
// items, was copied whole at every level (most of the time of a 2,000-homeroom run). These
// move instead. kainjow keeps values in a plain std::unordered_map and std::vector, so
// writing through get() and list_value() is sound.
data listOf(list&& values) {
  data d(data::type::list);
  const_cast<list&>(d.list_value()) = std::move(values);
  return d;
}

void setMoved(data& object, const std::string& key, data&& value) {
  object.set(key, false);
  *const_cast<data*>(object.get(key)) = std::move(value);
}

class MustacheRenderer final : public NoticeRenderer {
 public:
  MustacheRenderer(const Config& config, const NoticeConfig& notice, const std::string& subject,
                   const std::string& text, const std::string& html)
      : config_(config), notice_(notice), subject_(subject), text_(text), html_(html) {
    auto identity = [](const std::string& s) { return s; };
    subject_.set_custom_escape(identity);
    text_.set_custom_escape(identity);
  }

  Result<RenderedNotice> render(const NoticeRun& run, const NoticeMessage& m) override {
    const bool perStudent = notice_.sendTo == SendTo::kPatron;
    data d;
    d.set("notice", run.notice);
    d.set("date", run.date);
    d.set("report", noticeReportName(run.report));
    d.set("is_overdue", run.report == NoticeReport::kOverdue);
    d.set("is_due_soon", run.report == NoticeReport::kDueSoon);
    d.set("is_checked_out", run.report == NoticeReport::kCheckedOut);
    d.set("is_fines", run.report == NoticeReport::kFines);
    setIf(d, "district", config_.district.name);
    setIf(d, "site", m.site);
    const Site* site = config_.findSite(m.site);
    d.set("site_name", site && !site->name.empty() ? site->name : m.site);
    setIf(d, "homeroom", m.homeroom);
    setIf(d, "teacher_name",
          perStudent && !m.students.empty()
              ? m.students.front().firstName + " " + m.students.front().lastName
              : m.teacherName);
    d.set("fallback", m.fallback);
    d.set("intro", introFor(notice_, run, m, perStudent));
    d.set("closing", closingFor(run.report));
    if (!m.students.empty()) {
      setIf(d, "first_name", m.students.front().firstName);
      setIf(d, "last_name", m.students.front().lastName);
    }
    list students;
    size_t items = 0;
    std::int64_t fines = 0;
    for (const auto& s : m.students) {
      data sd;
      setIf(sd, "district_id", s.districtId);
      setIf(sd, "last_name", s.lastName);
      setIf(sd, "first_name", s.firstName);
      setIf(sd, "grade", s.grade);
      sd.set("has_fines", s.fineCents > 0);
      sd.set("fine_total", formatCents(s.fineCents));
      list il;
      for (const auto& i : s.items) {
        data id;
        setIf(id, "copy", i.copy);
        setIf(id, "title", i.title.empty() ? i.fineReason : i.title);
        setIf(id, "due", i.due);
        id.set("overdue", i.overdueDays > 0);
        id.set("overdue_days", std::to_string(i.overdueDays));
        setIf(id, "fine", i.fineCents > 0 ? formatCents(i.fineCents) : std::string());
        setIf(id, "reason", i.fineReason);
        id.set("material", i.textbook ? "textbook" : "library");
        il.push_back(std::move(id));
        ++items;
      }
      fines += s.fineCents;
      setMoved(sd, "items", listOf(std::move(il)));
      students.push_back(std::move(sd));
    }
    setMoved(d, "students", listOf(std::move(students)));
    d.set("student_count", std::to_string(m.students.size()));
    d.set("item_count", std::to_string(items));
    d.set("total_fines", formatCents(fines));

    RenderedNotice out;
    out.subject = singleLine(subject_.render(d));  // it goes into a header
    d.set("subject", out.subject);
    out.text = text_.render(d);
    out.html = html_.render(d);
    for (const mustache* t : {&subject_, &text_, &html_}) {
      if (!t->is_valid()) {
        return Error{"TEMPLATE", "notice '" + notice_.name + "': " + t->error_message(), ""};
      }
    }
    return out;
  }

 private:
  const Config& config_;
  NoticeConfig notice_;
  mustache subject_, text_, html_;
};

Result<void> parse(const std::string& source, const std::string& where) {
  mustache m(source);
  if (!m.is_valid()) {
    return Error{"TEMPLATE", where + ": " + m.error_message(), where};
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<NoticeRenderer>> makeNoticeRenderer(const Config& config,
                                                           const NoticeConfig& notice) {
  std::string subjectSource =
      notice.subject.empty() ? defaultNoticeSubject(notice.report, notice.sendTo) : notice.subject;
  std::string htmlSource = kHtmlTemplate, textSource = kTextTemplate;
  std::string htmlWhere = "built-in HTML template", textWhere = "built-in text template";
  if (!notice.templatePath.empty()) {
    fs::path html = notice.templatePath;
    std::error_code ec;
    if (!fs::is_regular_file(html, ec)) {
      return Error{"TEMPLATE",
                   "notice '" + notice.name + "': template " + html.string() + " cannot be read",
                   html.string()};
    }
    htmlSource = readAll(html);
    htmlWhere = html.string();
    std::string name = html.filename().string();
    if (auto at = name.find(".html"); at != std::string::npos) {
      fs::path text = html.parent_path() / (name.substr(0, at) + ".txt" + name.substr(at + 5));
      if (fs::is_regular_file(text, ec)) {
        textSource = readAll(text);
        textWhere = text.string();
      }
    }
  }
  for (const auto& [source, where] :
       {std::pair{subjectSource, "notices." + notice.name + ".subject"},
        std::pair{textSource, textWhere}, std::pair{htmlSource, htmlWhere}}) {
    if (auto ok = parse(source, where); !ok) {
      return ok.error();
    }
  }
  return std::unique_ptr<NoticeRenderer>(
      std::make_unique<MustacheRenderer>(config, notice, subjectSource, textSource, htmlSource));
}

std::vector<std::string> templateProblems(const Config& config) {
  std::vector<std::string> out;
  for (const auto& n : config.notices) {
    if (auto r = makeNoticeRenderer(config, n); !r) {
      out.push_back(config.path + ": notices." + n.name + ": " + r.error().message);
    }
  }
  return out;
}

}  // namespace patrond::templates
