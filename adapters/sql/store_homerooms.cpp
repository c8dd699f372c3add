// Homerooms: the groups an import leaves, and the settings `homerooms set` stores.

#include <optional>

#include "adapters/sql/columns.h"
#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

namespace {

constexpr Column kOverrideColumns[] = {{"site"},         {"name"},        {"teacher_email"},
                                       {"teacher_name"}, {"library_day"}, {"notices"}};

std::string selectOverrides() {
  return "SELECT " + columnList(kOverrideColumns) + " FROM homerooms";
}

}  // namespace

Result<std::vector<HomeroomStudentGroup>> SociStore::homeroomGroups() {
  return guard("reading homerooms", [&]() -> Result<std::vector<HomeroomStudentGroup>> {
    std::vector<HomeroomStudentGroup> out;
    soci::rowset<soci::row> rs =
        (sql_->prepare << "SELECT site, homeroom, homeroom_teacher_email, "
                          "homeroom_teacher_name, COUNT(*) FROM patrons WHERE status = "
                          "'active' AND homeroom IS NOT NULL AND homeroom <> '' AND (persona IS "
                          "NULL OR persona NOT IN ('teacher', 'staff')) GROUP BY site, "
                          "homeroom, homeroom_teacher_email, homeroom_teacher_name");
    for (const auto& r : rs) {
      out.push_back({getStr(r, 0), getStr(r, 1), getStr(r, 2), getStr(r, 3), getInt(r, 4)});
    }
    return out;
  });
}

Result<std::vector<TeacherPatron>> SociStore::teacherPatrons() {
  return guard("reading teachers", [&]() -> Result<std::vector<TeacherPatron>> {
    std::vector<TeacherPatron> out;
    soci::rowset<soci::row> rs =
        (sql_->prepare << "SELECT site, homeroom, email, first_name, last_name FROM patrons "
                          "WHERE status = 'active' AND persona = 'teacher' AND homeroom IS NOT "
                          "NULL AND homeroom <> '' ORDER BY id");
    for (const auto& r : rs) {
      out.push_back({getStr(r, 0), getStr(r, 1), getStr(r, 2), getStr(r, 3), getStr(r, 4)});
    }
    return out;
  });
}

// homerooms.notices: 1 on, 0 off, -1 not set by hand; NULL text columns: not set.
HomeroomOverride SociStore::overrideFromRow(const soci::row& r) {
  constexpr std::size_t kEmail = at(kOverrideColumns, "teacher_email");
  constexpr std::size_t kName = at(kOverrideColumns, "teacher_name");
  HomeroomOverride o;
  o.site = getStr(r, at(kOverrideColumns, "site"));
  o.name = getStr(r, at(kOverrideColumns, "name"));
  if (r.get_indicator(kEmail) != soci::i_null) {
    o.teacherEmail = getStr(r, kEmail);
  }
  if (r.get_indicator(kName) != soci::i_null) {
    o.teacherName = getStr(r, kName);
  }
  if (std::string day = getStr(r, at(kOverrideColumns, "library_day")); !day.empty()) {
    o.libraryDay = std::stoi(day);
  }
  if (long long n = getInt(r, at(kOverrideColumns, "notices")); n >= 0) {
    o.notices = n == 1;
  }
  return o;
}

Result<std::vector<HomeroomOverride>> SociStore::homeroomOverrides() {
  return guard("reading homeroom settings", [&]() -> Result<std::vector<HomeroomOverride>> {
    std::vector<HomeroomOverride> out;
    soci::rowset<soci::row> rs = (sql_->prepare << selectOverrides() + " ORDER BY site, name");
    for (const auto& r : rs) {
      out.push_back(overrideFromRow(r));
    }
    return out;
  });
}

Result<void> SociStore::saveHomeroomOverride(const HomeroomOverride& o, const std::string& at) {
  return guard("saving the homeroom", [&]() -> Result<void> {
    // Keys not given keep what an earlier `homerooms set` stored.
    std::optional<HomeroomOverride> before;
    soci::rowset<soci::row> rs =
        (sql_->prepare << selectOverrides() + " WHERE site = :s AND name = :n", soci::use(o.site),
         soci::use(o.name));
    for (const auto& r : rs) {
      before = overrideFromRow(r);
    }
    HomeroomOverride m = o;
    if (before) {
      m.teacherEmail = o.teacherEmail ? o.teacherEmail : before->teacherEmail;
      m.teacherName = o.teacherName ? o.teacherName : before->teacherName;
      m.libraryDay = o.libraryDay ? o.libraryDay : before->libraryDay;
      m.notices = o.notices ? o.notices : before->notices;
    }
    std::string email = m.teacherEmail.value_or(""), name = m.teacherName.value_or(""),
                day = m.libraryDay ? std::to_string(*m.libraryDay) : "";
    soci::indicator ei = m.teacherEmail ? soci::i_ok : soci::i_null;
    soci::indicator ni = m.teacherName ? soci::i_ok : soci::i_null;
    soci::indicator di = m.libraryDay ? soci::i_ok : soci::i_null;
    int notices = m.notices ? (*m.notices ? 1 : 0) : -1;
    if (before) {
      *sql_ << "UPDATE homerooms SET teacher_email = :e, teacher_name = :n, library_day = :d, "
               "notices = :o, updated_at = :u WHERE site = :s AND name = :m",
          soci::use(email, ei), soci::use(name, ni), soci::use(day, di), soci::use(notices),
          soci::use(at), soci::use(o.site), soci::use(o.name);
    } else {
      *sql_ << "INSERT INTO homerooms (site, name, teacher_email, teacher_name, library_day, "
               "notices, updated_at) VALUES (:s, :m, :e, :n, :d, :o, :u)",
          soci::use(o.site), soci::use(o.name), soci::use(email, ei), soci::use(name, ni),
          soci::use(day, di), soci::use(notices), soci::use(at);
    }
    return {};
  });
}

}  // namespace patrond::sql
