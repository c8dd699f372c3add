#include "engine/schedule.h"

namespace patrond {
namespace {

// Resolve a wall-clock time in the zone: the first instance, or in a gap the first minute
// after the gap.
UtcTime resolveLocal(const CivilTime& local, const TimeZone& zone) {
  auto found = zone.fromLocal(local);
  if (!found.empty()) {
    return found.front();
  }
  CivilTime probe = local;
  for (int i = 0; i < 24 * 60; ++i) {
    probe = fromSysSeconds(toSysSeconds(probe) + Seconds{60});
    auto next = zone.fromLocal(probe);
    if (!next.empty()) {
      return next.front();
    }
  }
  return toSysSeconds(local);
}

template <typename Candidates>
std::optional<ScheduledRun> earliestAfter(UtcTime after, const TimeZone& zone, Candidates each) {
  CivilTime today = zone.toLocal(after);
  today.hour = today.minute = today.second = 0;
  // Start a day early so a run on the previous local day that maps after `after` is seen.
  for (int d = -1; d <= 8; ++d) {
    CivilTime day = addDays(today, d);
    std::optional<ScheduledRun> best;
    each(day, [&](TimeOfDay t, UpdateType u) {
      CivilTime local = day;
      local.hour = t.hour;
      local.minute = t.minute;
      UtcTime at = resolveLocal(local, zone);
      if (at > after && (!best || at < best->at)) {
        best = ScheduledRun{at, u, local};
      }
    });
    if (best) {
      return best;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ScheduledRun> nextRun(const std::vector<DaySchedule>& schedule, UtcTime after,
                                    const TimeZone& zone) {
  return earliestAfter(after, zone, [&](const CivilTime& day, auto emit) {
    for (const auto& s : schedule) {
      if (s.weekday == weekday(day)) {
        for (const auto& t : s.at) {
          emit(t, s.update);
        }
      }
    }
  });
}

std::optional<UtcTime> nextNoticeRun(const NoticeSchedule& schedule, UtcTime after,
                                     const TimeZone& zone) {
  auto r = earliestAfter(after, zone, [&](const CivilTime& day, auto emit) {
    bool daily = schedule.beforeLibraryDay.has_value();  // checked per homeroom each day
    for (int d : schedule.days) {
      daily = daily || d == weekday(day);
    }
    if (daily) {
      for (const auto& t : schedule.at) {
        emit(t, UpdateType::kFull);
      }
    }
  });
  if (!r) {
    return std::nullopt;
  }
  return r->at;
}

int statisticalYearStart(const CivilTime& date, int startMonth) {
  return date.month >= startMonth ? date.year : date.year - 1;
}

std::optional<ScheduledRun> nextSweep(const CirculationConfig& circulation, UtcTime after,
                                      const TimeZone& zone) {
  std::vector<DaySchedule> daily;
  daily.reserve(7);
  for (int d = 0; d < 7; ++d) {
    daily.push_back({d, UpdateType::kFull, {circulation.sweepAt}});
  }
  return nextRun(daily, after, zone);
}

}  // namespace patrond
