#include "daemon/homeroom_commands.h"

#include <algorithm>
#include <array>
#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/homerooms.h"
#include "engine/notice_run.h"
#include "engine/text.h"

namespace patrond::daemon {

using nlohmann::json;

namespace {

constexpr std::array<const char*, 7> kDays{"sunday",   "monday", "tuesday", "wednesday",
                                           "thursday", "friday", "saturday"};

json nullIfEmpty(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

}  // namespace

namespace {
// TEACHER_DIFFERS: a teacher set by hand while the students' rows name another.
bool differs(const Homeroom& h) {
  if (h.teacherFrom != "config" || h.sisTeacherEmail.empty()) {
    return false;
  }
  auto lower = [](std::string s) {
    for (char& c : s) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
  };
  return lower(h.sisTeacherEmail) != lower(h.teacherEmail);
}
}  // namespace

int cmdHomeroomsList(App& app, const std::string& site) {
  if (!site.empty() && !app.config().findSite(site)) {
    return unknownSite(app, site);
  }
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  auto found = currentHomerooms(app.store(), app.config());
  if (!found) {
    return fail(kExitFailed, found.error().describe());
  }
  const std::vector<Homeroom>& rooms = *found;
  json j = json::array();
  std::size_t shown = 0;
  for (const auto& h : rooms) {
    if (!site.empty() && h.site != site) {
      continue;
    }
    ++shown;
    std::string day = h.libraryDay ? kDays[static_cast<size_t>(*h.libraryDay)] : "";
    if (app.json()) {
      j.push_back({{"site", h.site},
                   {"name", h.name},
                   {"teacher_email", nullIfEmpty(h.teacherEmail)},
                   {"teacher_name", nullIfEmpty(h.teacherName)},
                   {"teacher_from", h.teacherFrom},
                   {"sis_teacher_email", nullIfEmpty(h.sisTeacherEmail)},
                   {"sis_teacher_name", nullIfEmpty(h.sisTeacherName)},
                   {"teacher_differs", differs(h)},
                   {"students", h.students},
                   {"library_day", nullIfEmpty(day)},
                   {"notices", h.notices}});
      continue;
    }
    std::cout << escapeControl(h.site) << "  " << escapeControl(h.name) << "  "
              << (h.teacherEmail.empty() ? "(no teacher)" : escapeControl(h.teacherEmail))
              << (h.teacherName.empty() ? "" : " (" + escapeControl(h.teacherName) + ")")
              << "  from " << escapeControl(h.teacherFrom) << "  " << h.students << " student(s)"
              << (day.empty() ? "" : "  library day " + day) << (h.notices ? "" : "  notices off")
              << (differs(h) ? "  (the SIS says " + escapeControl(h.sisTeacherEmail) + ")" : "")
              << "\n";
  }
  if (app.json()) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << shown << " homeroom(s)\n";
  }
  return kExitOk;
}

int cmdHomeroomsSet(App& app, const HomeroomSetArgs& a) {
  if (!app.config().findSite(a.site)) {
    return unknownSite(app, a.site);
  }
  if (trim(a.name).empty()) {
    return fail(kExitUsage, "the homeroom name is empty");
  }
  // A name is one line of printable text: it heads notices, file names and list output.
  if (std::any_of(a.name.begin(), a.name.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; })) {
    return fail(kExitUsage, "the homeroom name '" + escapeControl(a.name) +
                                "' has a control character (a line break, tab or escape)");
  }
  HomeroomOverride o;
  o.site = a.site;
  o.name = a.name;
  if (a.emailGiven) {
    if (!a.teacherEmail.empty() && !plausibleEmail(a.teacherEmail)) {
      return fail(kExitUsage, "--teacher-email '" + a.teacherEmail +
                                  "' is not an e-mail address like jsmith@example.org");
    }
    o.teacherEmail = a.teacherEmail;
  }
  if (a.nameGiven) {
    if (a.teacherName.find_first_of("\r\n") != std::string::npos) {
      return fail(kExitUsage, "--teacher-name must be one line");
    }
    o.teacherName = a.teacherName;
  }
  if (!a.libraryDay.empty()) {
    for (size_t d = 0; d < kDays.size(); ++d) {
      if (toLower(a.libraryDay) == kDays[d]) {
        o.libraryDay = static_cast<int>(d);
      }
    }
    if (!o.libraryDay) {
      return fail(kExitUsage, "--library-day '" + a.libraryDay + "' is not a weekday (monday..)");
    }
  }
  if (!a.notices.empty()) {
    o.notices = a.notices == "on";
  }
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  if (auto r = app.store().saveHomeroomOverride(o, app.localNowIso()); !r) {
    return fail(kExitFailed, r.error().describe());
  }
  return cmdHomeroomsList(app, a.site);
}

}  // namespace patrond::daemon
