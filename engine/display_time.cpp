#include "engine/display_time.h"

#include <cstdio>
#include <cstdlib>

namespace patrond {

std::string formatOffset(Seconds offset) {
  long long s = offset.count();
  char sign = s < 0 ? '-' : '+';
  s = std::llabs(s);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", sign, (s / 3600) % 100, (s / 60) % 60);
  return buf;
}

std::string rfc3339(UtcTime t, const TimeZone& zone) {
  CivilTime local = zone.toLocal(t);
  return formatIso(local) + formatOffset(toSysSeconds(local) - t);
}

std::string displayTime(std::string_view stored, const TimeZone& zone) {
  // Only the two stored forms: 19 characters of date and time, optionally 'Z'.
  bool utc = stored.size() == 20 && stored.back() == 'Z';
  if ((stored.size() != 19 && !utc) || stored[10] != 'T') {
    return std::string(stored);
  }
  auto civil = parseCivilTime(stored.substr(0, 19));
  if (!civil) {
    return std::string(stored);
  }
  if (utc) {
    return rfc3339(toSysSeconds(*civil), zone);
  }
  auto instants = zone.fromLocal(*civil);
  if (!instants.empty()) {
    return rfc3339(instants.front(), zone);
  }
  // A wall-clock time the zone skipped: keep its digits, with the offset just before.
  UtcTime approx = toSysSeconds(*civil);
  UtcTime before = approx - std::chrono::hours(24);
  return formatIso(*civil) + formatOffset(toSysSeconds(zone.toLocal(before)) - before);
}

std::optional<UtcTime> storedInstant(std::string_view stored, const TimeZone& zone) {
  bool utc = stored.size() == 20 && stored.back() == 'Z';
  if ((stored.size() != 19 && !utc) || stored[10] != 'T') {
    return std::nullopt;
  }
  auto civil = parseCivilTime(stored.substr(0, 19));
  if (!civil) {
    return std::nullopt;
  }
  if (utc) {
    return toSysSeconds(*civil);
  }
  auto instants = zone.fromLocal(*civil);
  if (!instants.empty()) {
    return instants.front();
  }
  // In a spring-forward gap: the wall clock read with the offset from before the gap.
  UtcTime approx = toSysSeconds(*civil);
  UtcTime before = approx - std::chrono::hours(24);
  return approx - (toSysSeconds(zone.toLocal(before)) - before);
}

}  // namespace patrond
