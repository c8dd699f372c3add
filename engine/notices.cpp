#include "engine/notices.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <tuple>

#include "engine/civil_time.h"

namespace patrond {
namespace {

constexpr int kDefaultMinDaysOverdue = 1;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool excluded(const NoticeConfig& notice, const std::string& site, const std::string& homeroom) {
  return contains(notice.excludeHomerooms, homeroom) ||
         contains(notice.excludeHomerooms, site + "/" + homeroom);
}

bool selected(const NoticeSelection& sel, const NoticeRow& row) {
  if (!sel.sites.empty() && !contains(sel.sites, row.site)) {
    return false;
  }
  if (row.textbook ? !sel.textbooks : !sel.library) {
    return false;
  }
  if (sel.report == NoticeReport::kFines) {
    return row.fineCents > 0;
  }
  if (!sel.dueFrom.empty() && row.due < sel.dueFrom) {
    return false;
  }
  return sel.dueTo.empty() || row.due <= sel.dueTo;
}

// Keys are readable; a long one is cut and made unique again with a hash of the whole, so it
// fits an indexed column on every database.
std::string boundedKey(const std::string& key) {
  constexpr size_t kMax = 200;
  if (key.size() <= kMax) {
    return key;
  }
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : key) {
    h = (h ^ c) * 1099511628211ull;
  }
  static const char* kHex = "0123456789abcdef";
  std::string tail(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) {
    tail[static_cast<size_t>(i)] = kHex[h & 0xf];
  }
  return key.substr(0, kMax - 17) + "#" + tail;
}

NoticeItem itemOf(const NoticeRow& row, const CivilTime& date) {
  NoticeItem item{row.copy, row.title, row.due, 0, row.fineCents, row.fineReason, row.textbook};
  if (!row.due.empty()) {
    if (auto due = parseCivilTime(row.due)) {
      item.overdueDays = std::max(0, daysBetween(*due, date));
    }
  }
  return item;
}

void sortStudent(NoticeStudent& s) {
  std::sort(s.items.begin(), s.items.end(), [](const NoticeItem& a, const NoticeItem& b) {
    return std::tie(a.due, a.title, a.copy) < std::tie(b.due, b.title, b.copy);
  });
  s.fineCents = 0;
  for (const auto& i : s.items) {
    s.fineCents += i.fineCents;
  }
}

bool studentOrder(const NoticeStudent& a, const NoticeStudent& b) {
  return std::tie(a.lastName, a.firstName, a.districtId) <
         std::tie(b.lastName, b.firstName, b.districtId);
}

}  // namespace

std::string noticeReportName(NoticeReport report) {
  switch (report) {
    case NoticeReport::kOverdue:
      return "overdue";
    case NoticeReport::kDueSoon:
      return "due_soon";
    case NoticeReport::kCheckedOut:
      return "checked_out";
    case NoticeReport::kFines:
      return "fines";
  }
  return "overdue";
}

std::string defaultNoticeSubject(NoticeReport report, SendTo sendTo) {
  std::string who = sendTo == SendTo::kPatron ? "{{first_name}} {{last_name}}" : "{{homeroom}}";
  switch (report) {
    case NoticeReport::kOverdue:
      return "Overdue library items: " + who;
    case NoticeReport::kDueSoon:
      return "Library items due soon: " + who;
    case NoticeReport::kCheckedOut:
      return "Library items checked out: " + who;
    case NoticeReport::kFines:
      return "Unpaid library fines: " + who;
  }
  return who;
}

NoticeSelection noticeSelection(const NoticeConfig& notice, const CivilTime& date) {
  NoticeSelection sel;
  sel.report = notice.report;
  sel.sites = notice.sites;
  sel.textbooks = contains(notice.materials, "textbook");
  sel.library = contains(notice.materials, "library");
  switch (notice.report) {
    case NoticeReport::kOverdue: {
      int minDays = std::max(1, notice.minDaysOverdue.value_or(kDefaultMinDaysOverdue));
      sel.dueTo = formatDate(addDays(date, -minDays));
      if (notice.maxDaysOverdue) {
        sel.dueFrom = formatDate(addDays(date, -*notice.maxDaysOverdue));
      }
      break;
    }
    case NoticeReport::kDueSoon:
      sel.dueFrom = formatDate(date);
      sel.dueTo = formatDate(addDays(date, notice.dueWithinDays.value_or(0)));  // required
      break;
    case NoticeReport::kCheckedOut:
    case NoticeReport::kFines:
      break;
  }
  return sel;
}

bool libraryDayMatches(const NoticeSchedule& schedule, const CivilTime& date,
                       std::optional<int> libraryDay) {
  if (!schedule.beforeLibraryDay) {
    return true;
  }
  return libraryDay && *libraryDay == weekday(addDays(date, *schedule.beforeLibraryDay));
}

NoticeRun buildNoticeRun(const NoticeConfig& notice, const CivilTime& date,
                         const std::vector<NoticeRow>& rows,
                         const std::vector<Homeroom>& homerooms) {
  NoticeRun run;
  run.notice = notice.name;
  run.date = formatDate(date);
  run.report = notice.report;
  NoticeSelection sel = noticeSelection(notice, date);

  std::map<std::pair<std::string, std::string>, const Homeroom*> byKey;
  for (const auto& h : homerooms) {
    byKey[{h.site, h.name}] = &h;
  }
  // (site, homeroom) -> district id -> student
  std::map<std::pair<std::string, std::string>, std::map<std::string, NoticeStudent>> groups;
  for (const auto& row : rows) {
    if (!selected(sel, row) || excluded(notice, row.site, row.homeroom)) {
      continue;
    }
    auto found = byKey.find({row.site, row.homeroom});
    const Homeroom* h = found == byKey.end() ? nullptr : found->second;
    if (h && !h->notices) {
      continue;
    }
    if (notice.schedule &&
        !libraryDayMatches(*notice.schedule, date, h ? h->libraryDay : std::optional<int>{})) {
      continue;
    }
    NoticeStudent& s = groups[{row.site, row.homeroom}][row.districtId];
    if (s.districtId.empty()) {
      s.districtId = row.districtId;
      s.lastName = row.lastName;
      s.firstName = row.firstName;
      s.grade = row.grade;
      s.email = row.email;
    }
    s.items.push_back(itemOf(row, date));
    ++run.loans;
  }

  const std::string datePart = notice.name + "|" + run.date + "|";
  for (auto& [key, studentsById] : groups) {
    const auto& [site, homeroom] = key;
    std::vector<NoticeStudent> students;
    students.reserve(studentsById.size());
    for (auto& [id, s] : studentsById) {
      sortStudent(s);
      students.push_back(std::move(s));
    }
    std::sort(students.begin(), students.end(), studentOrder);

    if (notice.sendTo == SendTo::kPatron) {
      for (auto& s : students) {
        bool hasEmail = plausibleEmail(s.email);
        if (!hasEmail) {
          run.noEmail.push_back(s.districtId);
          if (notice.deliver != Delivery::kPrint) {
            continue;
          }
        }
        NoticeMessage m;
        m.site = site;
        m.homeroom = homeroom;
        if (hasEmail) {
          m.to = {s.email};
        }
        m.cc = notice.copyTo;
        m.dedupeKey = boundedKey(datePart + "patron|" + s.districtId);
        m.students.push_back(std::move(s));
        run.messages.push_back(std::move(m));
      }
      continue;
    }
    auto found = byKey.find(key);
    const Homeroom* h = found == byKey.end() ? nullptr : found->second;
    NoticeMessage m;
    m.site = site;
    m.homeroom = homeroom;
    m.cc = notice.copyTo;
    m.students = std::move(students);
    m.dedupeKey = boundedKey(datePart + site + "|" + homeroom);
    if (h && plausibleEmail(h->teacherEmail)) {
      m.to = {h->teacherEmail};
      m.teacherName = h->teacherName;
    } else {
      run.noTeacher.push_back({site, homeroom});
      if (notice.deliver == Delivery::kPrint) {
        // printed all the same: the librarian hands it over
      } else if (notice.fallbackTo.empty()) {
        continue;  // named in the run's result; nobody to send it to
      } else {
        m.to = {notice.fallbackTo};
        m.fallback = true;
      }
    }
    run.messages.push_back(std::move(m));
  }
  return run;
}

namespace {

constexpr size_t kMaxFileStem = 200;  // bytes; file systems allow 255

void appendPercent(std::string& out, unsigned char c) {
  static const char* kHex = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// The bytes of a valid UTF-8 sequence at s[i] that is not a C1 control, or 0.
size_t printableSequenceAt(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    return 0;
  }
  std::uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp <= 0x9F) {
    return 0;
  }
  return len;
}

std::string encodeNamePart(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (size_t len = printableSequenceAt(s, i); len > 0) {
        out.append(s.substr(i, len));
        i += len;
      } else {
        appendPercent(out, c);
        ++i;
      }
      continue;
    }
    bool unsafe = c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':' || c == '*' ||
                  c == '?' || c == '"' || c == '<' || c == '>' || c == '|' || c == '%';
    if (unsafe) {
      appendPercent(out, c);
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

// Cuts at a character boundary (never inside a %XX or a UTF-8 sequence) and marks the cut
// with a hash of the whole, so that long names that differ only at the end stay apart.
std::string capStem(const std::string& stem) {
  if (stem.size() <= kMaxFileStem) {
    return stem;
  }
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (char c : stem) {
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  size_t cut = kMaxFileStem - 9;
  while (cut > 0 && ((static_cast<unsigned char>(stem[cut]) & 0xC0) == 0x80 ||
                     (cut >= 1 && stem[cut - 1] == '%') || (cut >= 2 && stem[cut - 2] == '%'))) {
    --cut;
  }
  static const char* kHex = "0123456789abcdef";
  std::string out = stem.substr(0, cut) + "~";
  for (int d = 7; d >= 0; --d) {
    out += kHex[(h >> (4 * d)) & 15];
  }
  return out;
}

std::string foldCase(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return s;
}

}  // namespace

std::vector<std::string> printFileNames(const std::vector<NoticeMessage>& messages,
                                        bool perStudent) {
  std::vector<std::string> names;
  std::set<std::string> used{"all"};
  for (const auto& m : messages) {
    std::string stem = encodeNamePart(m.site) + "-" + encodeNamePart(m.homeroom);
    if (perStudent && !m.students.empty()) {
      stem += "-" + encodeNamePart(m.students.front().districtId);
    }
    if (!stem.empty() && stem.front() == '.') {
      stem = "%2E" + stem.substr(1);
    }
    if (!stem.empty() && (stem.back() == '.' || stem.back() == ' ')) {
      char last = stem.back();
      stem.pop_back();
      stem += last == '.' ? "%2E" : "%20";
    }
    stem = capStem(stem);
    std::string name = stem;
    for (int n = 2; used.count(foldCase(name)) > 0; ++n) {
      name = stem + "~" + std::to_string(n);
    }
    used.insert(foldCase(name));
    names.push_back(name + ".html");
  }
  return names;
}

}  // namespace patrond
