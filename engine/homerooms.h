#pragma once
// Homerooms and their teachers (SPEC sections 1, 3 and 8): derived from what imports say,
// overridden by the configuration's `homerooms` and by `patrond homerooms set`. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"

namespace patrond {

// Active students of one homeroom that name the same teacher (one row per distinct teacher
// e-mail/name pair the import gave them).
struct HomeroomStudentGroup {
  std::string site, homeroom, teacherEmail, teacherName;
  std::int64_t students = 0;
};

// An active patron with persona `teacher` and a homeroom.
struct TeacherPatron {
  std::string site, homeroom, email, firstName, lastName;
};

// What `patrond homerooms set` stored: only the keys it was given.
struct HomeroomOverride {
  std::string site, name;
  std::optional<std::string> teacherEmail, teacherName;
  std::optional<int> libraryDay;  // weekday 0..6
  std::optional<bool> notices;
};

struct Homeroom {
  std::string site, name, teacherEmail, teacherName;
  std::string teacherFrom = "none";  // config | import | teacher_patron | none
  // The teacher the students' import rows name (the most named), whoever wins above: when it
  // differs from a teacher set by hand, `homerooms list` shows both (TEACHER_DIFFERS).
  std::string sisTeacherEmail, sisTeacherName;
  std::int64_t students = 0;
  std::optional<int> libraryDay;
  bool notices = true;
};

// Every homeroom any source names, sorted by site then name. The teacher comes from, in
// order: `homerooms set`, the config's `homerooms` (both "config"), the students'
// homeroom_teacher_email (the one most of them give), a teacher patron of the same site whose
// homeroom has that name. library_day and notices: `homerooms set` over the config.
std::vector<Homeroom> resolveHomerooms(const std::vector<HomeroomStudentGroup>& groups,
                                       const std::vector<TeacherPatron>& teachers,
                                       const std::vector<HomeroomConfig>& configured,
                                       const std::vector<HomeroomOverride>& overrides);

// A teacher address as patrond will put it in a To: header: something@domain, no spaces,
// no line breaks, no angle brackets or commas (no header injection from data).
bool plausibleEmail(const std::string& address);

}  // namespace patrond
