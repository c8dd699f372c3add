#pragma once
// Calendar and wall-clock values without time zones: what the SPEC calls dates and times.
// Pure functions; any thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace patrond {

// A wall-clock time to the second (local to whatever zone the caller means).
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  auto operator<=>(const CivilTime&) const = default;
};

struct TimeOfDay {
  int hour = 0, minute = 0;
  auto operator<=>(const TimeOfDay&) const = default;
  int minutes() const { return hour * 60 + minute; }
};

using Seconds = std::chrono::seconds;
// Seconds since the Unix epoch, UTC.
using UtcTime = std::chrono::sys_seconds;

std::chrono::sys_days toDays(const CivilTime& t);
CivilTime fromSysSeconds(std::chrono::sys_seconds s);  // treats the value as wall clock
std::chrono::sys_seconds toSysSeconds(const CivilTime& t);
CivilTime addDays(const CivilTime& t, int days);
// 0 = Sunday .. 6 = Saturday
int weekday(const CivilTime& t);
bool validDate(int y, int m, int d);

// "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (also 'T' and ":SS"): --as-of and config dates.
std::optional<CivilTime> parseCivilTime(std::string_view s);
std::optional<TimeOfDay> parseTimeOfDay(std::string_view s);  // "HH:MM", 24 h
// ISO 8601 as the JSON shapes use: "2026-10-15T02:00:00" / "2026-10-15"
std::string formatIso(const CivilTime& t);
std::string formatDate(const CivilTime& t);
std::string formatTimeOfDay(const TimeOfDay& t);
// "YYYY-MM-DDTHH:MM:SSZ": how leases and the outbox keep instants (they sort as text).
std::string utcIso(UtcTime t);
// Whole days from a to b (b - a), by calendar date.
int daysBetween(const CivilTime& a, const CivilTime& b);

}  // namespace patrond
