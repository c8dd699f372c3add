#pragma once
// Port: homerooms (SPEC section 8): what imports say (active patrons only), and what
// `homerooms set` stored. Used by the `homerooms` commands and notices. One thread at a time,
// like every store port.

#include <string>
#include <vector>

#include "engine/homerooms.h"
#include "engine/result.h"

namespace patrond {

class HomeroomStore {
 public:
  virtual ~HomeroomStore() = default;

  virtual Result<std::vector<HomeroomStudentGroup>> homeroomGroups() = 0;
  virtual Result<std::vector<TeacherPatron>> teacherPatrons() = 0;
  virtual Result<std::vector<HomeroomOverride>> homeroomOverrides() = 0;
  // Saving merges with the keys set before.
  virtual Result<void> saveHomeroomOverride(const HomeroomOverride& o, const std::string& at) = 0;
};

}  // namespace patrond
