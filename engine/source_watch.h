#pragma once
// When a source file may be read (SPEC section 3 `settle`): only after it has stopped
// changing for the settle time. Pure; the service feeds it observations (from inotify
// events, polls and timers) and arms a timer for the time it returns. One thread.

#include <cstdint>
#include <optional>
#include <string>

#include "engine/civil_time.h"

namespace patrond {

struct FileObservation {
  bool exists = false;
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
  bool operator==(const FileObservation&) const = default;
};

class SettleTracker {
 public:
  explicit SettleTracker(Seconds settle) : settle_(settle) {}
  // Records what the file looks like at `now`. Returns when it will have settled if it does
  // not change again; nullopt while there is no file.
  std::optional<UtcTime> observe(const FileObservation& o, UtcTime now);
  // True when the file exists and has not changed for the settle time.
  bool settled(UtcTime now) const;
  const FileObservation& current() const { return last_; }

 private:
  Seconds settle_;
  FileObservation last_;
  UtcTime changedAt_{};
};

}  // namespace patrond
