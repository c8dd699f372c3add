#pragma once
// How patrond prints a time (SPEC section 11): RFC 3339 with the UTC offset it had in the
// district's zone, "2026-10-15T02:00:00-05:00", in log lines, text and JSON alike. Every
// printer goes through these. Pure; any thread.

#include <optional>
#include <string>
#include <string_view>

#include "engine/ports/time_zone.h"

namespace patrond {

// "-05:00", "+05:30", "+00:00": a UTC offset in RFC 3339 form.
std::string formatOffset(Seconds offset);

// An instant in the district's wall clock, with its offset.
std::string rfc3339(UtcTime t, const TimeZone& zone);

// A time as the database keeps it, for printing: district wall clock "YYYY-MM-DDTHH:MM:SS"
// gets the offset it had then (the earlier instant in a fall-back hour; in a spring-forward
// gap the offset before the gap); a UTC instant "YYYY-MM-DDTHH:MM:SSZ" is shown in district
// time. "" stays "" (none); a date or anything else is returned unchanged.
std::string displayTime(std::string_view stored, const TimeZone& zone);

// The instant a stored time names (the same two forms as displayTime; a skipped wall-clock
// time counts from the end of its gap); nullopt for anything else.
std::optional<UtcTime> storedInstant(std::string_view stored, const TimeZone& zone);

}  // namespace patrond
