#pragma once
// Port: the import runs' log (runs, their messages and per-patron detail). Written by imports
// (engine/patron_import.cpp), read by `runs` commands and the service's start-up sweep. One
// thread at a time, like every store port.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/import_run.h"
#include "engine/ports/lease_store.h"
#include "engine/result.h"
#include "engine/run_patrons.h"

namespace patrond {

class RunLog {
 public:
  virtual ~RunLog() = default;

  // Runs. openRun commits its row at once (status running) so a dead process leaves a trace.
  virtual Result<std::int64_t> openRun(const ImportRun& run) = 0;
  // Writes the run's final state and messages (inside the caller's transaction, if any).
  virtual Result<void> closeRun(const ImportRun& run, const std::vector<RunMessage>& messages) = 0;
  // Marks runs left `running` as interrupted (with `finishedAt`, district time) when their
  // lease is gone or free (see acquireLease: dead holder, or expired and not seen alive), and
  // frees such a lease; returns how many.
  virtual Result<int> markInterruptedRuns(const std::string& finishedAt, const std::string& nowUtc,
                                          const HolderCheck& holderState) = 0;
  virtual Result<std::vector<ImportRun>> listRuns(const std::string& job, int limit) = 0;
  virtual Result<std::optional<ImportRun>> findRun(std::int64_t id) = 0;
  virtual Result<std::vector<RunMessage>> runMessages(std::int64_t runId, bool errorsOnly) = 0;
  // The per-patron detail of a run (engine/run_patrons.h), written inside the caller's
  // transaction with closeRun, and read back in the order written.
  virtual Result<void> saveRunPatrons(std::int64_t runId,
                                      const std::vector<RunPatron>& entries) = 0;
  virtual Result<std::vector<RunPatron>> runPatrons(std::int64_t runId) = 0;
  // Deletes a job's runs beyond the newest `keep`, with their messages; returns how many.
  virtual Result<int> trimRuns(const std::string& job, int keep) = 0;
};

}  // namespace patrond
