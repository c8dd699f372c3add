#include "engine/oneroster.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <utility>

#include "engine/civil_time.h"
#include "engine/csv_reader.h"
#include "engine/key_index.h"

namespace patrond::oneroster {

namespace {

// ---- the standard's vocabulary (OneRoster 1.1 CSV, sections on each file) ----

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

constexpr std::array kRoles{"administrator", "aide",     "guardian", "parent",
                            "proctor",       "relative", "student",  "teacher"};
constexpr std::array kEnrollmentRoles{"administrator", "proctor", "student", "teacher"};
constexpr std::array kOrgTypes{"department", "district", "local", "national", "school", "state"};
constexpr std::array kClassTypes{"homeroom", "scheduled"};
constexpr std::array kSexes{"male", "female"};
// CEDS entry grade levels, as OneRoster 1.1 names them.
constexpr std::array kGrades{"IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05",   "06",
                             "07", "08", "09", "10", "11", "12", "13", "PS", "UG", "Other"};
constexpr std::array kModes{"bulk", "delta", "absent"};

template <std::size_t N>
bool oneOf(std::string_view v, const std::array<const char*, N>& set) {
  return std::any_of(set.begin(), set.end(), [&](const char* s) { return v == s; });
}
template <std::size_t N>
std::string listed(const std::array<const char*, N>& set) {
  std::string out;
  for (const char* s : set) {
    out += (out.empty() ? "" : ", ") + std::string(s);
  }
  return out;
}

bool digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) {
    return false;
  }
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}
int number(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    v = v * 10 + (s[i] - '0');
  }
  return v;
}
// YYYY-MM-DD, a real calendar date.
bool isDate(std::string_view s) {
  return s.size() == 10 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
         digits(s, 8, 2) && validDate(number(s, 0, 4), number(s, 5, 2), number(s, 8, 2));
}
// YYYY-MM-DDTHH:MM:SS, optional fraction, optional Z or +HH:MM (ISO 8601 as 1.1 uses it).
bool isDateTime(std::string_view s) {
  if (s.size() < 19 || !isDate(s.substr(0, 10)) || s[10] != 'T' || !digits(s, 11, 2) ||
      s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2) ||
      number(s, 11, 2) > 23 || number(s, 14, 2) > 59 || number(s, 17, 2) > 60) {
    return false;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  if (i == s.size()) {
    return true;
  }
  if (s[i] == 'Z') {
    return i + 1 == s.size();
  }
  return (s[i] == '+' || s[i] == '-') && s.size() == i + 6 && digits(s, i + 1, 2) &&
         s[i + 3] == ':' && digits(s, i + 4, 2) && number(s, i + 1, 2) <= 14 &&
         number(s, i + 4, 2) <= 59;
}
bool isBoolean(std::string_view v) {
  auto lower = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == y;
           });
  };
  return lower(v, "true") || lower(v, "false");
}
bool isTrue(std::string_view v) {
  return v.size() == 4 && (v[0] == 't' || v[0] == 'T');
}

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

// Ids are told apart by a 64-bit hash keyed per run, so a hostile bundle cannot aim ids at
// one slot of the tables (or at a false duplicate) without knowing the key.
constexpr std::size_t kMaxItems = 100;

// What a read of users.csv saw, row by row: the second read must see the same (a folder's file
// rewritten between the reads fails the run instead of importing rows never checked).
std::uint64_t rowDigest(std::uint64_t digest, const CsvRow& row) {
  for (auto f : row.fields) {
    digest = (digest ^ hashBytes(f, f.size())) * 0x100000001b3ull;
  }
  return digest;
}

std::uint64_t idHash(std::uint64_t seed, std::string_view id) {
  return hashBytes(id, seed);
}

// ---- problems: every one names file, line and column ----

class Problems {
 public:
  explicit Problems(std::size_t keep) : keep_(keep) {}
  void add(std::string_view file, std::int64_t line, std::string_view column,
           const std::string& what) {
    ++count_;
    if (listed_.size() < keep_) {
      std::string at = std::string(file);
      if (line > 0) {
        at += " line " + std::to_string(line);
      }
      if (!column.empty()) {
        at += ", column " + std::string(column);
      }
      listed_.push_back(at + ": " + what);
    }
  }
  std::size_t count() const { return count_; }
  Error error(const std::string& bundle) const {
    std::string text =
        "the OneRoster bundle is not valid (" + std::to_string(count_) +
        (count_ == 1 ? " problem" : " problems") +
        (count_ > listed_.size() ? "; the first " + std::to_string(listed_.size()) + " listed"
                                 : "") +
        "): ";
    for (std::size_t i = 0; i < listed_.size(); ++i) {
      text += (i ? "; " : "") + listed_[i];
    }
    return Error{"ONEROSTER", text, bundle};
  }

 private:
  std::size_t keep_;
  std::size_t count_ = 0;
  std::vector<std::string> listed_;
};

// ---- one CSV file of the bundle, read by column name ----

class Table {
 public:
  Table(BundleFiles& files, std::string name, Problems& problems)
      : files_(files), name_(std::move(name)), problems_(problems) {}

  const std::string& name() const { return name_; }

  // Opens the file and reads its header: every column of `required` must be there (1.1 CSV
  // files carry every column of their table, filled or not). False when it cannot be read.
  bool open(const std::vector<std::string>& required) {
    auto source = files_.open(name_);
    if (!source) {
      problems_.add(name_, 0, "", source.error().describe());
      return false;
    }
    source_ = std::move(*source);
    reader_ = std::make_unique<CsvReader>(*source_, ',');
    auto got = reader_->next(row_);
    if (!got) {
      problems_.add(name_, 0, "", got.error().describe());
      return false;
    }
    if (!*got) {
      problems_.add(name_, 0, "", "the file is empty; a header line naming its columns is needed");
      return false;
    }
    if (row_.badEncoding) {
      problems_.add(name_, row_.line, "", "the header is not valid UTF-8");
      return false;
    }
    header_.clear();
    for (auto f : row_.fields) {
      header_.emplace_back(f);
    }
    std::vector<std::string> missing;
    for (const auto& c : required) {
      if (std::find(header_.begin(), header_.end(), c) == header_.end()) {
        missing.push_back(c);
      }
    }
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (std::find(header_.begin(), header_.begin() + static_cast<std::ptrdiff_t>(i),
                    header_[i]) != header_.begin() + static_cast<std::ptrdiff_t>(i)) {
        problems_.add(name_, row_.line, header_[i], "the column is named twice in the header");
        return false;
      }
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) {
        list += (list.empty() ? "" : ", ") + m;
      }
      problems_.add(name_, row_.line, "",
                    "the header lacks the column" + std::string(missing.size() > 1 ? "s " : " ") +
                        list + " (OneRoster 1.1 files carry every column of their table)");
      return false;
    }
    return true;
  }

  // Reads the next well-formed row; rows of the wrong shape are problems and passed over.
  // False at the end of the file or on a read fault (a problem).
  bool next() {
    for (;;) {
      auto got = reader_->next(row_);
      if (!got) {
        problems_.add(name_, 0, "", got.error().describe());
        return false;
      }
      if (!*got) {
        return false;
      }
      if (auto shape = rowShapeProblem(row_, header_.size())) {
        problems_.add(name_, row_.line, "",
                      shape->code == "BAD_ENCODING"
                          ? "the row is not valid UTF-8 (OneRoster files are UTF-8) or holds a "
                            "NUL byte"
                          : shape->text);
        continue;
      }
      return true;
    }
  }

  // The position of a column known to be in the header (open() checked it), or npos.
  std::size_t column(std::string_view name) const {
    auto it = std::find(header_.begin(), header_.end(), name);
    return it == header_.end() ? std::string_view::npos
                               : static_cast<std::size_t>(it - header_.begin());
  }
  std::string_view at(std::size_t column) const {
    return column < row_.fields.size() ? row_.fields[column] : std::string_view();
  }
  std::int64_t line() const { return row_.line; }
  const CsvRow& row() const { return row_; }
  const std::vector<std::string>& header() const { return header_; }

  void problem(std::size_t column, const std::string& what) {
    problems_.add(name_, row_.line, column < header_.size() ? header_[column] : "", what);
  }
  // The checks every value kind needs; each returns the value for convenience.
  std::string_view required(std::size_t c) {
    std::string_view v = at(c);
    if (v.empty()) {
      problem(c, "a value is required");
    }
    return v;
  }
  void oneOfSet(std::size_t c, bool ok, const std::string& set) {
    if (!at(c).empty() && !ok) {
      problem(c, quoteValue(at(c)) + " is not one of " + set);
    }
  }
  void date(std::size_t c) {
    if (!at(c).empty() && !isDate(at(c))) {
      problem(c, quoteValue(at(c)) + " is not a date (YYYY-MM-DD)");
    }
  }
  void dateTime(std::size_t c) {
    if (!at(c).empty() && !isDateTime(at(c))) {
      problem(c, quoteValue(at(c)) + " is not a date and time (YYYY-MM-DDTHH:MM:SS.sssZ)");
    }
  }
  // A field's comma-separated values; more than kMaxItems is a problem (a row of a few bytes
  // per value must not cost memory out of proportion).
  std::vector<std::string_view> list(std::size_t c) {
    auto out = items(at(c));
    if (out.size() > kMaxItems) {
      problem(c, std::to_string(out.size()) + " values; at most " + std::to_string(kMaxItems) +
                     " are taken in one field");
      out.resize(kMaxItems);
    }
    return out;
  }
  void boolean(std::size_t c) {
    if (!at(c).empty() && !isBoolean(at(c))) {
      problem(c, quoteValue(at(c)) + " is not true or false");
    }
  }

 private:
  BundleFiles& files_;
  std::string name_;
  Problems& problems_;
  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<CsvReader> reader_;
  CsvRow row_;
  std::vector<std::string> header_;
};

// ---- what the bundle holds, as the passes learn it ----

struct Manifest {
  std::unordered_map<std::string, std::string> modes;  // "users.csv" -> bulk | delta
  std::string mode(const std::string& file) const {
    auto it = modes.find(file);
    return it == modes.end() ? "absent" : it->second;
  }
};

struct Org {
  std::string sourcedId, identifier, name, type;
};
struct ClassInfo {
  std::string sourcedId, title, classCode, location;
  std::uint64_t teacher = 0;  // user hash; 0: none yet
  bool teacherPrimary = false;
};
struct Staff {
  std::string sourcedId, identifier, email, givenName, familyName;
};
struct Demographic {
  std::array<char, 10> birthDate{};  // YYYY-MM-DD or empty (first byte 0)
  std::uint8_t sex = 0;              // 0 none, 1 male, 2 female
};

// Values by id hash: open addressing with linear probing, grown at half full. A million users
// are looked up from two million enrollments: one or two cache lines a lookup, where a sorted
// list's binary search took twenty (profiled: 15% of a bundle's import).
template <typename V>
class IdTable {
 public:
  // Adds `value` under `key` unless the key is there: then returns what is (first wins).
  const V* insert(std::uint64_t key, const V& value) {
    if ((count_ + 1) * 2 > keys_.size()) {
      grow();
    }
    std::size_t i = slot(key);
    if (keys_[i] == stored(key)) {
      return &values_[i];
    }
    keys_[i] = stored(key);
    values_[i] = value;
    ++count_;
    return nullptr;
  }
  const V* find(std::uint64_t key) const {
    if (keys_.empty()) {
      return nullptr;
    }
    std::size_t i = slot(key);
    return keys_[i] == stored(key) ? &values_[i] : nullptr;
  }

 private:
  static std::uint64_t stored(std::uint64_t key) { return key == 0 ? 1 : key; }  // 0: empty
  std::size_t slot(std::uint64_t key) const {
    std::size_t mask = keys_.size() - 1;
    std::size_t i = static_cast<std::size_t>(stored(key)) & mask;
    while (keys_[i] != 0 && keys_[i] != stored(key)) {
      i = (i + 1) & mask;
    }
    return i;
  }
  void grow() {
    std::vector<std::uint64_t> keys(std::max<std::size_t>(1024, keys_.size() * 2), 0);
    std::vector<V> values(keys.size());
    keys.swap(keys_);
    values.swap(values_);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != 0) {
        std::size_t j = slot(keys[i]);
        keys_[j] = keys[i];
        values_[j] = std::move(values[i]);
      }
    }
  }
  std::vector<std::uint64_t> keys_;
  std::vector<V> values_;
  std::size_t count_ = 0;
};

// The sourcedIds of one file, each with the line that gave it.
struct IdSet {
  IdTable<std::int64_t> lines;
  bool complete = false;  // the file was sent in bulk: a missing reference is a problem
  bool present = false;
  // Adds an id; one seen before is a problem naming both lines.
  void add(std::uint64_t h, std::int64_t line, const std::string& file, Problems& problems) {
    if (const std::int64_t* first = lines.insert(h, line)) {
      problems.add(file, line, "sourcedId",
                   "the sourcedId is already on line " + std::to_string(*first));
    }
  }
  bool has(std::uint64_t h) const { return lines.find(h) != nullptr; }
  // Whether a reference to `h` is to be reported missing.
  bool missing(std::uint64_t h) const { return complete && !has(h); }
};

struct State {
  std::string bundle;
  std::uint64_t seed = 0;
  std::uint64_t usersDigest = 0;  // of users.csv's rows as checked: the second read must match
  std::int64_t usersRows = 0;
  std::int64_t unknownClass = 0;  // enrollments naming a class this bundle does not send
  bool delta = false;
  Manifest manifest;
  std::unordered_map<std::uint64_t, Org> orgs;
  IdSet orgIds, userIds, classIds, courseIds, sessionIds;
  IdTable<std::uint32_t> classIndex;  // homeroom classes only: class -> index in homerooms
  std::vector<ClassInfo> homerooms;
  std::unordered_map<std::uint64_t, Staff> staff;
  // user -> homeroom class index, the first in enrollments.csv's order.
  IdTable<std::uint32_t> studentHomeroom, teacherHomeroom;
  IdTable<Demographic> demographics;
  std::vector<std::string> extraColumns;  // users.csv's metadata.* columns
  std::int64_t enrollmentOnly = 0;        // delta: homeroom enrollments of users not in users.csv
};

// The status and dateLastModified columns: blank or active in bulk; required in delta.
void checkStatus(Table& t, std::size_t status, std::size_t modified, bool delta) {
  std::string_view s = t.at(status);
  if (delta) {
    if (t.required(status).empty()) {
    } else if (s != "active" && s != "tobedeleted") {
      t.problem(status, quoteValue(s) + " is not one of active, tobedeleted");
    }
    if (!t.required(modified).empty()) {
      t.dateTime(modified);
    }
  } else {
    if (!s.empty() && s != "active") {
      t.problem(status, quoteValue(s) + (s == "tobedeleted"
                                             ? " belongs in a delta file; this file is sent in bulk"
                                             : " is not active (or blank, in a bulk file)"));
    }
    t.dateTime(modified);
  }
}

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
bool isPatronRole(std::string_view role) {
  return role == "student" || isStaffRole(role);
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

// ---- the patron rows ----

void appendCsv(std::string& out, std::string_view v, bool oneLine) {
  bool quote =
      !v.empty() && (v.front() == ' ' || v.back() == ' ' || v.front() == '\t' || v.back() == '\t' ||
                     v.find_first_of(",\"\r\n") != std::string_view::npos);
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char ch : v) {
    if (ch == '"') {
      out.append("\"\"");
    } else if (oneLine && (ch == '\r' || ch == '\n')) {
      out.push_back(' ');  // a derived value never adds a line: rows keep users.csv's lines
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

std::string_view personaOf(std::string_view role) {
  return role == "student" ? "student" : role == "teacher" ? "teacher" : "staff";
}

class PatronRows final : public ByteSource {
 public:
  PatronRows(BundleFiles& files, std::shared_ptr<const State> state)
      : files_(files), st_(std::move(state)) {}

  // Opens users.csv again and writes the header. Counts the users who give no row.
  Result<void> start(std::shared_ptr<std::vector<RemovedRow>> deleted) {
    auto source = files_.open("users.csv");
    if (!source) {
      return source.error();
    }
    source_ = std::move(*source);
    reader_ = std::make_unique<CsvReader>(*source_, ',');
    CsvRow header;
    auto got = reader_->next(header);
    if (!got) {
      return got.error();
    }
    if (!*got) {
      return Error{"ONEROSTER", "users.csv changed while it was read", st_->bundle};
    }
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
      positions_.emplace(std::string(header.fields[i]), i);
    }
    for (const auto& c : kUserColumns) {
      columns_.push_back(position(c));
    }
    for (const auto& c : st_->extraColumns) {
      columns_.push_back(position(c));
    }
    std::string line;
    bool first = true;
    for (const auto* list : {&kUserColumns, &st_->extraColumns, &kDerived}) {
      for (const auto& c : *list) {
        line += first ? "" : ",";
        first = false;
        appendCsv(line, c, true);
      }
    }
    buffer_ = line + "\n";
    line_ = 2;
    deleted_ = std::move(deleted);
    return {};
  }

  Result<std::size_t> read(char* out, std::size_t size) override {
    while (buffer_.size() - pos_ < size && !done_) {
      if (pos_ > 0) {
        buffer_.erase(0, pos_);
        pos_ = 0;
      }
      auto more = nextRow();
      if (!more) {
        return more.error();
      }
      if (!*more) {
        done_ = true;
      }
    }
    std::size_t n = std::min(size, buffer_.size() - pos_);
    std::memcpy(out, buffer_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::size_t position(const std::string& c) const {
    auto it = positions_.find(c);
    return it == positions_.end() ? std::string_view::npos : it->second;
  }
  std::string_view field(std::size_t column) const {
    return column < row_.fields.size() ? row_.fields[column] : std::string_view();
  }

  Result<bool> nextRow() {
    for (;;) {
      auto got = reader_->next(row_);
      if (!got) {
        return got.error();
      }
      if (!*got) {
        if (digest_ != st_->usersDigest || rows_ != st_->usersRows) {
          return Error{"ONEROSTER",
                       "users.csv changed while it was read (checked, then read again); nothing "
                       "was imported: run the import again once the SIS has finished writing",
                       st_->bundle};
        }
        return false;
      }
      digest_ = rowDigest(digest_, row_);
      ++rows_;
      std::string_view role = field(columns_[5]);
      if (field(columns_[1]) == "tobedeleted") {
        RemovedRow d;
        d.line = row_.line;
        derive(scratch_, true);
        d.fields = split(scratch_);
        deleted_->push_back(std::move(d));
        continue;
      }
      if (!isPatronRole(role)) {
        continue;
      }
      while (line_ < row_.line) {
        buffer_.push_back('\n');
        ++line_;
      }
      std::size_t before = buffer_.size();
      derive(buffer_, false);
      line_ += 1 + std::count(buffer_.begin() + static_cast<std::ptrdiff_t>(before),
                              buffer_.end() - 1, '\n');
      return true;
    }
  }

  // Appends the row (user columns, extension columns, derived columns) and a line break.
  void derive(std::string& out, bool fresh) {
    if (fresh) {
      out.clear();
    }
    std::size_t n = 0;
    auto put = [&](std::string_view v, bool oneLine) {
      if (n++ > 0) {
        out.push_back(',');
      }
      appendCsv(out, v, oneLine);
    };
    for (std::size_t c : columns_) {
      put(field(c), false);
    }
    std::uint64_t user = idHash(st_->seed, field(columns_[0]));
    std::string_view role = field(columns_[5]);
    auto grades = items(field(columns_[16]));
    put(grades.empty() ? std::string_view() : grades.front(), true);
    put(field(columns_[5]).empty() ? std::string_view() : personaOf(role), true);
    // The user's school: the first org of type school, else the first org.
    const Org* org = nullptr;
    for (auto o : items(field(columns_[4]))) {
      auto it = st_->orgs.find(idHash(st_->seed, o));
      if (it == st_->orgs.end()) {
        continue;
      }
      if (!org) {
        org = &it->second;
      }
      if (it->second.type == "school") {
        org = &it->second;
        break;
      }
    }
    for (const std::string* v : {org ? &org->sourcedId : nullptr, org ? &org->identifier : nullptr,
                                 org ? &org->name : nullptr, org ? &org->type : nullptr}) {
      put(v ? std::string_view(*v) : std::string_view(), true);
    }
    const std::uint32_t* hr =
        (role == "student" ? st_->studentHomeroom : st_->teacherHomeroom).find(user);
    const ClassInfo* cls = hr ? &st_->homerooms[*hr] : nullptr;
    put(cls ? cls->sourcedId : "", true);
    put(cls ? cls->title : "", true);
    put(cls ? cls->classCode : "", true);
    put(cls ? cls->location : "", true);
    const Staff* teacher = nullptr;
    if (cls && cls->teacher != 0) {
      auto it = st_->staff.find(cls->teacher);
      teacher = it == st_->staff.end() ? nullptr : &it->second;
    }
    put(teacher ? teacher->sourcedId : "", true);
    put(teacher ? teacher->identifier : "", true);
    put(teacher ? teacher->email : "", true);
    put(teacher ? teacher->givenName : "", true);
    put(teacher ? teacher->familyName : "", true);
    std::string name;
    if (teacher) {
      name = teacher->givenName;
      name += name.empty() || teacher->familyName.empty() ? "" : " ";
      name += teacher->familyName;
    }
    put(name, true);
    const Demographic* d = st_->demographics.find(user);
    put(d && d->birthDate[0] ? std::string_view(d->birthDate.data(), 10) : "", true);
    put(!d || d->sex == 0 ? "" : d->sex == 1 ? "male" : "female", true);
    out.push_back('\n');
  }

  // One row of ours back into its fields (a deleted user's row).
  static std::vector<std::string> split(const std::string& row) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i + 1 < row.size() || (i < row.size() && row[i] != '\n'); ++i) {
      char ch = row[i];
      if (quoted) {
        if (ch == '"' && i + 1 < row.size() && row[i + 1] == '"') {
          fields.back().push_back('"');
          ++i;
        } else if (ch == '"') {
          quoted = false;
        } else {
          fields.back().push_back(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        fields.emplace_back();
      } else {
        fields.back().push_back(ch);
      }
    }
    return fields;
  }

  BundleFiles& files_;
  std::shared_ptr<const State> st_;
  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<CsvReader> reader_;
  std::unordered_map<std::string, std::size_t> positions_;
  std::vector<std::size_t> columns_;  // users.csv position of each user and extension column
  CsvRow row_;
  std::string buffer_, scratch_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 1;
  bool done_ = false;
  std::shared_ptr<std::vector<RemovedRow>> deleted_;
  std::uint64_t digest_ = 0;
  std::int64_t rows_ = 0;
};

}  // namespace

const std::vector<std::string>& derivedColumns() {
  return kDerived;
}
const std::vector<std::string>& userColumns() {
  return kUserColumns;
}
bool isColumn(std::string_view column) {
  return column.rfind("metadata.", 0) == 0 ||
         std::find(kUserColumns.begin(), kUserColumns.end(), column) != kUserColumns.end() ||
         std::find(kDerived.begin(), kDerived.end(), column) != kDerived.end();
}

Result<Bundle> readBundle(BundleFiles& files, const ReadOptions& options) {
  auto st = std::make_shared<State>();
  st->bundle = files.describe();
  st->seed = options.seed;
  Problems problems(options.maxProblems);
  if (!readManifest(files, *st, problems)) {
    return problems.error(st->bundle);
  }
  st->delta = st->manifest.mode("users.csv") == "delta";
  readOrgs(files, *st, problems);
  readIds(files, *st, "courses.csv",
          {"sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode",
           "grades", "orgSourcedId", "subjects", "subjectCodes"},
          st->courseIds, problems);
  readIds(files, *st, "academicSessions.csv",
          {"sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate",
           "parentSourcedId", "schoolYear"},
          st->sessionIds, problems);
  readClasses(files, *st, problems);
  checkUsers(files, *st, problems);
  readEnrollments(files, *st, problems, options.today);
  readDemographics(files, *st, problems);
  if (problems.count() > 0) {
    return problems.error(st->bundle);
  }
  Bundle out;
  out.delta = st->delta;
  out.type = st->delta ? UpdateType::kIncremental : UpdateType::kFull;
  // What the bundle does not send in full, an empty value does not clear.
  auto bulk = [&](const char* file) { return st->manifest.mode(file) == "bulk"; };
  if (!bulk("orgs.csv")) {
    out.partialColumns.emplace_back("org.");
  }
  if (!bulk("classes.csv") || !bulk("enrollments.csv")) {
    out.partialColumns.emplace_back("homeroom.");
  }
  if (!bulk("demographics.csv")) {
    out.partialColumns.emplace_back("demographics.");
  }
  if (st->unknownClass > 0) {
    out.notes.push_back(
        {Severity::kWarning, 0, "", "ONEROSTER_UNKNOWN_CLASS",
         std::to_string(st->unknownClass) +
             " enrollments in this delta name classes it does not send in classes.csv; whether "
             "they are homerooms is not known, so those homerooms change at the next bulk "
             "bundle"});
  }
  if (st->enrollmentOnly > 0) {
    out.notes.push_back(
        {Severity::kWarning, 0, "", "ONEROSTER_ENROLLMENT_ONLY",
         std::to_string(st->enrollmentOnly) +
             " homeroom enrollments in this delta bundle are of users it does not send in "
             "users.csv; their homeroom changes when the SIS sends the user, or at the next bulk "
             "bundle"});
  }
  out.toBeDeleted = std::make_shared<std::vector<RemovedRow>>();
  auto rows = std::make_unique<PatronRows>(files, st);
  if (auto r = rows->start(out.toBeDeleted); !r) {
    return r.error();
  }
  out.rows = std::move(rows);
  return out;
}

}  // namespace patrond::oneroster
