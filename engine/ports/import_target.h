#pragma once
// Port: what an import reads and writes of the patrons (engine/patron_import.cpp and its
// writer). The writes run inside the caller's transaction (UnitOfWork). One thread at a time,
// like every store port.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/patron.h"
#include "engine/result.h"

namespace patrond {

// What an import needs to know of a stored patron to match, compare and reactivate it. The
// views are valid only during the callback that receives it (a million patrons are read
// without a copy each).
struct StoredPatronKey {
  std::int64_t id = 0;
  std::string_view key;  // value of the match_on field
  std::string_view barcode;
  std::string_view contentHash;
  PatronStatus status = PatronStatus::kActive;
  bool ownedByJob = false;  // owner_job is the job that asked
  bool seenInLastFull = false;
  bool homeroomPinned = false;  // set by hand (setHomeroomPin): an update keeps the homeroom
};

class ImportTarget {
 public:
  virtual ~ImportTarget() = default;

  // Streams every patron's match data, for an import of `job` to build its index.
  virtual Result<void> forEachPatronKey(
      PatronField matchOn, const std::string& job,
      const std::function<void(const StoredPatronKey&)>& each) = 0;
  // The stored values of `fields` for these patrons (an import's `preserve` list), by id.
  virtual Result<void> readFields(
      const std::vector<std::int64_t>& ids, const std::vector<PatronField>& fields,
      const std::function<void(std::int64_t id, std::vector<std::string>&& values)>& each) = 0;
  // Bulk writes inside the caller's transaction, in as few statements as the backend allows.
  // insert may fill in the ids (SQLite does); callers must not rely on it.
  virtual Result<void> insertPatrons(std::vector<Patron>& patrons) = 0;
  // Writes the given columns (empty: all fields) plus status, inactive_since, owner_job,
  // content_hash, last_seen_at, seen_in_last_full and updated_at. With `reactivate`, a
  // username left unwritten loses its "Inactive-" prefix.
  virtual Result<void> updatePatrons(const std::vector<Patron>& patrons,
                                     const std::vector<PatronField>& columns = {},
                                     bool reactivate = false) = 0;
  // A full run's presence changes: seen_in_last_full and last_seen_at for these patrons.
  virtual Result<void> markSeen(const std::vector<std::int64_t>& ids, bool seen,
                                const std::string& lastSeenAt) = 0;
  // The time of a job's last full run ("" when none); set inside the run's transaction.
  virtual Result<std::string> jobLastFullRun(const std::string& job) = 0;
  virtual Result<void> setJobLastFullRun(const std::string& job, const std::string& at) = 0;
};

}  // namespace patrond
