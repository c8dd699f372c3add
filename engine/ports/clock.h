#pragma once
// Port: what time it is. The daemon uses the system clock, --as-of a fixed one, tests a
// fake they move by hand. Any thread.

#include "engine/civil_time.h"

namespace patrond {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UtcTime now() const = 0;
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(UtcTime t) : t_(t) {}
  UtcTime now() const override { return t_; }
  void set(UtcTime t) { t_ = t; }
  void advance(Seconds s) { t_ += s; }

 private:
  UtcTime t_;
};

}  // namespace patrond
