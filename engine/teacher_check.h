#pragma once
// TEACHER_DIFFERS (SPEC section 11): a homeroom whose teacher the configuration or
// `homerooms set` gives, while the SIS file names another. The override is kept (notices go
// where the district said), and the run warns once per homeroom with both addresses, so a
// teacher change in the SIS does not silently send notices to the old teacher for months.
// Costs one hash lookup per row, and nothing when no homeroom has a teacher set by hand.
// Import thread only.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/config.h"
#include "engine/homerooms.h"
#include "engine/import_run.h"

namespace patrond {

class TeacherCheck {
 public:
  TeacherCheck(const std::vector<HomeroomConfig>& configured,
               const std::vector<HomeroomOverride>& overrides);
  bool active() const { return !expected_.empty(); }
  // One imported row's homeroom and the teacher the SIS gives it.
  void row(const std::string& site, const std::string& homeroom, const std::string& teacherEmail);
  // One warning per homeroom whose SIS teacher differs, the most named SIS address first.
  std::vector<RunMessage> messages() const;

 private:
  struct Expected {
    std::string site, homeroom, email, from;  // from: "the configuration" | "homerooms set"
    std::map<std::string, std::int64_t> sis;  // differing SIS addresses (lower case) -> rows
  };
  std::unordered_map<std::string, Expected> expected_;  // site + '\0' + homeroom
};

}  // namespace patrond
