#pragma once
// The in-memory store's tables and connections. Adapter-internal. The class is declared here
// and defined by room: memory_store.cpp (the database, connections, transactions, schema,
// sites, leases, homerooms), memory_runs.cpp (runs, jobs, source files), memory_patrons.cpp
// (reads and writes of patrons), memory_lifecycle.cpp (the lifecycle's reads, inactivation,
// deletion and its archive), memory_circulation.cpp, memory_outbox.cpp, memory_alerts.cpp.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/memory/memory_store.h"
#include "engine/ports/patron_store.h"

namespace patrond::memory {

struct StoredRun {
  ImportRun run;
  std::string leaseName;  // "import:" + job, as the SQL adapter's import_runs.lease_name
  std::vector<RunMessage> messages;
  std::vector<RunPatron> patrons;
};

struct Lease {
  std::string holder, expiresAt;
};

struct StoredHomeroom {
  HomeroomOverride settings;
  std::string updatedAt;
};

struct SourceFile {
  std::string job, fingerprint, seenAt;
  std::int64_t runId = 0;
};

// A copy as stored: the read-only fields of Copy (title, replacementCents) are left empty
// and read from its title.
using StoredCopy = Copy;

// A loan as stored: the read-only fields of Loan (the copy's) are filled in when read.
using StoredLoan = Loan;

struct Payment {
  std::int64_t id = 0, patronId = 0, amountCents = 0;
  std::string paidAt;
};

struct StoredMessage {
  OutboxMessage message;
  std::string claimedBy, claimedUntil;
};

// Every table, keyed by id (ids ascend from 1 per table and are never reused, as with SQL's
// AUTOINCREMENT and sequences). Copied whole at begin(): a snapshot, fine at test scale.
struct State {
  int schemaVersion = 0;
  std::vector<Site> sites;  // by code
  std::map<std::int64_t, Patron> patrons;
  std::map<std::int64_t, StoredRun> runs;
  std::map<std::string, std::string> jobLastFullRun;
  std::vector<SourceFile> sourceFiles;
  std::map<std::string, Lease> leases;
  std::map<std::pair<std::string, std::string>, StoredHomeroom> homerooms;  // by site, name
  std::vector<DeletedPatron> deleted;
  std::map<std::int64_t, Title> titles;
  std::map<std::int64_t, StoredCopy> copies;
  std::map<std::int64_t, StoredLoan> loans;
  std::map<std::int64_t, Fine> fines;
  std::vector<Payment> payments;
  std::map<std::int64_t, FineWaiver> waivers;
  std::map<std::int64_t, StoredMessage> outbox;
  std::map<std::int64_t, AlertIncident> incidents;
  // How many patrons each insertPatrons and updatePatrons call was given, in order (a refused
  // call too), for tests of how the engine batches its writes.
  std::vector<std::size_t> patronWrites;
  struct {
    std::int64_t patron = 0, run = 0, deleted = 0, title = 0, copy = 0, loan = 0, fine = 0,
                 payment = 0, waiver = 0, message = 0, incident = 0;
  } lastId;
};

// The database: its tables and who holds it. A connection holds it for one call, or from
// begin() to commit()/rollback() (possibly released on another thread than the one that
// took it, as an import's writer thread may: hence a flag, not a held mutex).
struct Database {
  std::mutex mutex;
  std::condition_variable released;
  const void* holder = nullptr;
  int depth = 0;
  State state;
};

// Holds `db` for connection `who` while it lives (re-entrant for the same connection).
class Hold {
 public:
  Hold(Database& db, const void* who);
  Hold(const Hold&) = delete;
  Hold& operator=(const Hold&) = delete;
  ~Hold();

 private:
  Database& db_;
};

// The effective last seen time: the job's last full run while the patron was in it (the SQL
// adapter's CASE WHEN p.seen_in_last_full = 1 AND j.last_full_run_at IS NOT NULL ...).
std::string effectiveLastSeen(const State& s, const Patron& p);

// A stored patron as the port reads it: effective last seen time, updated_at defaulting to
// created_at (COALESCE(p.updated_at, p.created_at)).
Patron readPatron(const State& s, const Patron& stored);

// District id first, then barcode (a barcode equal to another's district id must not win).
const Patron* findStoredPatron(const State& s, const std::string& key);

class MemoryStore final : public PatronStore {
 public:
  explicit MemoryStore(std::shared_ptr<Database> db);
  ~MemoryStore() override;

  CirculationStore& circulation() override { return *circulation_; }
  OutboxStore& outbox() override { return *outbox_; }
  AlertStore& alerts() override { return *alerts_; }

  // Runs f(state) holding the database: f's Result, or an Error naming `what` when f throws.
  template <typename F>
  auto with(const char* what, F&& f) -> decltype(f(std::declval<State&>())) {
    Hold hold(*db_, this);
    try {
      return f(db_->state);
    } catch (const std::exception& e) {
      return Error{"DB", std::string(what) + ": " + e.what(), "memory"};
    }
  }
  // f in one transaction: committed when it succeeds, else rolled back.
  template <typename T, typename F>
  Result<T> inTransaction(const char* what, F&& f) {
    if (auto b = begin(); !b) {
      return b.error();
    }
    Result<T> r = with(what, std::forward<F>(f));
    if (!r) {
      (void)rollback();
      return r;
    }
    if (auto c = commit(); !c) {
      return c.error();
    }
    return r;
  }

  // memory_store.cpp
  Result<int> migrate() override;
  Result<int> schemaVersion() override;
  Result<void> begin() override;
  Result<void> commit() override;
  Result<void> rollback() override;
  Result<void> syncSites(const std::vector<Site>& sites) override;
  Result<bool> acquireLease(const std::string& name, const std::string& holder,
                            const std::string& nowIso, const std::string& untilIso,
                            const HolderCheck& holderState) override;
  Result<bool> renewLease(const std::string& name, const std::string& holder,
                          const std::string& untilIso, const std::string& newHolder) override;
  Result<void> releaseLease(const std::string& name, const std::string& holder) override;
  Result<std::vector<HomeroomStudentGroup>> homeroomGroups() override;
  Result<std::vector<TeacherPatron>> teacherPatrons() override;
  Result<std::vector<HomeroomOverride>> homeroomOverrides() override;
  Result<void> saveHomeroomOverride(const HomeroomOverride& o, const std::string& at) override;

  // memory_runs.cpp
  Result<std::int64_t> openRun(const ImportRun& run) override;
  Result<void> closeRun(const ImportRun& run, const std::vector<RunMessage>& messages) override;
  Result<int> markInterruptedRuns(const std::string& finishedAt, const std::string& nowUtc,
                                  const HolderCheck& holderState) override;
  Result<std::vector<ImportRun>> listRuns(const std::string& job, int limit) override;
  Result<std::optional<ImportRun>> findRun(std::int64_t id) override;
  Result<std::vector<RunMessage>> runMessages(std::int64_t runId, bool errorsOnly) override;
  Result<void> saveRunPatrons(std::int64_t runId, const std::vector<RunPatron>& entries) override;
  Result<std::vector<RunPatron>> runPatrons(std::int64_t runId) override;
  Result<int> trimRuns(const std::string& job, int keep) override;
  Result<std::string> jobLastFullRun(const std::string& job) override;
  Result<void> setJobLastFullRun(const std::string& job, const std::string& at) override;
  Result<bool> sourceFileSeen(const std::string& job, const std::string& fingerprint) override;
  Result<void> recordSourceFile(const std::string& job, const std::string& fingerprint,
                                std::int64_t runId, const std::string& seenAt) override;

  // memory_patrons.cpp
  Result<std::optional<Patron>> findPatron(const std::string& key) override;
  Result<void> forEachPatron(const PatronFilter& filter,
                             const std::function<void(const Patron&)>& each) override;
  Result<std::int64_t> countPatrons(const PatronFilter& filter) override;
  Result<std::int64_t> patronCountBound() override;
  Result<void> forEachPatronKey(PatronField matchOn, const std::string& job,
                                const std::function<void(const StoredPatronKey&)>& each) override;
  Result<void> readFields(
      const std::vector<std::int64_t>& ids, const std::vector<PatronField>& fields,
      const std::function<void(std::int64_t, std::vector<std::string>&&)>& each) override;
  Result<void> insertPatrons(std::vector<Patron>& patrons) override;
  Result<void> updatePatrons(const std::vector<Patron>& patrons,
                             const std::vector<PatronField>& columns, bool reactivate) override;
  Result<void> markSeen(const std::vector<std::int64_t>& ids, bool seen,
                        const std::string& lastSeenAt) override;
  Result<void> clearBarcode(std::int64_t patronId) override;
  Result<void> setHomeroomPin(std::int64_t patronId, const std::optional<std::string>& homeroom,
                              const std::string& at) override;

  // memory_lifecycle.cpp
  Result<void> forEachJobPatron(const std::string& job, const LifecycleFilter& filter,
                                const std::function<void(JobPatron&&)>& each) override;
  Result<std::int64_t> countInScope(const std::string& job, const LifecycleScope& scope) override;
  Result<void> inactivatePatrons(const std::vector<Inactivation>& list) override;
  Result<void> deletePatrons(const std::vector<Deletion>& list) override;

 private:
  std::shared_ptr<Database> db_;
  // The open transaction: the database held, and the tables as they were at begin().
  std::unique_ptr<Hold> transaction_;
  std::optional<State> snapshot_;
  std::unique_ptr<CirculationStore> circulation_;
  std::unique_ptr<OutboxStore> outbox_;
  std::unique_ptr<AlertStore> alerts_;
};

// memory_circulation.cpp, memory_outbox.cpp, memory_alerts.cpp
std::unique_ptr<CirculationStore> makeCirculationStore(MemoryStore& store);
std::unique_ptr<OutboxStore> makeOutboxStore(MemoryStore& store);
std::unique_ptr<AlertStore> makeAlertStore(MemoryStore& store);

}  // namespace patrond::memory
