#pragma once
// One import run (SPEC section 5): full or incremental, in one transaction, with the
// lifecycle after a full run behind its guards. Pure orchestration over the ports; the
// caller holds the job's lease. One thread.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/import_run.h"
#include "engine/ports/byte_source.h"
#include "engine/ports/patron_store.h"
#include "engine/run_patrons.h"

namespace patrond {

// Port: password hashing for mapped passwords (SPEC 4: stored only as a salted hash).
class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // A salted, slow hash to store, naming its algorithm and parameters. Called from several
  // threads at once (an import hashes on every core); may throw std::exception on failure.
  virtual std::string hash(const std::string& password) = 0;
  // A keyed fingerprint of (key, password) for change detection; it must not allow guessing
  // the password from the database alone.
  virtual std::string fingerprint(const std::string& key, const std::string& password) = 0;
};

// A row the source marks as removed (a OneRoster delta's tobedeleted user), in the columns of
// the source's header.
struct RemovedRow {
  std::int64_t line = 0;
  std::vector<std::string> fields;
};

struct ImportRequest {
  const Config* config = nullptr;
  const ImportJob* job = nullptr;
  UpdateType type = UpdateType::kFull;
  bool dryRun = false;
  std::string file;               // shown in the summary
  std::optional<int> maxPercent;  // --max-percent
  std::string trigger = "cli";
  CivilTime now;                 // the run's time, district local
  std::size_t batchSize = 5000;  // rows per bulk statement batch
  // Rows to write go to the writer short of a batch once this many rows have been read since
  // the last batch and they are at least a twentieth of one: the sparse changes of a nightly
  // file are written while the rest is read, not all at its end (0: only full batches).
  std::size_t flushEveryRows = 65536;
  std::size_t maxMessages = 10000;  // kept per run; the rest are counted (TOO_MANY_MESSAGES)
  std::size_t maxPatronDetail = kRunPatronCap;  // per-patron entries kept (summary: all)
  unsigned hashThreads = 0;                     // threads hashing passwords; 0: one per core
  // Rows the source marks as removed, read once the source is at its end (the source may fill
  // the list as it is read). An incremental run inactivates their patrons, behind the
  // lifecycle's guards (SPEC section 9: a OneRoster delta's tobedeleted users).
  std::shared_ptr<const std::vector<RemovedRow>> removed;
  // Fields that keep their stored value when a row's value is empty (a OneRoster delta sends a
  // user's homeroom enrollment only when it changed).
  std::vector<PatronField> keepWhenEmpty;
  // A source with a header and no rows completes instead of failing EMPTY_FILE (a delta with
  // nothing new, or only removals).
  bool allowEmpty = false;
  std::vector<RunMessage> notes;  // what the source said of itself, shown in the summary
};

struct ImportOutcome {
  ImportRun run;                     // id 0 for a dry run (nothing is recorded)
  std::vector<RunMessage> messages;  // every message, whatever `options.summary` keeps
};

// Reads `source` (already decoded to UTF-8) and applies it. On a job-level fault the run is
// `failed` and nothing is applied. `hasher` may be null when the mapping has no password.
ImportOutcome runImport(PatronStore& store, ByteSource& source, const ImportRequest& request,
                        PasswordHasher* hasher);

// Records a run that failed before reading (file missing, unreadable, source down): status
// failed, nothing applied, the error as its message. Not recorded for a dry run.
ImportOutcome failedImport(RunLog& store, const ImportRequest& request, const Error& error);

// The warning a failed run adds when its failure could not be written to the run log either.
inline constexpr const char* kRunNotRecorded = "RUN_NOT_RECORDED";

// The lifecycle's decision for one job patron, exposed for tests: "" when untouched, else
// the rule ("inactivate", "delete_graduated_seniors", "delete_inactive",
// "delete_with_transactions"). `inFile`: the patron is in the file the run just read; rules 2
// and 4 never delete such a patron (SPEC section 5).
std::string lifecycleRule(const LifecycleConfig& l, const ImportOptions& o, const JobPatron& p,
                          const CivilTime& now, int statisticalYearStartMonth, bool inFile = false);
bool inLifecycleScope(const LifecycleScope& scope, const JobPatron& p);

}  // namespace patrond
