#pragma once
// Port: tells the service that something in a source folder may have changed (inotify on
// Linux, ReadDirectoryChangesW on Windows, or a poll for network shares). The service then
// looks at the file itself; events carry no detail. Callbacks run on the owner's loop.

#include <functional>
#include <string>

#include "engine/result.h"

namespace patrond {

class DirectoryWatch {
 public:
  virtual ~DirectoryWatch() = default;
  // Starts watching `directory`; `changed` is called after every change, and also when the
  // folder itself is removed or moved (the watch then ends: call watch() again to retry).
  virtual Result<void> watch(const std::string& directory, std::function<void()> changed) = 0;
  virtual void cancel() = 0;
};

}  // namespace patrond
