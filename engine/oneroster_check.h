#pragma once
// OneRoster bundles, inside: what the checking pass (oneroster_check.cpp) learns of a bundle and
// hands to the rows (oneroster.cpp). Not for use outside those two files.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/csv_reader.h"
#include "engine/import_run.h"
#include "engine/key_index.h"
#include "engine/ports/bundle_files.h"

namespace patrond::oneroster::detail {

extern const std::vector<std::string> kUserColumns;  // users.csv's columns, in order
extern const std::vector<std::string> kDerived;      // the columns derived from the bundle

// At most this many values in one multi-value field.
inline constexpr std::size_t kMaxItems = 100;

// A comma-separated list inside one field ("org1,org2"), items trimmed, empty ones dropped.
std::vector<std::string_view> items(std::string_view v);
// What a read of users.csv saw, row by row: the second read must see the same (a folder's file
// rewritten between the reads fails the run instead of importing rows never checked).
std::uint64_t rowDigest(std::uint64_t digest, const CsvRow& row);
// Ids are told apart by a 64-bit hash keyed per run, so a hostile bundle cannot aim ids at
// one slot of the tables (or at a false duplicate) without knowing the key.
inline std::uint64_t idHash(std::uint64_t seed, std::string_view id) {
  return hashBytes(id, seed);
}
// Students and staff are patrons; guardians, parents and relatives are not.
bool isPatronRole(std::string_view role);

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

// ---- what the bundle holds, as the checking pass learns it ----

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

// Reads and checks every file of the bundle into `st` (SPEC section 9); what is wrong goes to
// `problems`. `today` (YYYY-MM-DD) picks the current enrollments.
void checkBundle(BundleFiles& files, State& st, Problems& problems, const std::string& today);

}  // namespace patrond::oneroster::detail
