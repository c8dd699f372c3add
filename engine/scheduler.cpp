#include "engine/scheduler.h"

#include "engine/display_time.h"
#include "engine/import_run.h"
#include "engine/schedule.h"

namespace patrond {

namespace {

// The latest slot at or before `now` in the 24 hours before it, by walking `next(after)`
// (which gives the first slot after a time) and `at(slot)` (a slot's time).
template <typename Next, typename At>
auto latestSlot(UtcTime now, Next next, At at) -> decltype(next(now)) {
  decltype(next(now)) last;
  for (auto s = next(now - std::chrono::hours(24)); s && at(*s) <= now; s = next(at(*s))) {
    last = s;
  }
  return last;
}

}  // namespace

Scheduler::Scheduler(TimeSystem& time, SchedulerHost& host)
    : time_(time), host_(host), alarm_(time.makeAlarm()) {}

std::optional<ScheduledEvent> Scheduler::next(UtcTime now) const {
  using Kind = ScheduledEvent::Kind;
  const Config& config = host_.config();
  const TimeZone& zone = host_.zone();
  std::optional<ScheduledEvent> next;
  auto consider = [&](ScheduledEvent e) {
    if (!next || e.at < next->at) {
      next = std::move(e);
    }
  };
  for (const auto& job : config.imports) {
    if (auto r = nextRun(job.schedule, now, zone)) {
      consider({Kind::kImport, r->at, job.name, r->update, formatIso(r->local)});
    }
  }
  for (const auto& n : config.notices) {
    if (n.schedule) {
      if (auto at = nextNoticeRun(*n.schedule, now, zone)) {
        consider({Kind::kNotice, *at, n.name, UpdateType::kFull, formatIso(zone.toLocal(*at))});
      }
    }
  }
  // The daily circulation sweep (overdue copies to lost) shares the one alarm.
  if (auto r = nextSweep(config.circulation, now, zone)) {
    consider({Kind::kSweep, r->at, "sweep", UpdateType::kFull, formatIso(r->local)});
  }
  return next;
}

void Scheduler::arm() {
  alarm_->cancel();
  auto event = next(time_.now());
  if (!event) {
    host_.log().info("scheduler: nothing scheduled");
    return;
  }
  host_.log().info("scheduler: next " + describe(*event) + " at " + shown(event->at));
  alarm_->armAt(event->at, [this, e = *event] {
    host_.dispatch(e, "schedule");
    arm();
  });
}

void Scheduler::cancel() {
  alarm_->cancel();
}

void Scheduler::runMissed() {
  UtcTime now = time_.now();
  const TimeZone& zone = host_.zone();
  for (const auto& job : host_.config().imports) {
    auto last = latestSlot(
        now, [&](UtcTime after) { return nextRun(job.schedule, after, zone); },
        [](const ScheduledRun& r) { return r.at; });
    if (!last) {
      continue;
    }
    auto started = host_.lastRunStart(job.name);
    if (!started) {
      return;  // the host logged it; missed runs are checked again when the database is back
    }
    std::string slot = formatIso(last->local);
    if (!*started || **started < slot) {
      host_.log().info("scheduler: import " + job.name + " missed its run at " + shown(last->at) +
                       "; running it now");
      host_.dispatch({ScheduledEvent::Kind::kImport, last->at, job.name, last->update, slot},
                     "missed");
    }
  }
}

void Scheduler::runMissedNotices() {
  UtcTime now = time_.now();
  const TimeZone& zone = host_.zone();
  CivilTime today = zone.toLocal(now);
  for (const auto& n : host_.config().notices) {
    if (!n.schedule) {
      continue;
    }
    auto last = latestSlot(
        now, [&](UtcTime after) { return nextNoticeRun(*n.schedule, after, zone); },
        [](UtcTime t) { return t; });
    if (!last) {
      continue;
    }
    CivilTime slot = zone.toLocal(*last);
    if (slot.year != today.year || slot.month != today.month || slot.day != today.day) {
      continue;
    }
    host_.log().info("scheduler: notice " + n.name + " was due at " + shown(*last) +
                     "; running it now unless it ran then");
    host_.dispatch(
        {ScheduledEvent::Kind::kNotice, *last, n.name, UpdateType::kFull, formatIso(slot)},
        "missed");
  }
}

std::string Scheduler::describe(const ScheduledEvent& e) {
  switch (e.kind) {
    case ScheduledEvent::Kind::kSweep:
      return "circulation sweep";
    case ScheduledEvent::Kind::kNotice:
      return "notice " + e.name;
    case ScheduledEvent::Kind::kImport:
      break;
  }
  return "import " + e.name + " (" + std::string(updateTypeName(e.update)) + ")";
}

// A time in a log message: the district's, with its offset (SPEC section 11).
std::string Scheduler::shown(UtcTime t) const {
  return rfc3339(t, host_.zone());
}

}  // namespace patrond
