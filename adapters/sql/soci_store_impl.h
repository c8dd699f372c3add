#pragma once
// SociStore: the PatronStore port over one SOCI session (sqlite3, postgresql, mysql).
// Adapter-internal. The class is declared here and defined by room: store_schema.cpp
// (schema, locks, transactions, sites), store_homerooms.cpp, store_runs.cpp (runs, jobs,
// source files), store_patrons.cpp (reads), store_key_scan.cpp (the import's key scan),
// store_writers.cpp, store_sqlite_writers.cpp, store_pg_writers.cpp and
// store_mysql_writers.cpp (bulk insert and update), store_lifecycle.cpp (inactivation, deletion and
// its archive), store_leases.cpp, and soci_store.cpp (opening a connection). One thread at a time
// uses a store.

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/sql/dialect.h"
#include "adapters/sql/pg_copy.h"
#include "adapters/sql/row_batch.h"
#include "adapters/sql/soci_common.h"
#include "adapters/sql/sqlite_bulk.h"
#include "engine/ports/patron_store.h"

namespace patrond::sql {

// SQLite's page cache, negative: in KiB. Bulk imports touch several indexes of a large table:
// 48 MB keeps them in memory instead of spilling to the WAL mid-transaction; 64 MB was no
// faster at a million patrons and took the import over 200 MB (docs/performance.md).
constexpr int kSqliteCacheKib = -49152;

// The patrons column of a field (the password is stored hashed).
std::string columnName(PatronField f);

// Columns that are unique keys store "" as NULL so several patrons may lack them.
bool nullWhenEmpty(PatronField f);

// "adding patron S40 (line 41)": `what` and the patron's district ID, with the line of the
// import file it came from when it came from one. How a refused row is named on every backend.
std::string patronNamed(const std::string& what, const Patron& p);

// SQL for the username column `col` without the "Inactive-" prefix (engine/patron_archive.h's
// activeUsername, in the statement that reactivates: the stored username is not read first).
std::string withoutInactivePrefix(const std::string& col);

// The bookkeeping columns written with every patron after its field columns.
inline constexpr const char* kMetaColumns[] = {
    "status",       "inactive_since",    "owner_job", "content_hash",
    "last_seen_at", "seen_in_last_full", "updated_at"};

// The columns a homeroom pinned by hand keeps through every update (SPEC section 11).
inline bool keptWhenPinned(PatronField f) {
  return f == PatronField::kHomeroom || f == PatronField::kHomeroomTeacherEmail ||
         f == PatronField::kHomeroomTeacherName;
}

class SociStore final : public PatronStore {
 public:
  SociStore(DbBackend backend, std::unique_ptr<soci::session> sql);

  CirculationStore& circulation() override { return *circulation_; }
  OutboxStore& outbox() override { return *outbox_; }
  AlertStore& alerts() override { return *alerts_; }

  // store_homerooms.cpp
  Result<std::vector<HomeroomStudentGroup>> homeroomGroups() override;
  Result<std::vector<TeacherPatron>> teacherPatrons() override;
  Result<std::vector<HomeroomOverride>> homeroomOverrides() override;
  Result<void> saveHomeroomOverride(const HomeroomOverride& o, const std::string& at) override;

  // store_schema.cpp
  Result<int> schemaVersion() override;
  Result<int> migrate() override;
  Result<void> begin() override;
  Result<void> commit() override;
  Result<void> rollback() override;
  Result<void> syncSites(const std::vector<Site>& sites) override;

  // store_runs.cpp
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

  // store_patrons.cpp
  Result<std::optional<Patron>> findPatron(const std::string& key) override;
  Result<void> forEachPatron(const PatronFilter& f,
                             const std::function<void(const Patron&)>& each) override;
  Result<std::int64_t> countPatrons(const PatronFilter& f) override;
  Result<std::int64_t> patronCountBound() override;
  Result<void> readFields(
      const std::vector<std::int64_t>& ids, const std::vector<PatronField>& fields,
      const std::function<void(std::int64_t, std::vector<std::string>&&)>& each) override;
  Result<void> markSeen(const std::vector<std::int64_t>& ids, bool seen,
                        const std::string& lastSeenAt) override;
  Result<void> clearBarcode(std::int64_t patronId) override;
  Result<void> setHomeroomPin(std::int64_t patronId, const std::optional<std::string>& homeroom,
                              const std::string& at) override;

  // store_key_scan.cpp
  Result<void> forEachPatronKey(PatronField matchOn, const std::string& job,
                                const std::function<void(const StoredPatronKey&)>& each) override;

  // store_writers.cpp (the column choice; MySQL updates), store_sqlite_writers.cpp,
  // store_pg_writers.cpp, store_mysql_writers.cpp (MySQL inserts)
  Result<void> insertPatrons(std::vector<Patron>& patrons) override;
  Result<void> updatePatrons(const std::vector<Patron>& patrons,
                             const std::vector<PatronField>& columns, bool reactivate) override;

  // store_lifecycle.cpp
  Result<std::int64_t> countInScope(const std::string& job, const LifecycleScope& scope) override;
  Result<void> forEachJobPatron(const std::string& job, const LifecycleFilter& filter,
                                const std::function<void(JobPatron&&)>& each) override;
  Result<void> inactivatePatrons(const std::vector<Inactivation>& list) override;
  Result<void> deletePatrons(const std::vector<Deletion>& list) override;

  // store_leases.cpp
  Result<bool> acquireLease(const std::string& name, const std::string& holder,
                            const std::string& nowIso, const std::string& untilIso,
                            const HolderCheck& holderState) override;
  Result<bool> renewLease(const std::string& name, const std::string& holder,
                          const std::string& untilIso, const std::string& newHolder) override;
  Result<void> releaseLease(const std::string& name, const std::string& holder) override;

 private:
  template <typename F>
  auto guard(const char* what, F&& f) -> decltype(f()) {
    return guarded(backend_, what, std::forward<F>(f));
  }
  sqlite_api::sqlite3* sqlite() { return sqliteHandle(*sql_); }

  static HomeroomOverride overrideFromRow(const soci::row& r);

  static std::string nowIso();
  bool tableExists(const std::string& table);
  std::vector<Site> storedSites();

  static ImportRun runFromRow(const soci::row& r);

  std::string selectPatrons() const;
  Patron patronFromRow(const soci::row& r) const;
  void fillPatron(const soci::row& r, Patron& p) const;
  static void fillPatron(const std::vector<std::string_view>& fields, Patron& p);
  template <typename Text, typename Integer>
  static void fillPatronFrom(const Text& text, const Integer& integer, Patron& p);
  std::string whereClause(const PatronFilter& f) const;
  static std::vector<std::string> filterValues(const PatronFilter& f);
  static void bindFilter(soci::statement& st, const std::vector<std::string>& values);

  static bool leaseIsFree(const std::string& holder, const std::string& expires,
                          const std::string& nowUtc, const HolderCheck& holderState);
  std::optional<std::pair<std::string, std::string>> leaseRow(const std::string& name);
  bool renewHeld(const std::string& name, const std::string& holder, const std::string& untilIso,
                 const std::string& newHolder);

  Result<void> sqliteInsert(std::vector<Patron>& patrons, const std::vector<PatronField>& fields,
                            const std::string& cols, size_t perRow);
  Result<void> sqliteUpdate(const std::vector<Patron>& patrons,
                            const std::vector<PatronField>& cols, bool stripPrefix);
  static void bindMeta(SqliteStatement& st, int& i, const Patron& p);
  // store_key_scan.cpp
  template <typename Deliver>
  Result<void> nativeKeyScan(PatronField matchOn, const std::string& job, Deliver& deliver);
  // store_pg_writers.cpp
  Result<void> pgStaged(const std::string& what, const std::vector<Patron>& patrons,
                        const std::string& columns,
                        const std::function<void(CopyRows&, const Patron&)>& row,
                        const std::string& apply);
  bool pgFreezeInto(PGconn* conn);
  Result<void> pgCopyInsert(const std::vector<Patron>& patrons,
                            const std::vector<PatronField>& fields, const std::string& cols);
  Result<void> pgUpdate(const std::vector<Patron>& patrons, const std::vector<PatronField>& cols,
                        const std::vector<std::string>& names, const std::string& set);
  static void copyMeta(CopyRows& rows, const Patron& p);
  // store_mysql_writers.cpp
  Result<void> mysqlLoadInsert(const std::vector<Patron>& patrons,
                               const std::vector<PatronField>& fields, const std::string& cols);
  static void useMeta(RowBatch& batch, const Patron& p);
  template <typename Sql, typename Bind>
  Result<void> multiRow(const std::vector<Patron>& patrons, Sql sqlFor, Bind bind, size_t perRow);

  DbBackend backend_;
  Dialect dialect_;
  std::unique_ptr<soci::session> sql_;
  sqlite_api::sqlite3_int64 changesAtBegin_ = -1;  // SQLite: rows changed at BEGIN
  bool loadDataRefused_ = false;                   // MySQL: the server allows no LOAD DATA LOCAL
  // PostgreSQL: whether this transaction emptied patrons itself (pgFreezeInto), so that its
  // COPYs may write their rows frozen; decided at the transaction's first COPY into patrons.
  enum class PgFreeze { kUndecided, kYes, kNo } pgFreeze_ = PgFreeze::kUndecided;
  // PostgreSQL: the definitions of patrons' two text unique indexes, dropped by pgFreezeInto
  // for the first import's COPYs and built again, from these, at the transaction's commit.
  std::vector<std::string> pgDeferredIndexes_;
  // PostgreSQL, the same first import: its COPYs number the rows themselves from pgNextId_
  // on (one nextval of pgIdSequence_ reserved the first), where the column default would
  // cost the server a nextval() a row; the sequence is moved past them at commit.
  std::string pgIdSequence_;
  std::int64_t pgNextId_ = 0;
  Result<void> pgBuildDeferredIndexes();
  std::unique_ptr<CirculationStore> circulation_;
  std::unique_ptr<OutboxStore> outbox_;
  std::unique_ptr<AlertStore> alerts_;
  // The multi-row INSERT for the columns in `insertColumns_`, kept from one batch to the next:
  // preparing a statement of thousands of parameters takes about a millisecond, and a
  // million-row import writes 200 batches. Declared after sql_: finalized before it closes.
  std::string insertColumns_;
  std::unique_ptr<SqliteStatement> insertMany_;
};

}  // namespace patrond::sql
