#pragma once
// Gathers an import run's per-patron detail (engine/run_patrons.h) as the run goes: the
// run's thread notes added rows and the lines of the rows about to be updated; the writer
// thread, just before it writes a batch, reads those rows' stored values and records what
// changes. Only the first kRunPatronCap patrons get detail; nothing is read beyond it.

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/ports/import_target.h"
#include "engine/run_patrons.h"

namespace patrond {

class RunPatronRecorder {
 public:
  RunPatronRecorder(bool enabled, PatronField keyField, std::size_t cap = kRunPatronCap);

  bool enabled() const { return enabled_; }
  // Run's thread: a new row, or a stored patron (`id`) whose row at `line` will be written.
  void added(std::string key, std::int64_t line);
  void willWrite(std::int64_t id, std::int64_t line);
  // Lifecycle: an inactivation or a deletion by `rule`.
  void lifecycle(PatronAction action, std::string key, std::string rule);

  // Writer thread, before `patrons` are written over `fields`: what changes for the noted
  // ones. `action`: kUpdated or kReactivated.
  Result<void> beforeWrite(ImportTarget& store, const std::vector<Patron>& patrons,
                           const std::vector<PatronField>& fields, PatronAction action);

  std::vector<RunPatron> take() { return log_.take(); }

 private:
  // One more entry within the cap: true when it may be recorded.
  bool reserve();

  const bool enabled_;
  const PatronField keyField_;
  const std::size_t cap_;
  RunPatronLog log_;
  std::mutex mutex_;
  std::unordered_map<std::int64_t, std::int64_t> lines_;  // noted id -> line, under mutex_
  std::size_t promised_ = 0;                              // entries noted, under mutex_
};

}  // namespace patrond
