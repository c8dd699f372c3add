// Matching the file's rows to stored patrons (engine/import_runner.h): the key index, rows
// recognised as unchanged from their hashes, duplicates, and the rows to write.
#include <algorithm>
#include <optional>

#include "engine/import_runner.h"
#include "engine/text.h"

namespace patrond::importing {
namespace {

// How many rows ahead a key's index slot is prefetched.
constexpr std::size_t kLookAhead = 4;

// A bound on the stored patrons above this is counted instead (loadIndex): ~70 bytes of
// address space are reserved per patron, and a system without overcommit must grant them.
constexpr std::int64_t kCountBoundLimit = 4'000'000;

// The password print stored after the row's content hash ("ROWHASH:PRINT"), 0 for none.
std::uint64_t storedPasswordPrint(std::string_view contentHash) {
  std::size_t colon = contentHash.find(':');
  return colon == std::string_view::npos ? 0 : hexToHash(contentHash.substr(colon + 1));
}

}  // namespace

Result<void> ImportRunner::loadIndex() {
  auto overrides = store().homeroomOverrides();
  if (!overrides) {
    return overrides.error();
  }
  teachers_.emplace(req_.config->homerooms, *overrides);
  // Counting a million stored patrons cost 0.2-0.4 s on PostgreSQL (docs/performance.md): the
  // span of their ids bounds it from one index's two ends. Room reserved beyond what the scan
  // fills is never touched, so an overestimate costs address space, not memory; only a span
  // too wide for that (a hand-set id far above the rest) is replaced by the count.
  auto total = store().patronCountBound();
  if (total && *total > kCountBoundLimit) {
    total = store().countPatrons({});
  }
  if (!total) {
    return total.error();
  }
  auto n = static_cast<std::size_t>(std::max<std::int64_t>(*total, 0));
  existing_.reserve(n);
  byKey_.reserveStaging(n);
  if (hasher_) {
    passwordPrints_.reserve(n);
  }
  auto loaded = store().forEachPatronKey(keyField_, job_.name, [&](const StoredPatronKey& k) {
    Existing e;
    e.id = k.id;
    e.hash = hexToHash(k.contentHash);
    e.status = k.status;
    e.ownedByJob = k.ownedByJob;
    e.seenFlag = k.seenInLastFull;
    e.homeroomPinned = k.homeroomPinned;
    auto idx = static_cast<std::uint32_t>(existing_.size());
    if (!k.key.empty()) {
      byKey_.stage(k.key, idx);
    }
    e.barcodeHash = k.barcode.empty() ? 0 : hashBytes(k.barcode);
    existing_.push_back(e);
    if (hasher_) {
      passwordPrints_.push_back(storedPasswordPrint(k.contentHash));
    }
  });
  byKey_.build(KeyIndex::Staged::kKeepOrder);
  // Staging position i is existing_[i] only when every stored patron has a key.
  inStoredOrder_ = byKey_.size() == existing_.size();
  return loaded;
}

// The rows after the header, in file order.
Result<void> ImportRunner::applyRows(CsvReadAhead& ahead, CsvRow& row) {
  RowDigest digest;
  // Asked once (a file's size is a system call): a source of unknown size grows its indexes.
  const std::optional<std::uint64_t> fileBytes = source_.sizeHint();
  indexesSized_ = !fileBytes;
  for (;;) {
    auto more = ahead.next(row, digest);
    if (!more) {
      return more.error();
    }
    if (!*more) {
      return {};
    }
    ++out_.run.counts.read;
    if (!indexesSized_) {
      sizeIndexes(ahead, *fileBytes);
    }
    // A few rows on, the key's slot is fetched into the cache while this one is looked up
    // (not while the file follows the stored order: those lookups need no slot).
    // The same for its barcode's slot, once the barcode index is built: a new patron's
    // barcode is looked up there, and those lookups were a sixth of a first import's time on
    // the run's thread (docs/performance.md).
    if (const RowDigest* soon = ahead.peek(kLookAhead); soon && !followsStoredOrder_) {
      if (soon->keyHash != 0) {
        byKey_.prefetch(soon->keyHash);
      }
      if (soon->barcodeSlotHash != 0 && barcodesBuilt_) {
        byBarcode_.prefetch(soon->barcodeSlotHash);
      }
    }
    std::optional<std::uint64_t> hash;
    KeyLookup looked;
    auto same = unchanged(row, digest, looked, hash);
    if (!same) {
      return same.error();
    }
    if (*same) {
      if (auto r = flushIfDue(); !r) {
        return r;
      }
      continue;
    }
    MappedRow mapped;
    switch (mapper_.map(row, mapped, out_.messages)) {
      case RowOutcome::kMapped: {
        if (!hash) {
          auto h = rowHash(row, mapped.key(keyField_), digest.rawHash);
          if (!h) {
            return h.error();
          }
          hash = *h;
        }
        if (auto r = applyRow(mapped, *hash, looked); !r) {
          return r;
        }
        break;
      }
      case RowOutcome::kSkipped:
      case RowOutcome::kRejected:
        ++out_.run.counts.skipped;
        markSeenDespiteError(row);
        break;
    }
    capMessages();
    if (auto r = flushIfDue(); !r) {
      return r;
    }
  }
}

// A full batch goes to the writer, and a short one a while after the last
// (ImportRequest::flushEveryRows).
Result<void> ImportRunner::flushIfDue() {
  const std::size_t collected = collected_.rows();
  const bool late =
      req_.flushEveryRows != 0 &&
      static_cast<std::uint64_t>(out_.run.counts.read - readAtFlush_) >= req_.flushEveryRows;
  if (collected >= req_.batchSize ||
      (late && collected >= std::max<std::size_t>(1, req_.batchSize / 20))) {
    readAtFlush_ = out_.run.counts.read;
    return flush();
  }
  return {};
}

// A batch's room at once: growing a list moved every patron (~2 KB each) at each doubling and
// held the old and the new list together. Pages of the room not written are not resident.
std::vector<Patron>& ImportRunner::withBatchRoom(std::vector<Patron>& list) const {
  if (list.capacity() < req_.batchSize) {
    list.reserve(req_.batchSize);
  }
  return list;
}

void ImportRunner::sizeIndexes(const CsvReadAhead& ahead, std::uint64_t fileBytes) {
  // A bound on the estimate: a district has up to a million patrons; first rows far shorter
  // than the rest must not reserve for many times more (the slots are written when reserved).
  constexpr double kMostRows = 4e6;
  const auto perRow = ahead.bytesPerRow();
  if (!perRow) {
    return;  // asked again at the next row
  }
  indexesSized_ = true;
  if (*perRow < 1) {
    return;
  }
  // 2% over: the first rows are not quite every row's length.
  const double rows = std::min(kMostRows, static_cast<double>(fileBytes) / *perRow * 1.02);
  expectedRows_ = static_cast<std::size_t>(rows) + 16;
  // The file's keys are mostly the stored ones (the index has room for those and a few more):
  // it grows now only for a file with more rows than that.
  if (expectedRows_ > byKey_.room()) {
    byKey_.reserve(expectedRows_);
  }
}

// Fast path: a stored, active, unchanged patron of this job is recognised from its raw
// columns, without mapping the row (true: counted as unchanged, nothing more to do).
// `looked` and `hash` keep what was learnt on the way for a row that is not.
Result<bool> ImportRunner::unchanged(const CsvRow& row, const RowDigest& digest, KeyLookup& looked,
                                     std::optional<std::uint64_t>& hash) {
  if (!mapper_.keyReadsRaw() || row.badEncoding || row.unterminatedQuote ||
      row.fields.size() != mapper_.columnCount()) {
    return false;
  }
  std::string_view key = row.fields[mapper_.keyColumn()];
  if (key.empty() || key.size() > fieldInfo(keyField_).maxLength) {
    return false;
  }
  // Files usually list patrons in the order they were stored: the stored patron after the
  // last one found is tried first.
  std::uint32_t v = inStoredOrder_ ? byKey_.findStaged(nextStored_, key) : kMissing;
  followsStoredOrder_ = v != kMissing;
  if (v == kMissing) {
    v = byKey_.find(key, digest.keyHash);
  }
  if (v != kMissing && !(v & kNewRow)) {
    nextStored_ = v + 1;
  }
  looked = {key, digest.keyHash, v, true};
  if (v == kMissing || (v & kNewRow) || existing_[v].seenLine != 0) {
    return false;
  }
  Existing& e = existing_[v];
  auto h = rowHash(row, key, digest.rawHash);
  if (!h) {
    return h.error();
  }
  hash = *h;
  if (*hash == e.hash && e.status == PatronStatus::kActive && e.ownedByJob) {
    e.seenLine = static_cast<std::uint32_t>(row.line);
    ++out_.run.counts.unchanged;
    return true;
  }
  return false;
}

// SPEC 5: every patron in the file is seen, even when its row could not be applied this
// time; one mistyped date must not get a student inactivated. Needs a readable key.
void ImportRunner::markSeenDespiteError(const CsvRow& row) {
  if (!mapper_.keyReadsRaw() || row.badEncoding || mapper_.keyColumn() >= row.fields.size()) {
    return;
  }
  std::string_view key = row.fields[mapper_.keyColumn()];
  std::uint32_t v = key.empty() ? kMissing : byKey_.find(key);
  if (v != kMissing && !(v & kNewRow) && existing_[v].seenLine == 0) {
    existing_[v].seenLine = static_cast<std::uint32_t>(row.line);
  }
}

// The raw-row hash, with a mapped password mixed in through its keyed fingerprint.
Result<std::uint64_t> ImportRunner::rowHash(const CsvRow& row, std::string_view key,
                                            std::uint64_t h) {
  if (auto pw = mapper_.passwordColumn();
      pw && *pw < row.fields.size() && !row.fields[*pw].empty()) {
    if (!hasher_) {
      return Error{"CONFIG", "passwords are mapped but no password hasher is available", ""};
    }
    h = hashBytes(hasher_->fingerprint(std::string(key), std::string(row.fields[*pw])), h);
  }
  return h;
}

// Whether a password changed is told by its own keyed fingerprint, stored after the row's
// content hash ("ROWHASH:PRINT"): a row whose other columns changed keeps its stored
// password hash instead of paying for a new one. 0: none stored (no password, or a row
// written before the prints were kept).
std::uint64_t ImportRunner::passwordPrint(const std::string& key, const std::string& password) {
  return password.empty() ? 0 : hashBytes(hasher_->fingerprint(key, password)) | 1;
}

void ImportRunner::duplicate(const MappedRow& row, const std::string& key, std::int64_t firstLine) {
  out_.messages.push_back({Severity::kWarning, row.line, key, "DUPLICATE_KEY",
                           "key '" + key + "' is also on line " + std::to_string(firstLine) +
                               "; the first wins, this row is skipped"});
  ++out_.run.counts.skipped;
}

Result<void> ImportRunner::applyRow(MappedRow& row, std::uint64_t hash, const KeyLookup& looked) {
  if (teachers_ && teachers_->active()) {
    teachers_->row(row.values[index(PatronField::kSite)], row.values[index(PatronField::kHomeroom)],
                   row.values[index(PatronField::kHomeroomTeacherEmail)]);
  }
  const std::string key = row.key(keyField_);
  std::string& password = row.values[index(PatronField::kPassword)];
  std::string clearPassword;
  if (!password.empty()) {
    if (!hasher_) {
      return Error{"CONFIG", "passwords are mapped but no password hasher is available", ""};
    }
    clearPassword = std::move(password);
    password.clear();
  }
  const bool known = looked.done && looked.key == key;
  const std::uint64_t keyHash = known ? looked.hash : hashBytes(key);
  std::uint32_t v = known ? looked.value : byKey_.find(key, keyHash);
  if (v != kMissing && (v & kNewRow)) {
    duplicate(row, key, newLines_[v & ~kNewRow]);
    return {};
  }
  if (v != kMissing) {
    return applyStored(row, v, hash, std::move(clearPassword));
  }
  return applyNew(row, keyHash, hash, std::move(clearPassword));
}

// A row of a stored patron (existing_[v]): unchanged, updated or reactivated.
Result<void> ImportRunner::applyStored(MappedRow& row, std::uint32_t v, std::uint64_t hash,
                                       std::string&& clearPassword) {
  const std::string key = row.key(keyField_);
  Existing& e = existing_[v];
  if (e.seenLine > 0) {
    duplicate(row, key, e.seenLine);
    return {};
  }
  e.seenLine = static_cast<std::uint32_t>(row.line);
  auto claimed = claimBarcode(row, v);
  if (!claimed) {
    return claimed.error();
  }
  if (!*claimed) {
    return {};
  }
  keepBarcode(row, v);
  if (e.hash == hash && e.status == PatronStatus::kActive && e.ownedByJob) {
    ++out_.run.counts.unchanged;
    return {};
  }
  const std::uint64_t print = clearPassword.empty() ? 0 : passwordPrint(key, clearPassword);
  std::vector<Patron>* list = &collected_.updates;
  if (e.status == PatronStatus::kInactive) {
    // Always hashed: the lifecycle may have removed the stored one.
    ++out_.run.counts.reactivated;
    list = &collected_.reactivations;
    queuePassword(kReactivations, *list, std::move(clearPassword));
  } else if (print != 0 && passwordPrints_[v] == print) {
    ++out_.run.counts.updated;
    list = &collected_.keepingPassword;  // the same password: its hash is kept
  } else {
    ++out_.run.counts.updated;
    queuePassword(kUpdates, *list, std::move(clearPassword));
  }
  Patron& p = withBatchRoom(*list).emplace_back();
  fillPatron(p, row, hash, print);
  p.id = e.id;
  p.homeroomPinned = e.homeroomPinned;
  detail_.willWrite(p.id, row.line);
  e.seenFlag = full_;  // written with the row
  e.status = PatronStatus::kActive;
  e.hash = hash;
  return {};
}

// A row of a patron not stored yet.
Result<void> ImportRunner::applyNew(MappedRow& row, std::uint64_t keyHash, std::uint64_t hash,
                                    std::string&& clearPassword) {
  const std::string key = row.key(keyField_);
  // What a row may leave empty for a patron already stored (keepWhenEmpty) a new one needs.
  for (PatronField f : {PatronField::kLastName, PatronField::kSite}) {
    if (row.key(f).empty()) {
      out_.messages.push_back({Severity::kError, row.line, key, "MISSING_REQUIRED",
                               std::string(fieldInfo(f).name) + " is empty (a new patron)"});
      ++out_.run.counts.skipped;
      return {};
    }
  }
  auto claimed = claimBarcode(row, kMissing);
  if (!claimed) {
    return claimed.error();
  }
  auto ref = kNewRow | static_cast<std::uint32_t>(newLines_.size());
  newLines_.push_back(row.line);
  byKey_.insert(key, ref, keyHash);
  if (!*claimed) {
    return {};
  }
  if (!row.key(PatronField::kBarcode).empty()) {
    barcodes().set(hashKey(hashBytes(row.key(PatronField::kBarcode))), ref);
  }
  const std::uint64_t print = clearPassword.empty() ? 0 : passwordPrint(key, clearPassword);
  ++out_.run.counts.added;
  detail_.added(key, row.line);
  queuePassword(kInserts, collected_.inserts, std::move(clearPassword));
  Patron& p = withBatchRoom(collected_.inserts).emplace_back();
  fillPatron(p, row, hash, print);
  p.createdAt = now_;
  p.updatedAt.clear();  // not updated since created: the store reads created_at
  return {};
}

// The row to write, made where the batch keeps it (moving a patron into the batch was a tenth
// of the run thread's time: docs/performance.md); its password, if any, is hashed later
// (queuePassword). `print`: the password's fingerprint, 0 for none.
void ImportRunner::fillPatron(Patron& p, MappedRow& row, std::uint64_t hash, std::uint64_t print) {
  p.line = row.line;
  p.values = std::move(row.values);
  p.status = PatronStatus::kActive;
  p.ownerJob = job_.name;
  p.contentHash = hashToHex(hash);
  if (print != 0) {
    p.contentHash += ':' + hashToHex(print);
  }
  // Seen in this full run: its time is the job's last full run (the store reads it from
  // there), so the row carries no copy of it. An incremental run records its own time.
  p.lastSeenAt = full_ ? "" : now_;
  p.seenInLastFull = full_;
  p.updatedAt = now_;
}

// A new or changed password, to be hashed with its batch on the writer thread for the row
// about to be appended to `list`.
void ImportRunner::queuePassword(PendingList which, const std::vector<Patron>& list,
                                 std::string&& clear) {
  if (!clear.empty()) {
    collected_.passwords.push_back({which, list.size(), std::move(clear)});
  }
}

// Hands the collected rows to the writer (engine/import_writer.h). A write that failed is
// returned by the next flush() or settle().
Result<void> ImportRunner::flush() {
  return writer_.hand(collected_);
}

}  // namespace patrond::importing
