#pragma once
// Port: the database. One interface for everything patrond keeps; the SOCI adapter
// implements it for SQLite, PostgreSQL and MySQL/MariaDB, and tests/contract runs one suite
// against all of them. A store is used by one thread at a time; open one per worker.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"
#include "engine/homerooms.h"
#include "engine/import_run.h"
#include "engine/patron.h"
#include "engine/ports/alert_store.h"
#include "engine/ports/circulation_store.h"
#include "engine/ports/outbox_store.h"
#include "engine/result.h"
#include "engine/run_patrons.h"

namespace patrond {

struct PatronFilter {
  std::string site, homeroom, patronType;
  std::optional<PatronStatus> status;
  std::string ownerJob;
  std::int64_t limit = 0;  // 0: all
};

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

// Which of a job's patrons the lifecycle reads (SPEC section 5): the candidates of its rules.
struct LifecycleFilter {
  bool everyone = false;       // all of them, whatever the rest says
  bool notSeen = false;        // active and not seen in the job's last full run
  bool inactive = false;       // inactive ones (delete_inactive, delete_with_transactions)
  std::string seniorsThrough;  // grade 12 with grad_year <= this; "" for none
};

// A job's patron as the lifecycle sees it (SPEC section 5), with its loans and fines.
struct JobPatron {
  std::int64_t id = 0;
  std::string districtId, barcode, username, patronType, accessLevel, persona, grade, gradYear,
      birthdate;
  PatronStatus status = PatronStatus::kActive;
  std::string lastSeenAt;  // effective: the job's last full run when seen in it
  std::string inactiveSince;
  std::int64_t openLoans = 0;
  std::int64_t unpaidCents = 0;
};

struct Inactivation {
  std::int64_t id = 0;
  std::string inactiveSince;
  bool clearHomeroom = false;
  bool prefixUsername = false;  // "Inactive-" + username, and the password removed
};

struct Deletion {
  std::int64_t id = 0;
  std::int64_t runId = 0;  // 0: deleted by hand (`patrons delete`), no run
  std::string rule;        // the lifecycle rule that removed it, or kHandDeletionRule
  std::string deletedAt;
};

// What a lease holder ("host:pid:start", daemon/app.h) is as seen from this process.
enum class HolderState {
  kAlive,     // a running process on this host (the same process, not a reused pid)
  kDead,      // was on this host and is gone: its leases are free at once
  kElsewhere  // another host (or not a process): trusted until its lease expires
};
using HolderCheck = std::function<HolderState(const std::string& holder)>;

class PatronStore {
 public:
  virtual ~PatronStore() = default;

  // Schema: creates or upgrades to the newest version; returns it.
  virtual Result<int> migrate() = 0;
  virtual Result<int> schemaVersion() = 0;
  static constexpr int kSchemaVersion = 6;

  // One transaction at a time; commit/rollback end it.
  virtual Result<void> begin() = 0;
  virtual Result<void> commit() = 0;
  virtual Result<void> rollback() = 0;

  virtual Result<void> syncSites(const std::vector<Site>& sites) = 0;

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

  // Patrons.
  virtual Result<std::optional<Patron>> findPatron(const std::string& districtIdOrBarcode) = 0;
  virtual Result<std::vector<Patron>> listPatrons(const PatronFilter& filter) = 0;
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

  // Lifecycle: streams the job's patrons that `filter` selects, with open loan counts and
  // unpaid fine balances.
  virtual Result<void> forEachJobPatron(const std::string& job, const LifecycleFilter& filter,
                                        const std::function<void(JobPatron&&)>& each) = 0;
  // How many of the job's patrons are in the lifecycle's scope (for max_percent).
  virtual Result<std::int64_t> countInScope(const std::string& job,
                                            const LifecycleScope& scope) = 0;
  virtual Result<void> inactivatePatrons(const std::vector<Inactivation>& list) = 0;
  // Archives each patron (row, open loans, fines, run and rule), closes its open loans as
  // lost, and deletes it.
  virtual Result<void> deletePatrons(const std::vector<Deletion>& list) = 0;
  virtual Result<void> clearBarcode(std::int64_t patronId) = 0;
  // Pins a patron's homeroom by hand (SPEC section 11): `homeroom` with no teacher of its own
  // (a made-up homeroom's teacher comes from the config or `homerooms set`); imports and
  // inactivation then leave the three homeroom columns alone. nullopt releases the pin and
  // forgets the row's content hash (releasedContentHash), so the next import writes the SIS
  // values again. Inside the caller's transaction, if any.
  virtual Result<void> setHomeroomPin(std::int64_t patronId,
                                      const std::optional<std::string>& homeroom,
                                      const std::string& at) = 0;
  virtual Result<std::int64_t> countPatrons(const PatronFilter& filter) = 0;
  // At least the number of stored patrons, found without counting them (the span of their
  // ids): for sizing an import's memory before its key scan. Far above the count when ids
  // are sparse; the count itself where no cheaper bound is known.
  virtual Result<std::int64_t> patronCountBound() { return countPatrons({}); }

  // Source files already imported for a trigger (by content fingerprint), so a watched file
  // is never imported twice for the same arrival.
  virtual Result<bool> sourceFileSeen(const std::string& job, const std::string& fingerprint) = 0;
  virtual Result<void> recordSourceFile(const std::string& job, const std::string& fingerprint,
                                        std::int64_t runId, const std::string& seenAt) = 0;

  // Leases (SPEC section 10): true when `holder` now holds `name` until `untilIso`: the lease
  // was free, already ours, held by a holder `holderState` says is dead (taken over at once),
  // or expired and its holder not seen alive (a live holder on this host keeps its lease
  // while it runs, however long; one elsewhere keeps it by renewing). Without a check every
  // other holder counts as elsewhere. Lease times are UTC ISO 8601 ("...Z") so DST never
  // stretches or shortens one.
  virtual Result<bool> acquireLease(const std::string& name, const std::string& holder,
                                    const std::string& nowIso, const std::string& untilIso,
                                    const HolderCheck& holderState = {}) = 0;
  // Moves a lease `holder` holds to `untilIso` (and to `newHolder` when not empty); false
  // when it is no longer held by `holder`.
  virtual Result<bool> renewLease(const std::string& name, const std::string& holder,
                                  const std::string& untilIso,
                                  const std::string& newHolder = "") = 0;
  virtual Result<void> releaseLease(const std::string& name, const std::string& holder) = 0;

  // Homerooms (SPEC section 8): what imports say (active patrons only), and what
  // `homerooms set` stored. Saving merges with the keys set before.
  virtual Result<std::vector<HomeroomStudentGroup>> homeroomGroups() = 0;
  virtual Result<std::vector<TeacherPatron>> teacherPatrons() = 0;
  virtual Result<std::vector<HomeroomOverride>> homeroomOverrides() = 0;
  virtual Result<void> saveHomeroomOverride(const HomeroomOverride& o, const std::string& at) = 0;

  // Circulation (SPEC sections 6 and 7) on the same connection and transaction.
  virtual CirculationStore& circulation() = 0;
  // The e-mail outbox and the notice queries (SPEC section 8), same connection.
  virtual OutboxStore& outbox() = 0;
  // The administrators' alert incidents (SPEC section 11), same connection.
  virtual AlertStore& alerts() = 0;
};

}  // namespace patrond
