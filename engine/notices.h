#pragma once
// Notice runs (SPEC section 8): which loans or fines a notice reports, grouped by (site,
// homeroom) into one message per teacher, or one per student with `send_to: patron`.
// Pure: the store streams the candidate rows, this decides who gets what.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/homerooms.h"

namespace patrond {

// What the store is asked for: open loans (or unpaid fines) of active patrons, due within
// [dueFrom, dueTo] (inclusive, YYYY-MM-DD; empty: unbounded), of these sites (empty: all)
// and kinds of material.
struct NoticeSelection {
  NoticeReport report = NoticeReport::kOverdue;
  std::string dueFrom, dueTo;
  std::vector<std::string> sites;
  bool textbooks = true, library = true;
};

// One loan (or one unpaid fine) with its patron, as the store gives it.
struct NoticeRow {
  std::string districtId, firstName, lastName, grade, site, homeroom, email;
  std::string copy, title, due;  // due: YYYY-MM-DD; empty for a fine not about a loan
  bool textbook = true;
  std::int64_t fineCents = 0;  // fines: what is still unpaid
  std::string fineReason;
};

struct NoticeItem {
  std::string copy, title, due;
  int overdueDays = 0;  // 0 when not overdue
  std::int64_t fineCents = 0;
  std::string fineReason;
  bool textbook = true;
};

struct NoticeStudent {
  std::string districtId, lastName, firstName, grade, email;
  std::vector<NoticeItem> items;  // by due date, then title
  std::int64_t fineCents = 0;     // the sum of the items' fines
};

struct NoticeMessage {
  std::string site, homeroom;
  std::vector<std::string> to, cc;
  std::string teacherName;              // empty with send_to: patron or a fallback
  bool fallback = false;                // sent to fallback_to: the homeroom has no teacher
  std::vector<NoticeStudent> students;  // by last name, first name, district id
  std::string dedupeKey;  // notice, date and homeroom (or student): queued once per date
};

struct HomeroomRef {
  std::string site, homeroom;
};

struct NoticeRun {
  std::string notice, date;  // date: YYYY-MM-DD, the day the run reports on
  NoticeReport report = NoticeReport::kOverdue;
  std::vector<NoticeMessage> messages;  // by site, homeroom (then student)
  std::vector<HomeroomRef> noTeacher;   // homerooms without a teacher address
  std::vector<std::string> noEmail;     // send_to: patron: students without an address
  std::int64_t loans = 0;               // rows reported
};

// The store query for a notice on `date`. Overdue: due before the date, within
// min_days_overdue (default 1) .. max_days_overdue; due_soon: due from the date to
// due_within_days (the configuration requires it) later; checked_out and fines: every open loan /
// unpaid fine.
NoticeSelection noticeSelection(const NoticeConfig& notice, const CivilTime& date);

// Builds the run from the selected rows. Homerooms come from resolveHomerooms. Left out:
// excluded homerooms (by name, any site, or "SITE/NAME"), homerooms with notices off, and with
// `before_library_day: N` every homeroom whose library day is not N days after `date`.
// Rows outside the selection (a store may over-select) are dropped here as well.
NoticeRun buildNoticeRun(const NoticeConfig& notice, const CivilTime& date,
                         const std::vector<NoticeRow>& rows,
                         const std::vector<Homeroom>& homerooms);

// The subject when a notice names none.
std::string defaultNoticeSubject(NoticeReport report, SendTo sendTo);
std::string noticeReportName(NoticeReport report);

// Whether `date` is a day this notice runs for the homeroom's library day (before_library_day).
bool libraryDayMatches(const NoticeSchedule& schedule, const CivilTime& date,
                       std::optional<int> libraryDay);

// The file each message prints to in the run's folder (SPEC section 8), in the messages'
// order: "SITE-HOMEROOM.html", with send_to: patron "SITE-HOMEROOM-DISTRICTID.html". Readable
// and safe: a path separator, a character Windows refuses, '%', a control character, a byte
// that is not UTF-8, a leading dot and a trailing dot or space are written %XX, so "A/B" prints
// to "LHS-A%2FB.html" beside "A_B"'s "LHS-A_B.html". Names are distinct (also when letter case
// is ignored), never "all.html", and at most about 200 bytes.
std::vector<std::string> printFileNames(const std::vector<NoticeMessage>& messages,
                                        bool perStudent);

}  // namespace patrond
