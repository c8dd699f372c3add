#pragma once
// Time zone adapter: the engine's TimeZone port over the operating system's IANA zoneinfo
// (Howard Hinnant's date/tz). Thread-safe after construction.

#include <memory>
#include <string>

#include "engine/ports/time_zone.h"
#include "engine/result.h"

namespace patrond::tz {

bool zoneExists(const std::string& name);
// Why the time zone database cannot be read ("" when it can): on Windows the tzdata folder
// beside patrond.exe (or PATROND_TZDATA) may be missing.
std::string databaseProblem();
// An empty name means the system's local zone.
Result<std::unique_ptr<TimeZone>> makeZone(const std::string& name);

}  // namespace patrond::tz
