#pragma once
// One import run (engine-internal; the API is runImport() in engine/patron_import.h). The
// runner's rooms, one a file:
//   patron_import.cpp      the run: transaction, reading the file, the summary, failures
//   import_rows.cpp        matching rows to stored patrons: the key index, unchanged rows,
//                          duplicates, the rows to insert, update or reactivate
//   import_barcodes.cpp    barcode conflicts between rows and stored patrons
//   import_lifecycle.cpp   presence, the lifecycle and its guards, a delta's removals
//   import_writer.cpp      the writer thread (import_batch.cpp: what it writes)
// The run's thread owns the runner; the writer thread touches only the batches it is handed,
// the store (while the run's thread waits for it) and the per-patron detail.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/csv_read_ahead.h"
#include "engine/csv_reader.h"
#include "engine/import_batch.h"
#include "engine/import_writer.h"
#include "engine/key_index.h"
#include "engine/patron_import.h"
#include "engine/row_mapper.h"
#include "engine/run_patron_recorder.h"
#include "engine/scoped_transaction.h"
#include "engine/teacher_check.h"

namespace patrond::importing {

inline constexpr std::uint32_t kMissing = KeyIndex::kMissing;
// Index values with this bit refer to a new row of this file, not a stored patron.
inline constexpr std::uint32_t kNewRow = 0x80000000u;

// A 64-bit hash as the bytes of a KeyIndex key (the barcode index holds barcodes' hashes).
inline std::string hashKey(std::uint64_t h) {
  return std::string(reinterpret_cast<const char*>(&h), sizeof h);
}

// Where the barcode index looks a barcode up (the hash KeyIndex gives its key), for prefetching
// the slot before the lookup.
inline std::uint64_t barcodeSlotHash(std::string_view barcode) {
  return hashBytes(hashKey(hashBytes(barcode)));
}

// What the run knows of a stored patron: 32 bytes, because a district has up to a million.
struct Existing {
  std::int64_t id = 0;
  std::uint64_t hash = 0;
  std::uint64_t barcodeHash = 0;  // 0: no barcode
  std::uint32_t seenLine = 0;     // line in this file, 0 when not (yet) seen
  PatronStatus status = PatronStatus::kActive;
  bool ownedByJob = false;
  bool seenFlag = false;
  bool homeroomPinned = false;
};

// A lookup of a row's raw key already made, reused when the mapped key is the same.
struct KeyLookup {
  std::string_view key;
  std::uint64_t hash = 0;
  std::uint32_t value = KeyIndex::kMissing;
  bool done = false;
};

class ImportRunner {
 public:
  ImportRunner(PatronStore& store, ByteSource& source, const ImportRequest& req,
               PasswordHasher* hasher);
  ImportRunner(const ImportRunner&) = delete;
  ImportRunner& operator=(const ImportRunner&) = delete;

  ImportOutcome run();

 private:
  // The run (patron_import.cpp).
  // Rolls back `tx` (when the run got that far) after the writer drops what is queued.
  ImportOutcome failed(const Error& e, ScopedTransaction* tx);
  void finish();
  void capMessages();
  std::vector<RunMessage> kept() const;
  Result<void> applyGuarded();
  Result<void> apply();
  Result<void> readHeader(CsvReader& reader, CsvRow& row);
  Result<void> afterRows();
  // The store, once the writer has written what it was handed: the run's thread's only way
  // to it.
  PatronStore& store() { return writer_.store(); }
  // The run's transaction, through store(): each begin, commit or rollback (the
  // ScopedTransaction's destructor's too) first waits for the writer, so the writer's thread
  // never shares the connection with one.
  class JoinedWork final : public UnitOfWork {
   public:
    explicit JoinedWork(ImportRunner& runner) : runner_(runner) {}
    Result<void> begin() override { return runner_.store().begin(); }
    Result<void> commit() override { return runner_.store().commit(); }
    // What is still queued would only be rolled back: dropped first, not written.
    Result<void> rollback() override {
      runner_.writer_.discard();
      return runner_.store().rollback();
    }

   private:
    ImportRunner& runner_;
  };

  // Matching rows (import_rows.cpp).
  Result<void> loadIndex();
  Result<void> applyRows(CsvReadAhead& ahead, CsvRow& row);
  // Sizes the key and barcode indexes for the rows the file has, as its size and its first
  // rows tell, so that they do not regrow (a regrowth holds the old and new slots at once).
  void sizeIndexes(const CsvReadAhead& ahead, std::uint64_t fileBytes);
  std::vector<Patron>& withBatchRoom(std::vector<Patron>& list) const;
  Result<bool> unchanged(const CsvRow& row, const RowDigest& digest, KeyLookup& looked,
                         std::optional<std::uint64_t>& hash);
  Result<void> applyRow(MappedRow& row, std::uint64_t hash, const KeyLookup& looked);
  Result<void> applyStored(MappedRow& row, std::uint32_t v, std::uint64_t hash,
                           std::string&& clearPassword);
  Result<void> applyNew(MappedRow& row, std::uint64_t keyHash, std::uint64_t hash,
                        std::string&& clearPassword);
  void duplicate(const MappedRow& row, const std::string& key, std::int64_t firstLine);
  void markSeenDespiteError(const CsvRow& row);
  Result<std::uint64_t> rowHash(const CsvRow& row, std::string_view key, std::uint64_t h);
  std::uint64_t passwordPrint(const std::string& key, const std::string& password);
  void fillPatron(Patron& p, MappedRow& row, std::uint64_t hash, std::uint64_t print);
  void queuePassword(PendingList which, const std::vector<Patron>& list, std::string&& clear);
  Result<void> flush();
  Result<void> flushIfDue();

  // Barcode conflicts (import_barcodes.cpp).
  KeyIndex& barcodes();
  void conflictMessage(const MappedRow& row, const std::string& barcode, const std::string& holder);
  std::string holderName(const Existing& holder);
  Result<bool> claimBarcode(const MappedRow& row, std::uint32_t self);
  void keepBarcode(const MappedRow& row, std::uint32_t v);

  // Presence and the lifecycle (import_lifecycle.cpp).
  Result<void> applyPresence();
  bool mayHaveCandidates(const LifecycleFilter& filter) const;
  bool fileGuardsHold(const LifecycleConfig& l);
  Result<bool> percentGuardHolds(const LifecycleConfig& l, std::size_t inactivating,
                                 std::size_t deleting);
  Result<bool> writeBehindPercentGuard(const LifecycleConfig& l,
                                       const std::vector<Inactivation>& inactivate,
                                       const std::vector<Deletion>& remove);
  Result<void> lifecycle();
  std::string removedKey(const RemovedRow& r);
  std::unordered_map<std::string, std::int64_t> removedKeys();
  Result<void> inactivateRemoved();
  const std::string& keyOf(const JobPatron& p) const;

  ByteSource& source_;
  const ImportRequest& req_;
  const ImportJob& job_;
  PasswordHasher* hasher_;
  RowMapper mapper_;
  PatronField keyField_;
  std::string now_;
  std::optional<TeacherCheck> teachers_;  // TEACHER_DIFFERS
  bool full_;
  RunPatronRecorder detail_;  // summary: all
  std::string previousFullRun_;
  ImportOutcome out_;
  std::vector<Existing> existing_;
  bool inStoredOrder_ = false;       // byKey_'s staging order is existing_'s (findStaged)
  std::size_t nextStored_ = 0;       // the stored patron the next row is likely to be
  bool followsStoredOrder_ = false;  // the last row was
  KeyIndex byKey_, byBarcode_;       // stored patron index, or kNewRow | new row number
  bool barcodesBuilt_ = false;
  std::int64_t readAtFlush_ = 0;  // rows read when rows last went to the writer
  std::size_t expectedRows_ = 0;  // the file's rows, as sizeIndexes estimated them; 0: unknown
  bool indexesSized_ = false;     // sizeIndexes has decided
  std::vector<std::int64_t> newLines_;         // line of each new row
  std::vector<std::uint64_t> passwordPrints_;  // existing_'s, when passwords are mapped
  Batch collected_;                            // rows for the next batch
  std::int64_t droppedErrors_ = 0, droppedWarnings_ = 0, droppedInfo_ = 0;
  // Last: destroyed first, so its thread is joined before anything it uses goes.
  ImportWriter writer_;
};

}  // namespace patrond::importing
