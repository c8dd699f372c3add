#pragma once
// OneRoster bundles, the checking pass's tools (engine-internal, engine/oneroster_check.cpp):
// the standard's vocabulary, the shapes of its values, and one CSV file of the bundle read by
// column name with every problem reported against its file, line and column. One thread.

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/oneroster_check.h"

namespace patrond::oneroster::detail {

// ---- the standard's vocabulary (OneRoster 1.1 CSV, sections on each file) ----

inline constexpr std::array kRoles{"administrator", "aide",     "guardian", "parent",
                                   "proctor",       "relative", "student",  "teacher"};
inline constexpr std::array kEnrollmentRoles{"administrator", "proctor", "student", "teacher"};
inline constexpr std::array kOrgTypes{"department", "district", "local",
                                      "national",   "school",   "state"};
inline constexpr std::array kClassTypes{"homeroom", "scheduled"};
inline constexpr std::array kSexes{"male", "female"};
// CEDS entry grade levels, as OneRoster 1.1 names them.
inline constexpr std::array kGrades{"IT", "PR", "PK", "TK", "KG", "01", "02",
                                    "03", "04", "05", "06", "07", "08", "09",
                                    "10", "11", "12", "13", "PS", "UG", "Other"};
inline constexpr std::array kModes{"bulk", "delta", "absent"};

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

// YYYY-MM-DD, a real calendar date.
bool isDate(std::string_view s);
// YYYY-MM-DDTHH:MM:SS, optional fraction, optional Z or +HH:MM (ISO 8601 as 1.1 uses it).
bool isDateTime(std::string_view s);
// true or false, in any case.
bool isBoolean(std::string_view v);
bool isTrue(std::string_view v);

// ---- one CSV file of the bundle, read by column name ----

class Table {
 public:
  Table(BundleFiles& files, std::string name, Problems& problems)
      : files_(files), name_(std::move(name)), problems_(problems) {}

  const std::string& name() const { return name_; }

  // Opens the file and reads its header: every column of `required` must be there (1.1 CSV
  // files carry every column of their table, filled or not). False when it cannot be read.
  bool open(const std::vector<std::string>& required);

  // Reads the next well-formed row; rows of the wrong shape are problems and passed over.
  // False at the end of the file or on a read fault (a problem).
  bool next();

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
  std::vector<std::string_view> list(std::size_t c);
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

// The status and dateLastModified columns: blank or active in bulk; required in delta.
void checkStatus(Table& t, std::size_t status, std::size_t modified, bool delta);

}  // namespace patrond::oneroster::detail
