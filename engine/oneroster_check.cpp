// OneRoster bundles, the checking pass (SPEC section 9): every file read and checked as the
// OneRoster 1.1 CSV standard defines it, and what the rows need learnt on the way.
#include "engine/oneroster_check.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "engine/civil_time.h"
#include "engine/oneroster_table.h"

namespace patrond::oneroster::detail {

const std::vector<std::string> kUserColumns{"sourcedId",       "status",        "dateLastModified",
                                            "enabledUser",     "orgSourcedIds", "role",
                                            "username",        "userIds",       "givenName",
                                            "familyName",      "middleName",    "identifier",
                                            "email",           "sms",           "phone",
                                            "agentSourcedIds", "grades",        "password"};

const std::vector<std::string> kDerived{"grade",
                                        "persona",
                                        "org.sourcedId",
                                        "org.identifier",
                                        "org.name",
                                        "org.type",
                                        "homeroom.sourcedId",
                                        "homeroom.title",
                                        "homeroom.classCode",
                                        "homeroom.location",
                                        "homeroom.teacher.sourcedId",
                                        "homeroom.teacher.identifier",
                                        "homeroom.teacher.email",
                                        "homeroom.teacher.givenName",
                                        "homeroom.teacher.familyName",
                                        "homeroom.teacher.name",
                                        "demographics.birthDate",
                                        "demographics.sex"};

// A comma-separated list inside one field ("org1,org2"), items trimmed, empty ones dropped.
std::vector<std::string_view> items(std::string_view v) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) {
      comma = v.size();
    }
    std::string_view item = v.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      out.push_back(item);
    }
    start = comma + 1;
  }
  return out;
}

// What a read of users.csv saw, row by row: the second read must see the same (a folder's file
// rewritten between the reads fails the run instead of importing rows never checked).
std::uint64_t rowDigest(std::uint64_t digest, const CsvRow& row) {
  for (auto f : row.fields) {
    digest = (digest ^ hashBytes(f, f.size())) * 0x100000001b3ull;
  }
  return digest;
}

namespace {

bool readManifest(BundleFiles& files, State& st, Problems& problems) {
  Table t(files, "manifest.csv", problems);
  if (!files.has("manifest.csv")) {
    problems.add("manifest.csv", 0, "", "the bundle has no manifest.csv");
    return false;
  }
  if (!t.open({"propertyName", "value"})) {
    return false;
  }
  std::size_t nameCol = t.column("propertyName"), valueCol = t.column("value");
  std::unordered_map<std::string, std::int64_t> seen;
  bool version = false, oneRoster = false;
  while (t.next()) {
    std::string name(t.at(nameCol));
    std::string_view value = t.at(valueCol);
    if (!seen.emplace(name, t.line()).second) {
      t.problem(nameCol, quoteValue(name) + " is already on line " + std::to_string(seen[name]));
      continue;
    }
    if (name == "manifest.version") {
      version = true;
      if (value != "1.0") {
        t.problem(valueCol, "manifest.version is " + quoteValue(value) + "; 1.0 is expected");
      }
    } else if (name == "oneroster.version") {
      oneRoster = true;
      if (value != "1.1") {
        t.problem(valueCol, "oneroster.version is " + quoteValue(value) +
                                "; patrond reads OneRoster 1.1 CSV bundles");
      }
    } else if (name.rfind("file.", 0) == 0) {
      if (!oneOf(value, kModes)) {
        t.problem(valueCol, quoteValue(value) + " is not one of " + listed(kModes));
        continue;
      }
      std::string base = name.substr(5);
      if (base.empty() || !std::all_of(base.begin(), base.end(), [](char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
          })) {
        t.problem(nameCol, quoteValue(name) + " does not name a OneRoster file");
        continue;
      }
      std::string file = base + ".csv";
      if (value != "absent") {
        st.manifest.modes[file] = std::string(value);
      }
      bool held = files.has(file);
      if (value == "absent" && held) {
        t.problem(valueCol, "the manifest says " + file + " is absent, but the bundle holds it");
      } else if (value != "absent" && !held) {
        t.problem(valueCol, "the manifest lists " + file + " (" + std::string(value) +
                                ") but the bundle does not hold it");
      }
    }
  }
  if (!version) {
    problems.add("manifest.csv", 0, "propertyName", "manifest.version is missing");
  }
  if (!oneRoster) {
    problems.add("manifest.csv", 0, "propertyName", "oneroster.version is missing");
  }
  for (std::string base : {"users", "orgs"}) {
    std::string property = "file." + base;
    if (!seen.count(property)) {
      problems.add("manifest.csv", 0, "propertyName",
                   property + " is missing; a bundle for patrond holds " + base + ".csv");
    } else if (st.manifest.mode(base + ".csv") == "absent") {
      problems.add("manifest.csv", seen[property], "value",
                   base + ".csv cannot be absent: patrons come from it");
    }
  }
  return problems.count() == 0;
}

void readOrgs(BundleFiles& files, State& st, Problems& problems) {
  Table t(files, "orgs.csv", problems);
  st.orgIds.present = true;
  if (!t.open({"sourcedId", "status", "dateLastModified", "name", "type", "identifier",
               "parentSourcedId"})) {
    return;  // its problem is said; references to it are not checked (no cascade)
  }
  st.orgIds.complete = st.manifest.mode("orgs.csv") == "bulk";
  bool delta = st.manifest.mode("orgs.csv") == "delta";
  std::size_t id = t.column("sourcedId"), status = t.column("status"),
              modified = t.column("dateLastModified"), name = t.column("name"),
              type = t.column("type"), identifier = t.column("identifier"),
              parent = t.column("parentSourcedId");
  std::vector<std::pair<std::uint64_t, std::int64_t>> parents;
  while (t.next()) {
    std::string_view sid = t.required(id);
    checkStatus(t, status, modified, delta);
    t.required(name);
    t.required(type);
    t.oneOfSet(type, oneOf(t.at(type), kOrgTypes), listed(kOrgTypes));
    if (!t.at(parent).empty()) {
      parents.emplace_back(idHash(st.seed, t.at(parent)), t.line());
    }
    if (sid.empty()) {
      continue;
    }
    std::uint64_t h = idHash(st.seed, sid);
    st.orgIds.add(h, t.line(), "orgs.csv", problems);
    if (t.at(status) != "tobedeleted") {
      st.orgs[h] = Org{std::string(sid), std::string(t.at(identifier)), std::string(t.at(name)),
                       std::string(t.at(type))};
    }
  }
  for (auto [h, line] : parents) {
    if (st.orgIds.missing(h)) {
      problems.add("orgs.csv", line, "parentSourcedId", "no org in orgs.csv has this sourcedId");
    }
  }
}

// courses.csv and academicSessions.csv are read only for the sourcedIds classes refer to.
void readIds(BundleFiles& files, const State& st, const std::string& file,
             const std::vector<std::string>& columns, IdSet& set, Problems& problems) {
  if (st.manifest.mode(file) == "absent") {
    return;
  }
  set.present = true;
  Table t(files, file, problems);
  if (!t.open(columns)) {
    return;
  }
  set.complete = st.manifest.mode(file) == "bulk";
  std::size_t id = t.column("sourcedId");
  std::size_t status = t.column("status"), modified = t.column("dateLastModified");
  bool delta = st.manifest.mode(file) == "delta";
  while (t.next()) {
    checkStatus(t, status, modified, delta);
    if (!t.required(id).empty()) {
      set.add(idHash(st.seed, t.at(id)), t.line(), file, problems);
    }
  }
}

void readClasses(BundleFiles& files, State& st, Problems& problems) {
  if (st.manifest.mode("classes.csv") == "absent") {
    return;
  }
  st.classIds.present = true;
  Table t(files, "classes.csv", problems);
  if (!t.open({"sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
               "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds",
               "subjects", "subjectCodes", "periods"})) {
    return;
  }
  st.classIds.complete = st.manifest.mode("classes.csv") == "bulk";
  bool delta = st.manifest.mode("classes.csv") == "delta";
  std::size_t id = t.column("sourcedId"), status = t.column("status"),
              modified = t.column("dateLastModified"), title = t.column("title"),
              grades = t.column("grades"), course = t.column("courseSourcedId"),
              code = t.column("classCode"), type = t.column("classType"),
              location = t.column("location"), school = t.column("schoolSourcedId"),
              terms = t.column("termSourcedIds");
  while (t.next()) {
    std::string_view sid = t.required(id);
    checkStatus(t, status, modified, delta);
    t.required(title);
    t.required(type);
    t.oneOfSet(type, oneOf(t.at(type), kClassTypes), listed(kClassTypes));
    for (auto g : t.list(grades)) {
      if (!oneOf(g, kGrades)) {
        t.problem(grades, quoteValue(g) + " is not a CEDS grade (" + listed(kGrades) + ")");
      }
    }
    if (!t.required(course).empty() && st.courseIds.missing(idHash(st.seed, t.at(course)))) {
      t.problem(course, "no course in courses.csv has this sourcedId");
    }
    if (!t.required(school).empty() && st.orgIds.missing(idHash(st.seed, t.at(school)))) {
      t.problem(school, "no org in orgs.csv has this sourcedId");
    }
    t.required(terms);
    auto termList = t.list(terms);
    for (auto term : termList) {
      if (st.sessionIds.missing(idHash(st.seed, term))) {
        t.problem(terms, quoteValue(term) + ": no academic session has this sourcedId");
      }
    }
    if (sid.empty()) {
      continue;
    }
    std::uint64_t h = idHash(st.seed, sid);
    st.classIds.add(h, t.line(), "classes.csv", problems);
    if (t.at(type) == "homeroom" && t.at(status) != "tobedeleted") {
      st.classIndex.insert(h, static_cast<std::uint32_t>(st.homerooms.size()));
      st.homerooms.push_back(ClassInfo{std::string(sid), std::string(t.at(title)),
                                       std::string(t.at(code)), std::string(t.at(location))});
    }
  }
}

bool isStaffRole(std::string_view role) {
  return role == "teacher" || role == "administrator" || role == "aide" || role == "proctor";
}

// The first pass over users.csv: every check, the ids, and what a homeroom needs of its
// teacher. Homeroom teachers are not known yet, so every staff member is kept (a few percent
// of the users).
void checkUsers(BundleFiles& files, State& st, Problems& problems) {
  Table t(files, "users.csv", problems);
  st.userIds.present = true;
  if (!t.open(kUserColumns)) {
    return;
  }
  st.userIds.complete = !st.delta;
  for (const auto& c : t.header()) {
    if (c.rfind("metadata.", 0) == 0) {
      st.extraColumns.push_back(c);
    }
  }
  std::size_t id = t.column("sourcedId"), status = t.column("status"),
              modified = t.column("dateLastModified"), enabled = t.column("enabledUser"),
              orgs = t.column("orgSourcedIds"), role = t.column("role"),
              username = t.column("username"), given = t.column("givenName"),
              family = t.column("familyName"), identifier = t.column("identifier"),
              email = t.column("email"), agents = t.column("agentSourcedIds"),
              grades = t.column("grades");
  std::vector<std::pair<std::uint64_t, std::int64_t>> agentRefs;
  while (t.next()) {
    st.usersDigest = rowDigest(st.usersDigest, t.row());
    ++st.usersRows;
    std::string_view sid = t.required(id);
    checkStatus(t, status, modified, st.delta);
    if (sid.empty()) {
      continue;
    }
    std::uint64_t h = idHash(st.seed, sid);
    st.userIds.add(h, t.line(), "users.csv", problems);
    if (t.at(status) == "tobedeleted") {
      continue;  // a delta deletion: only its sourcedId and status need be filled
    }
    t.required(enabled);
    t.boolean(enabled);
    t.required(role);
    t.oneOfSet(role, oneOf(t.at(role), kRoles), "a OneRoster role (" + listed(kRoles) + ")");
    t.required(username);
    t.required(given);
    t.required(family);
    t.required(orgs);
    auto orgList = t.list(orgs);
    for (auto o : orgList) {
      if (st.orgIds.missing(idHash(st.seed, o))) {
        t.problem(orgs, quoteValue(o) + ": no org in orgs.csv has this sourcedId");
      }
    }
    for (auto g : t.list(grades)) {
      if (!oneOf(g, kGrades)) {
        t.problem(grades, quoteValue(g) + " is not a CEDS grade (" + listed(kGrades) + ")");
      }
    }
    for (auto a : t.list(agents)) {
      agentRefs.emplace_back(idHash(st.seed, a), t.line());
    }
    if (isStaffRole(t.at(role))) {
      st.staff[h] = Staff{std::string(sid), std::string(t.at(identifier)), std::string(t.at(email)),
                          std::string(t.at(given)), std::string(t.at(family))};
    }
  }
  for (auto [h, line] : agentRefs) {
    if (st.userIds.missing(h)) {
      problems.add("users.csv", line, "agentSourcedIds", "no user has this sourcedId");
    }
  }
}

void readEnrollments(BundleFiles& files, State& st, Problems& problems, const std::string& today) {
  if (st.manifest.mode("enrollments.csv") == "absent") {
    return;
  }
  bool delta = st.manifest.mode("enrollments.csv") == "delta";
  if (!st.classIds.present && !delta) {
    problems.add("manifest.csv", 0, "",
                 "enrollments.csv is sent in bulk but classes.csv is absent: enrollments name "
                 "classes");
    return;
  }
  Table t(files, "enrollments.csv", problems);
  if (!t.open({"sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
               "userSourcedId", "role", "primary", "beginDate", "endDate"})) {
    return;
  }
  IdSet own;
  std::size_t id = t.column("sourcedId"), status = t.column("status"),
              modified = t.column("dateLastModified"), cls = t.column("classSourcedId"),
              school = t.column("schoolSourcedId"), user = t.column("userSourcedId"),
              role = t.column("role"), primary = t.column("primary"), begin = t.column("beginDate"),
              end = t.column("endDate");
  while (t.next()) {
    if (!t.required(id).empty()) {
      own.add(idHash(st.seed, t.at(id)), t.line(), "enrollments.csv", problems);
    }
    checkStatus(t, status, modified, delta);
    bool gone = t.at(status) == "tobedeleted";
    std::string_view classId = t.required(cls), userId = t.required(user);
    if (!t.required(school).empty() && st.orgIds.missing(idHash(st.seed, t.at(school)))) {
      t.problem(school, "no org in orgs.csv has this sourcedId");
    }
    t.required(role);
    t.oneOfSet(role, oneOf(t.at(role), kEnrollmentRoles),
               "an enrollment role (" + listed(kEnrollmentRoles) + ")");
    t.boolean(primary);
    t.date(begin);
    t.date(end);
    if (!t.at(begin).empty() && !t.at(end).empty() && isDate(t.at(begin)) && isDate(t.at(end)) &&
        t.at(end) < t.at(begin)) {
      t.problem(end, "the enrollment ends (" + std::string(t.at(end)) + ") before it begins (" +
                         std::string(t.at(begin)) + ")");
    }
    std::uint64_t c = idHash(st.seed, classId), u = idHash(st.seed, userId);
    if (!classId.empty() && !gone && st.classIds.missing(c)) {
      t.problem(cls, "no class in classes.csv has this sourcedId");
    }
    if (!userId.empty() && !gone && st.userIds.missing(u)) {
      t.problem(user, "no user in users.csv has this sourcedId");
    }
    // Only a current, active enrollment in a homeroom class gives a homeroom.
    const std::uint32_t* hr = st.classIndex.find(c);
    if (!gone && !hr && !classId.empty() && !st.classIds.has(c)) {
      ++st.unknownClass;  // a delta's enrollment in a class sent before: homeroom or not?
    }
    if (gone || !hr || classId.empty() || userId.empty() ||
        (!t.at(begin).empty() && t.at(begin) > today) ||
        (!t.at(end).empty() && t.at(end) < today)) {
      continue;
    }
    if (st.delta && !st.userIds.has(u)) {
      ++st.enrollmentOnly;
    }
    if (t.at(role) == "student") {
      st.studentHomeroom.insert(u, *hr);
    } else if (t.at(role) == "teacher") {
      ClassInfo& info = st.homerooms[*hr];
      bool isPrimary = isTrue(t.at(primary));
      if (info.teacher == 0 || (isPrimary && !info.teacherPrimary)) {
        info.teacher = u;
        info.teacherPrimary = isPrimary;
      }
      st.teacherHomeroom.insert(u, *hr);
    }
  }
}

void readDemographics(BundleFiles& files, State& st, Problems& problems) {
  if (st.manifest.mode("demographics.csv") == "absent") {
    return;
  }
  Table t(files, "demographics.csv", problems);
  if (!t.open({"sourcedId", "status", "dateLastModified", "birthDate", "sex",
               "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
               "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
               "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation",
               "cityOfBirth", "publicSchoolResidenceStatus"})) {
    return;
  }
  bool delta = st.manifest.mode("demographics.csv") == "delta";
  IdSet own;
  std::size_t id = t.column("sourcedId"), status = t.column("status"),
              modified = t.column("dateLastModified"), birth = t.column("birthDate"),
              sex = t.column("sex");
  while (t.next()) {
    std::string_view sid = t.required(id);
    checkStatus(t, status, modified, delta);
    t.date(birth);
    t.oneOfSet(sex, oneOf(t.at(sex), kSexes), listed(kSexes));
    if (sid.empty()) {
      continue;
    }
    std::uint64_t h = idHash(st.seed, sid);
    own.add(h, t.line(), "demographics.csv", problems);
    if (t.at(status) == "tobedeleted") {
      continue;
    }
    if (st.userIds.missing(h)) {
      t.problem(id, "no user in users.csv has this sourcedId (demographics are a user's)");
    }
    Demographic d;
    if (isDate(t.at(birth))) {
      std::memcpy(d.birthDate.data(), t.at(birth).data(), 10);
    }
    d.sex = t.at(sex) == "male" ? 1 : t.at(sex) == "female" ? 2 : 0;
    st.demographics.insert(h, d);
  }
}

}  // namespace

bool isPatronRole(std::string_view role) {
  return role == "student" || isStaffRole(role);
}

void checkBundle(BundleFiles& files, State& st, Problems& problems, const std::string& today) {
  if (!readManifest(files, st, problems)) {
    return;
  }
  st.delta = st.manifest.mode("users.csv") == "delta";
  readOrgs(files, st, problems);
  readIds(files, st, "courses.csv",
          {"sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode",
           "grades", "orgSourcedId", "subjects", "subjectCodes"},
          st.courseIds, problems);
  readIds(files, st, "academicSessions.csv",
          {"sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
           "parentSourcedId", "schoolYear"},
          st.sessionIds, problems);
  readClasses(files, st, problems);
  checkUsers(files, st, problems);
  readEnrollments(files, st, problems, today);
  readDemographics(files, st, problems);
}

}  // namespace patrond::oneroster::detail
