#pragma once
// Port: the source files already imported for a trigger (by content fingerprint), so a
// watched file is never imported twice for the same arrival. Used by the daemon's file
// triggers (daemon/import_execution.cpp). One thread at a time, like every store port.

#include <cstdint>
#include <string>

#include "engine/result.h"

namespace patrond {

class SourceFileLedger {
 public:
  virtual ~SourceFileLedger() = default;

  virtual Result<bool> sourceFileSeen(const std::string& job, const std::string& fingerprint) = 0;
  virtual Result<void> recordSourceFile(const std::string& job, const std::string& fingerprint,
                                        std::int64_t runId, const std::string& seenAt) = 0;
};

}  // namespace patrond
