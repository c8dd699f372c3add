#include "engine/teacher_check.h"

#include <algorithm>

#include "engine/text.h"

namespace patrond {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

TeacherCheck::TeacherCheck(const std::vector<HomeroomConfig>& configured,
                           const std::vector<HomeroomOverride>& overrides) {
  for (const auto& c : configured) {
    if (!c.teacherEmail.empty()) {
      expected_[c.site + '\0' + c.name] = {c.site, c.name, c.teacherEmail, "the configuration", {}};
    }
  }
  // `homerooms set` wins over the configuration, as in resolveHomerooms.
  for (const auto& o : overrides) {
    if (o.teacherEmail && !o.teacherEmail->empty()) {
      expected_[o.site + '\0' + o.name] = {o.site, o.name, *o.teacherEmail, "homerooms set", {}};
    }
  }
}

void TeacherCheck::row(const std::string& site, const std::string& homeroom,
                       const std::string& teacherEmail) {
  if (teacherEmail.empty() || homeroom.empty()) {
    return;
  }
  auto it = expected_.find(site + '\0' + homeroom);
  if (it == expected_.end()) {
    return;
  }
  std::string sis = lower(teacherEmail);
  if (sis != lower(it->second.email)) {
    ++it->second.sis[sis];
  }
}

std::vector<RunMessage> TeacherCheck::messages() const {
  std::vector<const Expected*> differing;
  for (const auto& [key, e] : expected_) {
    if (!e.sis.empty()) {
      differing.push_back(&e);
    }
  }
  std::sort(differing.begin(), differing.end(), [](const Expected* a, const Expected* b) {
    return std::tie(a->site, a->homeroom) < std::tie(b->site, b->homeroom);
  });
  std::vector<RunMessage> out;
  for (const Expected* e : differing) {
    auto most = std::max_element(e->sis.begin(), e->sis.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    std::string text = "homeroom '" + e->homeroom + "' (" + e->site + "): the SIS file names " +
                       most->first + " (" + std::to_string(most->second) + " row(s))";
    if (e->sis.size() > 1) {
      text += " and " + std::to_string(e->sis.size() - 1) + " other address(es)";
    }
    text += ", " + e->from + " gives " + e->email + "; notices keep going to " + e->email +
            ". If the SIS is right, change it: patrond homerooms set " + e->site + " \"" +
            e->homeroom + "\" --teacher-email " + most->first;
    out.push_back({Severity::kWarning, 0, e->homeroom, "TEACHER_DIFFERS", text});
  }
  return out;
}

}  // namespace patrond
