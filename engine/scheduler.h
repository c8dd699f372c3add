#pragma once
// The service's scheduler (SPEC section 3 `schedule`, section 8 notices, section 7 sweep): one
// alarm for all timed work, armed for the earliest scheduled import, notice or circulation
// sweep, re-armed after each and on reload; idle between them. At start it also runs, once,
// what it missed while the service was down. It decides when; the host (the daemon) decides
// what running means. Runs on the service loop's thread; tests drive it on simulated time.

#include <optional>
#include <string>

#include "engine/config.h"
#include "engine/ports/log.h"
#include "engine/ports/time_zone.h"
#include "engine/ports/timer.h"
#include "engine/result.h"

namespace patrond {

struct ScheduledEvent {
  enum class Kind { kImport, kNotice, kSweep };
  Kind kind = Kind::kImport;
  UtcTime at;
  std::string name;  // the job or notice ("sweep" for the sweep)
  UpdateType update = UpdateType::kFull;
  std::string local;  // the slot, district wall time (ISO): names the slot's lease
};

class SchedulerHost {
 public:
  virtual ~SchedulerHost() = default;
  virtual const Config& config() const = 0;
  virtual const TimeZone& zone() const = 0;
  // Asked for at each use: a reload may replace the log.
  virtual Log& log() = 0;
  // When the job's newest run started (district time, ISO; nullopt: never ran). An error
  // (the database cannot be read) ends the check for missed runs; it runs again at the next
  // start or reconnect.
  virtual Result<std::optional<std::string>> lastRunStart(const std::string& job) = 0;
  // Runs the event now. `trigger` is "schedule" or "missed".
  virtual void dispatch(const ScheduledEvent& event, const std::string& trigger) = 0;
};

class Scheduler {
 public:
  Scheduler(TimeSystem& time, SchedulerHost& host);

  // Arms the alarm for the next event (replacing any armed before); logs what and when.
  void arm();
  void cancel();
  // An import slot in the 24 hours before now that the job has not run since runs once now.
  void runMissed();
  // A notice slot missed while the service was down runs once now, when it fell earlier the
  // same district day: a Friday 07:00 notice goes out at 09:30 when the server is back by
  // then, not on Saturday. The slot's lease (the host's) keeps a slot that did run from
  // running again.
  void runMissedNotices();

  // The next event after `now`, if anything is scheduled.
  std::optional<ScheduledEvent> next(UtcTime now) const;
  // "import students (full)", "notice weekly-overdues", "circulation sweep".
  static std::string describe(const ScheduledEvent& e);

 private:
  std::string shown(UtcTime t) const;

  TimeSystem& time_;
  SchedulerHost& host_;
  std::unique_ptr<Alarm> alarm_;
};

}  // namespace patrond
