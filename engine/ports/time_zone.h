#pragma once
// Port: the district's time zone. Converts between UTC instants and wall-clock times so the
// engine's schedule maths stay pure. Implementations must be safe to call from any thread.

#include <vector>

#include "engine/civil_time.h"

namespace patrond {

class TimeZone {
 public:
  virtual ~TimeZone() = default;
  virtual CivilTime toLocal(UtcTime t) const = 0;
  // Every UTC instant whose wall clock reads `local`: none in a spring-forward gap, two in a
  // fall-back overlap, else one; earliest first.
  virtual std::vector<UtcTime> fromLocal(const CivilTime& local) const = 0;
};

// A fixed offset from UTC (tests; also UTC itself).
class FixedOffsetZone final : public TimeZone {
 public:
  explicit FixedOffsetZone(Seconds offset = Seconds{0}) : offset_(offset) {}
  CivilTime toLocal(UtcTime t) const override { return fromSysSeconds(t + offset_); }
  std::vector<UtcTime> fromLocal(const CivilTime& local) const override {
    return {toSysSeconds(local) - offset_};
  }

 private:
  Seconds offset_;
};

}  // namespace patrond
