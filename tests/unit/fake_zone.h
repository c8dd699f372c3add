#pragma once
// A fake time zone with US-style DST (standard UTC-6, daylight UTC-5) between two fixed local
// instants, so schedule maths can be tested without the zoneinfo files.

#include <algorithm>

#include "engine/ports/time_zone.h"

namespace patrond::test {

class FakeDstZone final : public TimeZone {
 public:
  // DST starts at `springLocal` (standard time; clocks jump +1h) and ends at `fallLocal`
  // (daylight time; clocks go back 1h).
  FakeDstZone(CivilTime springLocal, CivilTime fallLocal)
      : springUtc_(toSysSeconds(springLocal) + std::chrono::hours(6)),
        fallUtc_(toSysSeconds(fallLocal) + std::chrono::hours(5)) {}

  CivilTime toLocal(UtcTime t) const override { return fromSysSeconds(t + offset(t)); }

  std::vector<UtcTime> fromLocal(const CivilTime& local) const override {
    std::vector<UtcTime> out;
    for (auto off : {std::chrono::hours(-6), std::chrono::hours(-5)}) {
      UtcTime candidate = toSysSeconds(local) - off;
      if (offset(candidate) == off) {
        out.push_back(candidate);
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::chrono::seconds offset(UtcTime t) const {
    return (t >= springUtc_ && t < fallUtc_) ? std::chrono::hours(-5) : std::chrono::hours(-6);
  }
  UtcTime springUtc_, fallUtc_;
};

}  // namespace patrond::test
