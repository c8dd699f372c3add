#include "engine/source_watch.h"

namespace patrond {

std::optional<UtcTime> SettleTracker::observe(const FileObservation& o, UtcTime now) {
  if (!(o == last_)) {
    last_ = o;
    changedAt_ = now;
  }
  if (!last_.exists) {
    return std::nullopt;
  }
  return changedAt_ + settle_;
}

bool SettleTracker::settled(UtcTime now) const {
  return last_.exists && now >= changedAt_ + settle_;
}

}  // namespace patrond
