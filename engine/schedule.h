#pragma once
// Schedule maths (SPEC section 3 `schedule`, issue 4): when a job or notice runs next.
// Pure functions over a TimeZone; any thread.

#include <optional>
#include <vector>

#include "engine/config.h"
#include "engine/ports/time_zone.h"

namespace patrond {

struct ScheduledRun {
  UtcTime at;
  UpdateType update = UpdateType::kIncremental;
  CivilTime local;  // the wall-clock time it was scheduled for
};

// The first scheduled run strictly after `after`. A wall time that does not exist (DST
// spring-forward) runs at the first minute after the gap; a repeated wall time (fall-back)
// runs once, at its first occurrence.
std::optional<ScheduledRun> nextRun(const std::vector<DaySchedule>& schedule, UtcTime after,
                                    const TimeZone& zone);
// The next daily circulation sweep (circulation.sweep_at, district time) after `after`.
std::optional<ScheduledRun> nextSweep(const CirculationConfig& circulation, UtcTime after,
                                      const TimeZone& zone);
// Same for a notice schedule with fixed days (before_library_day is per homeroom: see
// notice planning).
std::optional<UtcTime> nextNoticeRun(const NoticeSchedule& schedule, UtcTime after,
                                     const TimeZone& zone);
// The statistical year's starting calendar year for a date (SPEC section 5, rule 2).
int statisticalYearStart(const CivilTime& date, int startMonth);

}  // namespace patrond
