#pragma once
// Port: alarms (issue 16). The service's are Asio timers on its one event loop
// (daemon/asio_time.h); tests use test::SimulatedTime (tests/support/simulated_time.h), whose
// alarms fire when the test moves time, so no scheduler test sleeps. An alarm belongs to the
// thread that runs its loop: arm, cancel and the callback all happen there.

#include <chrono>
#include <functional>
#include <memory>

#include "engine/ports/clock.h"

namespace patrond {

class Alarm {
 public:
  virtual ~Alarm() = default;  // cancels
  // Calls `callback` once at the wall-clock time `when` (a step of the system clock moves
  // it). Arming again replaces what was armed; a replaced or cancelled callback never runs.
  virtual void armAt(UtcTime when, std::function<void()> callback) = 0;
  // Calls `callback` once after `delay` of elapsed time (a step of the clock does not move it).
  virtual void armAfter(std::chrono::milliseconds delay, std::function<void()> callback) = 0;
  virtual void cancel() = 0;
};

// A clock that can also make alarms.
class TimeSystem : public Clock {
 public:
  virtual std::unique_ptr<Alarm> makeAlarm() = 0;
};

}  // namespace patrond
