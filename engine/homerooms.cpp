#include "engine/homerooms.h"

#include <map>
#include <utility>

namespace patrond {

namespace {

using Key = std::pair<std::string, std::string>;  // site, name

}  // namespace

bool plausibleEmail(const std::string& a) {
  auto at = a.find('@');
  if (a.empty() || a.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= a.size() ||
      a.find('@', at + 1) != std::string::npos) {
    return false;
  }
  for (unsigned char c : a) {
    if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '(' || c == ')' || c == '\\') {
      return false;
    }
  }
  return a.find('.', at) != std::string::npos;
}

std::vector<Homeroom> resolveHomerooms(const std::vector<HomeroomStudentGroup>& groups,
                                       const std::vector<TeacherPatron>& teachers,
                                       const std::vector<HomeroomConfig>& configured,
                                       const std::vector<HomeroomOverride>& overrides) {
  std::map<Key, Homeroom> rooms;
  auto room = [&](const std::string& site, const std::string& name) -> Homeroom& {
    Homeroom& h = rooms[{site, name}];
    h.site = site;
    h.name = name;
    return h;
  };
  // The students' own word: the e-mail most of them give (ties: the first in order).
  std::map<Key, std::map<std::pair<std::string, std::string>, std::int64_t>> votes;
  for (const auto& g : groups) {
    room(g.site, g.homeroom).students += g.students;
    if (!g.teacherEmail.empty()) {
      votes[{g.site, g.homeroom}][{g.teacherEmail, g.teacherName}] += g.students;
    }
  }
  for (const auto& [key, counts] : votes) {
    const std::pair<std::string, std::string>* best = nullptr;
    std::int64_t n = -1;
    for (const auto& [teacher, c] : counts) {
      if (c > n) {
        best = &teacher;
        n = c;
      }
    }
    Homeroom& h = rooms[key];
    h.teacherEmail = best->first;
    h.teacherName = best->second;
    h.teacherFrom = "import";
    h.sisTeacherEmail = best->first;
    h.sisTeacherName = best->second;
  }
  std::map<std::string, std::string> nameByEmail;  // a teacher patron's name for its address
  for (const auto& t : teachers) {
    nameByEmail.emplace(t.email, t.firstName + (t.firstName.empty() ? "" : " ") + t.lastName);
  }
  for (auto& [key, h] : rooms) {
    if (h.teacherFrom == "import" && h.teacherName.empty()) {
      if (auto it = nameByEmail.find(h.teacherEmail); it != nameByEmail.end()) {
        h.teacherName = it->second;
      }
    }
  }
  for (const auto& t : teachers) {
    Homeroom& h = room(t.site, t.homeroom);
    if (h.teacherFrom == "none" && !t.email.empty()) {
      h.teacherEmail = t.email;
      h.teacherName = t.firstName + (t.firstName.empty() ? "" : " ") + t.lastName;
      h.teacherFrom = "teacher_patron";
    }
  }
  for (const auto& c : configured) {
    Homeroom& h = room(c.site, c.name);
    if (!c.teacherEmail.empty()) {
      h.teacherEmail = c.teacherEmail;
      h.teacherName = c.teacherName;
      h.teacherFrom = "config";
    }
    if (c.libraryDay) {
      h.libraryDay = c.libraryDay;
    }
    h.notices = c.notices;
  }
  for (const auto& o : overrides) {
    Homeroom& h = room(o.site, o.name);
    if (o.teacherEmail && !o.teacherEmail->empty()) {
      h.teacherEmail = *o.teacherEmail;
      h.teacherName = o.teacherName.value_or("");
      h.teacherFrom = "config";
    } else if (o.teacherName && h.teacherFrom == "config") {
      h.teacherName = *o.teacherName;
    }
    if (o.libraryDay) {
      h.libraryDay = o.libraryDay;
    }
    if (o.notices) {
      h.notices = *o.notices;
    }
  }
  std::vector<Homeroom> out;
  out.reserve(rooms.size());
  for (auto& [k, h] : rooms) {
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace patrond
