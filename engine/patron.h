#pragma once
// The patron as the SPEC names it (section 4): every field an import can map, with its limit.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace patrond {

enum class PatronField : std::uint8_t {
  kDistrictId,
  kBarcode,
  kUsername,
  kPassword,
  kFirstName,
  kMiddleName,
  kLastName,
  kSite,
  kPatronType,
  kAccessLevel,
  kPersona,
  kGrade,
  kGradYear,
  kHomeroom,
  kHomeroomTeacherEmail,
  kHomeroomTeacherName,
  kBirthdate,
  kGender,
  kEmail,
  kEmail2,
  kPhone,
  kNickname,
  kCardExpires,
  kUser1,
  kUser2,
  kUser3,
  kUser4,
  kUser5,
};
inline constexpr size_t kPatronFieldCount = 28;

struct PatronFieldInfo {
  std::string_view name;    // as in the mapping file and the database column
  std::uint16_t maxLength;  // in characters; longer values are cut with a warning
};

const PatronFieldInfo& fieldInfo(PatronField f);
std::optional<PatronField> fieldByName(std::string_view name);
constexpr size_t index(PatronField f) {
  return static_cast<size_t>(f);
}

using PatronValues = std::array<std::string, kPatronFieldCount>;

enum class PatronStatus : std::uint8_t { kActive, kInactive };
std::string_view statusName(PatronStatus s);

struct Patron {
  std::int64_t id = 0;
  std::int64_t line = 0;  // the import file's line it was read from (for errors); 0: none
  PatronValues values;    // password holds the stored hash, never the clear text
  PatronStatus status = PatronStatus::kActive;
  std::string ownerJob;         // the import job that last wrote it; empty: added by hand
  std::string lastSeenAt;       // ISO 8601, empty when never (effective value when read)
  bool seenInLastFull = false;  // in its job's last full run: last seen = that run's time
  std::string inactiveSince;    // ISO 8601, empty when active
  std::string contentHash;      // of the mapped row, for incremental runs
  bool homeroomPinned = false;  // set by hand: imports and inactivation keep the homeroom
  std::string createdAt;
  std::string updatedAt;  // empty when written: not changed since created (read as createdAt)

  const std::string& get(PatronField f) const { return values[index(f)]; }
  std::string& get(PatronField f) { return values[index(f)]; }
};

}  // namespace patrond
