#include "engine/patron_import.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "engine/csv_read_ahead.h"
#include "engine/csv_reader.h"
#include "engine/key_index.h"
#include "engine/row_mapper.h"
#include "engine/run_patron_recorder.h"
#include "engine/schedule.h"
#include "engine/teacher_check.h"
#include "engine/text.h"

namespace patrond {
namespace {

constexpr std::uint32_t kMissing = KeyIndex::kMissing;
// Index values with this bit refer to a new row of this file, not a stored patron.
constexpr std::uint32_t kNewRow = 0x80000000u;
// How many rows ahead a key's index slot is prefetched.
constexpr std::size_t kLookAhead = 4;
// How far the file is parsed ahead (bytes held): far while the stored keys load (about half
// a million rows of a typical SIS file), near once rows are consumed as they come.
constexpr std::size_t kReadAheadWhileLoading = 80u << 20;
constexpr std::size_t kReadAheadWhileApplying = 16u << 20;

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

std::optional<CivilTime> parseIsoDay(const std::string& s) {
  return s.size() >= 10 ? parseCivilTime(std::string_view(s).substr(0, 10)) : std::nullopt;
}

int ageOn(const std::string& birthdate, const CivilTime& now) {
  auto b = parseIsoDay(birthdate);
  if (!b) {
    return -1;
  }
  int age = now.year - b->year;
  if (now.month < b->month || (now.month == b->month && now.day < b->day)) {
    --age;
  }
  return age;
}

bool contains(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

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
               PasswordHasher* hasher)
      : store_(store),
        source_(source),
        req_(req),
        job_(*req.job),
        hasher_(hasher),
        mapper_(job_.mapping, req.config->sites),
        keyField_(matchField(job_.mapping.matchOn)),
        now_(formatIso(req.now)),
        full_(req.type == UpdateType::kFull),
        detail_(job_.options.summary == SummaryMode::kAll && !req.dryRun, keyField_,
                req.maxPatronDetail) {
    out_.run.job = job_.name;
    out_.run.type = req.type;
    out_.run.startedAt = now_;
    out_.run.file = req.file;
    out_.run.dryRun = req.dryRun;
    out_.run.trigger = req.trigger;
    out_.messages = req.notes;
    mapper_.mayBeEmpty(req.keepWhenEmpty);
  }
  ~ImportRunner() { stopWriter(); }
  ImportRunner(const ImportRunner&) = delete;
  ImportRunner& operator=(const ImportRunner&) = delete;

  ImportOutcome run() {
    if (!req_.dryRun) {
      auto id = store_.openRun(out_.run);
      if (!id) {
        return failed(id.error(), false);
      }
      out_.run.id = *id;
    }
    if (auto b = store_.begin(); !b) {
      return failed(b.error(), false);
    }
    if (auto r = applyGuarded(); !r) {
      return failed(r.error(), true);
    }
    out_.run.status = RunStatus::kCompleted;
    if (teachers_) {
      auto differs = teachers_->messages();
      out_.messages.insert(out_.messages.end(), differs.begin(), differs.end());
      capMessages();
    }
    finish();
    if (req_.dryRun) {
      (void)store_.rollback();
      return std::move(out_);
    }
    if (auto r = store_.closeRun(out_.run, kept()); !r) {
      return failed(r.error(), true);
    }
    if (auto r = store_.saveRunPatrons(out_.run.id, detail_.take()); !r) {
      return failed(r.error(), true);
    }
    if (auto r = store_.trimRuns(job_.name, job_.options.keepRuns); !r) {
      return failed(r.error(), true);
    }
    if (auto r = store_.commit(); !r) {
      return failed(r.error(), true);
    }
    return std::move(out_);
  }

 private:
  // A password to hash, of a row of a batch, and the batch handed to the writer thread.
  enum PendingList : std::uint8_t { kInserts, kUpdates, kReactivations };
  struct PendingPassword {
    PendingList list;
    std::size_t index;  // in that list
    std::string clear;
  };
  struct Batch {
    std::vector<Patron> inserts, updates, keepingPassword, reactivations;
    std::vector<PendingPassword> passwords;
  };

  ImportOutcome failed(const Error& e, bool inTransaction) {
    {
      std::lock_guard lock(writerMutex_);
      discard_ = true;  // batches still queued are not written: all is rolled back
    }
    joinWriter();
    if (inTransaction) {
      (void)store_.rollback();
    }
    // A stop request (service shutdown) rolls back like a crash would: interrupted.
    out_.run.status = e.code == "STOPPED" ? RunStatus::kInterrupted : RunStatus::kFailed;
    // Nothing was applied: the counts say what was read, not what changed.
    RunCounts read;
    read.read = out_.run.counts.read;
    out_.run.counts = read;
    out_.run.lifecycleRan = false;
    out_.run.lifecycleReason = std::string(full_ ? kLifecycleRunFailed : kLifecycleIncremental);
    out_.messages.push_back({Severity::kError, 0, "", e.code, e.describe()});
    finish();
    if (!req_.dryRun && out_.run.id > 0) {
      (void)store_.closeRun(out_.run, kept());
    }
    return std::move(out_);
  }

  void finish() {
    out_.run.finishedAt = now_;
    auto count = [&](Severity sev) {
      return std::count_if(out_.messages.begin(), out_.messages.end(),
                           [sev](const RunMessage& m) { return m.severity == sev; });
    };
    out_.run.counts.errors = droppedErrors_ + count(Severity::kError);
    out_.run.counts.warnings = droppedWarnings_ + count(Severity::kWarning);
    if (droppedErrors_ + droppedWarnings_ + droppedInfo_ > 0) {
      out_.messages.push_back({Severity::kInfo, 0, "", "TOO_MANY_MESSAGES",
                               std::to_string(droppedErrors_) + " more error(s), " +
                                   std::to_string(droppedWarnings_) + " more warning(s) and " +
                                   std::to_string(droppedInfo_) +
                                   " more note(s) were counted but not kept"});
      droppedErrors_ = droppedWarnings_ = droppedInfo_ = 0;
    }
  }

  // A file where every row fails must not hold (or store) a million messages: the first
  // maxMessages are kept, the rest only counted.
  void capMessages() {
    while (out_.messages.size() > req_.maxMessages) {
      switch (out_.messages.back().severity) {
        case Severity::kError:
          ++droppedErrors_;
          break;
        case Severity::kWarning:
          ++droppedWarnings_;
          break;
        case Severity::kInfo:
          ++droppedInfo_;
          break;
      }
      out_.messages.pop_back();
    }
  }

  std::vector<RunMessage> kept() const {
    if (job_.options.summary == SummaryMode::kAll) {
      return out_.messages;
    }
    std::vector<RunMessage> k;
    std::copy_if(out_.messages.begin(), out_.messages.end(), std::back_inserter(k), [](auto& m) {
      return m.severity != Severity::kInfo || m.code == "TOO_MANY_MESSAGES";
    });
    return k;
  }

  Result<void> loadIndex() {
    auto overrides = store_.homeroomOverrides();
    if (!overrides) {
      return overrides.error();
    }
    teachers_.emplace(req_.config->homerooms, *overrides);
    auto total = store_.countPatrons({});
    if (!total) {
      return total.error();
    }
    auto n = static_cast<std::size_t>(*total);
    existing_.reserve(n);
    byKey_.reserve(n + 1024);
    if (hasher_) {
      passwordPrints_.reserve(n);
    }
    auto loaded = store_.forEachPatronKey(keyField_, job_.name, [&](const StoredPatronKey& k) {
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

  // The barcode index, built on first need from the stored barcodes' hashes: a run that only
  // meets unchanged barcodes never pays for it. Barcodes are told apart by 64-bit hash; a
  // collision could only report a false conflict, never merge two patrons (the database's
  // unique index is the last word).
  KeyIndex& barcodes() {
    if (!barcodesBuilt_) {
      barcodesBuilt_ = true;
      byBarcode_.reserve(existing_.size() + newLines_.size() + 1024);
      for (std::size_t i = 0; i < existing_.size(); ++i) {
        if (existing_[i].barcodeHash != 0) {
          byBarcode_.stage(hashKey(existing_[i].barcodeHash), static_cast<std::uint32_t>(i));
        }
      }
      byBarcode_.build();
    }
    return byBarcode_;
  }
  static std::string hashKey(std::uint64_t h) {
    return std::string(reinterpret_cast<const char*>(&h), sizeof h);
  }

  // The run's reader and writer threads can fail to start (a process at its task limit):
  // the run fails and rolls back like any other fault, and the service goes on.
  Result<void> applyGuarded() {
    try {
      return apply();
    } catch (const std::system_error& e) {
      return Error{"RESOURCES", std::string("could not start the import's threads: ") + e.what(),
                   ""};
    }
  }

  Result<void> apply() {
    CsvReader reader(source_, job_.mapping.delimiter);
    CsvRow row;
    auto first = reader.next(row);
    if (!first) {
      return first.error();
    }
    if (!*first) {
      return Error{"EMPTY_FILE", "the file is empty", req_.file};
    }
    if (mapper_.expectsHeader()) {
      if (auto b = mapper_.bindHeader(row); !b) {
        return b;
      }
    } else if (auto b = mapper_.bindColumnCount(row.fields.size()); !b) {
      return b;
    }
    // The rest of the file is parsed on another thread while the stored keys load.
    const bool keyRaw = mapper_.keyReadsRaw();
    const std::size_t keyColumn = mapper_.keyColumn();
    CsvReadAhead ahead(
        reader,
        [this, keyRaw, keyColumn](const CsvRow& r) {
          RowDigest d;
          d.rawHash = mapper_.rawHash(r);
          if (keyRaw && keyColumn < r.fields.size() && !r.fields[keyColumn].empty()) {
            d.keyHash = hashBytes(r.fields[keyColumn]);
          }
          return d;
        },
        mapper_.expectsHeader() ? nullptr : &row, kReadAheadWhileLoading);
    if (auto r = loadIndex(); !r) {
      return r;
    }
    if (full_) {
      auto prev = store_.jobLastFullRun(job_.name);
      if (!prev) {
        return prev.error();
      }
      previousFullRun_ = *prev;
    }
    // From here rows are consumed as fast as they come: a short queue is enough.
    ahead.allowance(kReadAheadWhileApplying);
    const std::size_t maxKey = fieldInfo(keyField_).maxLength;
    RowDigest digest;
    std::size_t nextStored = 0;       // the stored patron the next row is likely to be
    bool followsStoredOrder = false;  // the last row was
    for (;;) {
      auto more = ahead.next(row, digest);
      if (!more) {
        return more.error();
      }
      if (!*more) {
        break;
      }
      ++out_.run.counts.read;
      // A few rows on, the key's slot is fetched into the cache while this one is looked up
      // (not while the file follows the stored order: those lookups need no slot).
      if (const RowDigest* soon = ahead.peek(kLookAhead);
          soon && soon->keyHash != 0 && !followsStoredOrder) {
        byKey_.prefetch(soon->keyHash);
      }
      std::optional<std::uint64_t> hash;
      KeyLookup looked;
      // Fast path: a stored, active, unchanged patron of this job is recognised from its
      // raw columns, without mapping the row.
      if (keyRaw && !row.badEncoding && !row.unterminatedQuote &&
          row.fields.size() == mapper_.columnCount()) {
        std::string_view key = row.fields[keyColumn];
        if (!key.empty() && key.size() <= maxKey) {
          // Files usually list patrons in the order they were stored: the stored patron
          // after the last one found is tried first.
          std::uint32_t v = inStoredOrder_ ? byKey_.findStaged(nextStored, key) : kMissing;
          followsStoredOrder = v != kMissing;
          if (v == kMissing) {
            v = byKey_.find(key, digest.keyHash);
          }
          if (v != kMissing && !(v & kNewRow)) {
            nextStored = v + 1;
          }
          looked = {key, digest.keyHash, v, true};
          if (v != kMissing && !(v & kNewRow) && existing_[v].seenLine == 0) {
            Existing& e = existing_[v];
            auto h = rowHash(row, key, digest.rawHash);
            if (!h) {
              return h.error();
            }
            hash = *h;
            if (*hash == e.hash && e.status == PatronStatus::kActive && e.ownedByJob) {
              e.seenLine = static_cast<std::uint32_t>(row.line);
              ++out_.run.counts.unchanged;
              continue;
            }
          }
        }
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
      if (inserts_.size() + updates_.size() + keepingPassword_.size() + reactivations_.size() >=
          req_.batchSize) {
        if (auto r = flush(); !r) {
          return r;
        }
      }
    }
    if (out_.run.counts.read == 0 && !req_.allowEmpty) {
      // A header and nothing else is as empty as an empty file (a cut-off export): the run
      // fails rather than "completing" with no patrons in it.
      return Error{"EMPTY_FILE", "the file has a header line but no rows", req_.file};
    }
    if (auto r = flush(); !r) {
      return r;
    }
    if (auto r = settle(); !r) {
      return r;
    }
    if (full_) {
      if (auto r = applyPresence(); !r) {
        return r;
      }
      if (job_.lifecycle) {
        return lifecycle();
      }
      out_.run.lifecycleReason = kLifecycleNotConfigured;
    } else if (req_.removed && !req_.removed->empty()) {
      return inactivateRemoved();
    } else {
      out_.run.lifecycleReason = kLifecycleIncremental;
    }
    return {};
  }

  // The match key of a removed row, or "" (with a warning) when it cannot be told.
  std::string removedKey(const RemovedRow& r) {
    CsvRow row;
    row.line = r.line;
    for (const auto& f : r.fields) {
      row.fields.emplace_back(f);
    }
    MappedRow mapped;
    std::vector<RunMessage> why;
    if (mapper_.keyReadsRaw() && mapper_.keyColumn() < row.fields.size()) {
      if (auto key = trim(row.fields[mapper_.keyColumn()]); !key.empty()) {
        return std::string(key);
      }
    } else if (mapper_.map(row, mapped, why) == RowOutcome::kMapped &&
               !mapped.key(keyField_).empty()) {
      return mapped.key(keyField_);
    }
    out_.messages.push_back({Severity::kWarning, r.line, "", "REMOVED_NO_KEY",
                             "a user marked tobedeleted could not be matched to a patron: its " +
                                 std::string(fieldInfo(keyField_).name) +
                                 " cannot be read from the row" +
                                 (why.empty() ? std::string() : " (" + why.back().text + ")")});
    return "";
  }

  // SPEC section 9: an incremental run's removed rows (a OneRoster delta's tobedeleted users)
  // inactivate their patrons of this job as rule 1 would, behind the lifecycle's guards.
  Result<void> inactivateRemoved() {
    const LifecycleConfig defaults;
    const LifecycleConfig& l = job_.lifecycle ? *job_.lifecycle : defaults;
    RunCounts& c = out_.run.counts;
    c.read += static_cast<std::int64_t>(req_.removed->size());
    std::unordered_map<std::string, std::int64_t> lines;  // key -> line
    for (const RemovedRow& r : *req_.removed) {
      std::string key = removedKey(r);
      if (key.empty()) {
        continue;
      }
      // The same person sent again in this run (a new sourcedId for the same key): the source
      // still lists them, so they stay, as rules 2 and 4 keep a patron who is in the file.
      std::uint32_t v = byKey_.find(key);
      if (v != kMissing && ((v & kNewRow) || existing_[v].seenLine != 0)) {
        out_.messages.push_back(
            {Severity::kWarning, r.line, key, "REMOVED_STILL_SENT",
             "a user marked tobedeleted has the key of a user this run also sends (line " +
                 std::to_string((v & kNewRow) ? newLines_[v & ~kNewRow] : existing_[v].seenLine) +
                 "): not inactivated"});
        continue;
      }
      lines.emplace(std::move(key), r.line);
    }
    // max_skipped and max_percent guard removals; min_records_read does not: it is sized for
    // a whole file, and a delta is short by nature.
    if (c.skipped >= l.maxSkipped) {
      out_.run.lifecycleReason = "skipped rows " + std::to_string(c.skipped) + " >= max_skipped " +
                                 std::to_string(l.maxSkipped);
      return {};
    }
    std::vector<Inactivation> inactivate;
    std::vector<std::pair<std::string, std::int64_t>> notes;  // key, line
    LifecycleFilter everyone;
    everyone.everyone = true;
    auto read = store_.forEachJobPatron(job_.name, everyone, [&](JobPatron&& p) {
      const std::string& key = keyField_ == PatronField::kBarcode    ? p.barcode
                               : keyField_ == PatronField::kUsername ? p.username
                                                                     : p.districtId;
      auto it = lines.find(key);
      if (it == lines.end() || p.status != PatronStatus::kActive || !inLifecycleScope(l.scope, p)) {
        return;
      }
      inactivate.push_back({p.id, now_, l.inactivate && l.inactivate->clearHomeroom,
                            l.inactivate && l.inactivate->prefixUsername});
      notes.emplace_back(key, it->second);
    });
    if (!read) {
      return read;
    }
    auto written = writeBehindPercentGuard(l, inactivate, {});
    if (!written) {
      return written.error();
    }
    if (!*written) {
      return {};
    }
    c.inactivated = static_cast<std::int64_t>(inactivate.size());
    for (const auto& [key, line] : notes) {
      detail_.lifecycle(PatronAction::kInactivated, key, "tobedeleted");
      out_.messages.push_back({Severity::kInfo, line, key, "INACTIVATED",
                               "inactivated: the source marks the user tobedeleted"});
    }
    capMessages();
    out_.run.lifecycleRan = true;
    out_.run.lifecycleReason.clear();
    return {};
  }

  // SPEC 5: every patron in the file is seen, even when its row could not be applied this
  // time; one mistyped date must not get a student inactivated. Needs a readable key.
  void markSeenDespiteError(const CsvRow& row) {
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
  Result<std::uint64_t> rowHash(const CsvRow& row, std::string_view key, std::uint64_t h) {
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
  std::uint64_t passwordPrint(const std::string& key, const std::string& password) {
    return password.empty() ? 0 : hashBytes(hasher_->fingerprint(key, password)) | 1;
  }
  static std::uint64_t storedPasswordPrint(std::string_view contentHash) {
    std::size_t colon = contentHash.find(':');
    return colon == std::string_view::npos ? 0 : hexToHash(contentHash.substr(colon + 1));
  }

  void conflictMessage(const MappedRow& row, const std::string& barcode,
                       const std::string& holder) {
    out_.messages.push_back({Severity::kError, row.line, row.key(keyField_), "BARCODE_CONFLICT",
                             "barcode '" + barcode + "' belongs to " + holder + "; row skipped"});
    ++out_.run.counts.skipped;
  }

  // The patron the barcode index names, read by its id: a search by value would take a
  // patron whose district id equals the barcode for the holder.
  std::string holderName(const Existing& holder) {
    joinWriter();
    std::string key;
    (void)store_.readFields({holder.id}, {keyField_},
                            [&](std::int64_t, std::vector<std::string>&& values) {
                              key = values.empty() ? "" : values[0];
                            });
    return "patron " + (key.empty() ? "#" + std::to_string(holder.id) : key) +
           (holder.status == PatronStatus::kInactive ? " (inactive)" : "");
  }

  // Resolves a barcode conflict; false when the row must be skipped. `self` is the stored
  // patron the row updates, or kMissing for a new one.
  Result<bool> claimBarcode(const MappedRow& row, std::uint32_t self) {
    const std::string& barcode = row.key(PatronField::kBarcode);
    if (barcode.empty()) {
      return true;
    }
    std::uint64_t bh = hashBytes(barcode);
    if (self != kMissing && existing_[self].barcodeHash == bh) {
      return true;  // the patron keeps its own barcode
    }
    std::uint32_t v = barcodes().find(hashKey(bh));
    if (v == kMissing || v == self) {
      return true;
    }
    if (v & kNewRow) {
      conflictMessage(row, barcode,
                      "the new patron on line " + std::to_string(newLines_[v & ~kNewRow]));
      return false;
    }
    Existing& holder = existing_[v];
    if (job_.mapping.onBarcodeConflict == BarcodeConflict::kTakeFromInactive &&
        holder.status == PatronStatus::kInactive) {
      std::string who = holderName(holder);
      if (auto r = settle(); !r) {
        return r.error();
      }
      if (auto r = store_.clearBarcode(holder.id); !r) {
        return r.error();
      }
      out_.messages.push_back({Severity::kWarning, row.line, row.key(keyField_), "BARCODE_TAKEN",
                               "barcode '" + barcode + "' taken from " + who});
      holder.barcodeHash = 0;
      byBarcode_.erase(hashKey(bh));
      return true;
    }
    conflictMessage(row, barcode, holderName(holder));
    return false;
  }

  void duplicate(const MappedRow& row, const std::string& key, std::int64_t firstLine) {
    out_.messages.push_back({Severity::kWarning, row.line, key, "DUPLICATE_KEY",
                             "key '" + key + "' is also on line " + std::to_string(firstLine) +
                                 "; the first wins, this row is skipped"});
    ++out_.run.counts.skipped;
  }

  Result<void> applyRow(MappedRow& row, std::uint64_t hash, const KeyLookup& looked) {
    if (teachers_ && teachers_->active()) {
      teachers_->row(row.values[index(PatronField::kSite)],
                     row.values[index(PatronField::kHomeroom)],
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
      const std::string& barcode = row.key(PatronField::kBarcode);
      std::uint64_t bh = barcode.empty() ? 0 : hashBytes(barcode);
      if (bh != e.barcodeHash) {
        // The old barcode stays claimed by this patron for the rest of the run: it is only
        // free in the database once this row is written.
        if (bh != 0) {
          barcodes().set(hashKey(bh), v);
        }
        e.barcodeHash = bh;
      }
      if (e.hash == hash && e.status == PatronStatus::kActive && e.ownedByJob) {
        ++out_.run.counts.unchanged;
        return {};
      }
      const std::uint64_t print = clearPassword.empty() ? 0 : passwordPrint(key, clearPassword);
      Patron p = toPatron(row, hash, print);
      p.id = e.id;
      p.homeroomPinned = e.homeroomPinned;
      detail_.willWrite(p.id, row.line);
      if (e.status == PatronStatus::kInactive) {
        // Always hashed: the lifecycle may have removed the stored one.
        ++out_.run.counts.reactivated;
        queuePassword(kReactivations, reactivations_, std::move(clearPassword));
        reactivations_.push_back(std::move(p));
      } else if (print != 0 && passwordPrints_[v] == print) {
        ++out_.run.counts.updated;
        keepingPassword_.push_back(std::move(p));  // the same password: its hash is kept
      } else {
        ++out_.run.counts.updated;
        queuePassword(kUpdates, updates_, std::move(clearPassword));
        updates_.push_back(std::move(p));
      }
      e.seenFlag = full_;  // written with the row
      e.status = PatronStatus::kActive;
      e.hash = hash;
      return {};
    }
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
    Patron p = toPatron(row, hash, clearPassword.empty() ? 0 : passwordPrint(key, clearPassword));
    p.createdAt = now_;
    p.updatedAt.clear();  // not updated since created: the store reads created_at
    ++out_.run.counts.added;
    detail_.added(key, row.line);
    queuePassword(kInserts, inserts_, std::move(clearPassword));
    inserts_.push_back(std::move(p));
    return {};
  }

  // The row to write; its password, if any, is hashed later (queuePassword). `print`: the
  // password's fingerprint, 0 for none.
  Patron toPatron(MappedRow& row, std::uint64_t hash, std::uint64_t print) {
    Patron p;
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
    return p;
  }

  // A new or changed password, to be hashed with its batch (hashPasswords) for the row about
  // to be appended to `list`.
  void queuePassword(PendingList which, const std::vector<Patron>& list, std::string&& clear) {
    if (!clear.empty()) {
      passwords_.push_back({which, list.size(), std::move(clear)});
    }
  }

  // On the writer thread: the batch's new and changed passwords, hashed on every core (a
  // slow hash is the whole cost of a first import with passwords). Nothing is hashed for a
  // dry run: what it writes is rolled back.
  Result<void> hashPasswords(Batch& b) {
    std::vector<PendingPassword>& todo = b.passwords;
    if (todo.empty() || req_.dryRun) {
      return {};
    }
    auto slot = [&b](const PendingPassword& pw) -> std::string& {
      auto& list = pw.list == kInserts   ? b.inserts
                   : pw.list == kUpdates ? b.updates
                                         : b.reactivations;
      return list[pw.index].get(PatronField::kPassword);
    };
    unsigned threads = req_.hashThreads != 0 ? req_.hashThreads
                                             : std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, todo.size()));
    std::atomic<std::size_t> next{0};
    std::mutex failureMutex;
    std::string failure;
    auto work = [&] {
      for (std::size_t i = next++; i < todo.size(); i = next++) {
        try {
          slot(todo[i]) = hasher_->hash(todo[i].clear);
        } catch (const std::exception& e) {
          std::lock_guard lock(failureMutex);
          if (failure.empty()) {
            failure = e.what();
          }
          next = todo.size();
        }
      }
    };
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < threads; ++t) {
      try {
        helpers.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // no more threads: those started share the work
      }
    }
    work();
    for (auto& t : helpers) {
      t.join();
    }
    if (!failure.empty()) {
      return Error{"CRYPTO", "hashing a password: " + failure, ""};
    }
    return {};
  }

  // `keepWhenEmpty` fields (ImportRequest) a row leaves empty keep their stored value.
  Result<void> applyKeepWhenEmpty(std::vector<Patron>& patrons) {
    const auto& fields = req_.keepWhenEmpty;
    std::vector<std::int64_t> ids;
    std::unordered_map<std::int64_t, Patron*> byId;
    for (auto& p : patrons) {
      if (std::any_of(fields.begin(), fields.end(),
                      [&](PatronField f) { return p.get(f).empty(); })) {
        ids.push_back(p.id);
        byId[p.id] = &p;
      }
    }
    if (ids.empty()) {
      return {};
    }
    return store_.readFields(ids, fields, [&](std::int64_t id, std::vector<std::string>&& stored) {
      auto it = byId.find(id);
      for (std::size_t i = 0; it != byId.end() && i < fields.size() && i < stored.size(); ++i) {
        if (it->second->get(fields[i]).empty()) {
          it->second->get(fields[i]) = std::move(stored[i]);
        }
      }
    });
  }

  // `preserve` fields keep a stored value that is not empty (hand edits survive).
  Result<void> applyPreserve(std::vector<Patron>& patrons) {
    const auto& fields = job_.mapping.preserve;
    if (fields.empty() || patrons.empty()) {
      return {};
    }
    std::vector<std::int64_t> ids;
    std::unordered_map<std::int64_t, Patron*> byId;
    for (auto& p : patrons) {
      ids.push_back(p.id);
      byId[p.id] = &p;
    }
    return store_.readFields(ids, fields, [&](std::int64_t id, std::vector<std::string>&& stored) {
      auto it = byId.find(id);
      if (it == byId.end()) {
        return;
      }
      for (std::size_t i = 0; i < fields.size() && i < stored.size(); ++i) {
        if (!stored[i].empty()) {
          it->second->get(fields[i]) = std::move(stored[i]);
        }
      }
    });
  }

  // A homeroom pinned by hand (SPEC section 11) stays as stored, with its teacher columns:
  // the store keeps them whatever is written, and the summary's changed fields must not
  // claim the SIS's value was written.
  Result<void> keepPinnedHomerooms(std::vector<Patron>& patrons) {
    std::vector<std::int64_t> ids;
    std::unordered_map<std::int64_t, Patron*> byId;
    for (auto& p : patrons) {
      if (p.homeroomPinned) {
        ids.push_back(p.id);
        byId[p.id] = &p;
      }
    }
    static const std::vector<PatronField> kKept{PatronField::kHomeroom,
                                                PatronField::kHomeroomTeacherEmail,
                                                PatronField::kHomeroomTeacherName};
    return store_.readFields(ids, kKept, [&](std::int64_t id, std::vector<std::string>&& stored) {
      auto it = byId.find(id);
      for (std::size_t i = 0; it != byId.end() && i < kKept.size() && i < stored.size(); ++i) {
        it->second->get(kKept[i]) = std::move(stored[i]);
      }
    });
  }

  // Hands the collected rows to the writer thread. Up to kBatchesAhead batches may wait for
  // it, so the run's thread and the writer each go at their own pace for a while instead of
  // in lockstep (with one batch in flight, each waited ~1 s for the other in a million-row
  // full import). A write that failed is returned by the next flush() or settle().
  Result<void> flush() {
    if (inserts_.empty() && updates_.empty() && keepingPassword_.empty() &&
        reactivations_.empty()) {
      return {};
    }
    if (!writer_.joinable()) {
      writer_ = std::thread([this] { writeLoop(); });  // std::system_error: applyGuarded()
    }
    std::unique_lock lock(writerMutex_);
    writerChanged_.wait(lock, [&] { return !written_ || queued_.size() < kBatchesAhead; });
    if (!written_) {
      return written_;
    }
    Batch b;
    b.inserts.swap(inserts_);
    b.updates.swap(updates_);
    b.keepingPassword.swap(keepingPassword_);
    b.reactivations.swap(reactivations_);
    b.passwords.swap(passwords_);
    if (!spare_.empty()) {  // emptied by the writer, capacity kept
      inserts_.swap(spare_.back().inserts);
      updates_.swap(spare_.back().updates);
      keepingPassword_.swap(spare_.back().keepingPassword);
      reactivations_.swap(spare_.back().reactivations);
      passwords_.swap(spare_.back().passwords);
      spare_.pop_back();
    }
    queued_.push_back(std::move(b));
    lock.unlock();
    writerChanged_.notify_all();
    return {};
  }

  // The writer thread: writes the queued batches in order, then frees their rows (it has the
  // time: the run's thread maps the next ones meanwhile).
  void writeLoop() {
    std::unique_lock lock(writerMutex_);
    for (;;) {
      writerChanged_.wait(lock, [&] { return stopWriter_ || !queued_.empty(); });
      if (queued_.empty()) {
        return;
      }
      Batch b = std::move(queued_.front());
      queued_.pop_front();
      writingNow_ = true;
      const bool skip = !written_ || discard_;
      lock.unlock();
      Result<void> r;
      if (!skip) {
        try {
          r = hashPasswords(b);
          if (r) {
            r = write(b);
          }
        } catch (const std::exception& e) {
          r = Error{"DB", std::string("writing patrons: ") + e.what(), ""};
        }
      }
      b.inserts.clear();
      b.updates.clear();
      b.keepingPassword.clear();
      b.reactivations.clear();
      for (auto& pw : b.passwords) {
        std::fill(pw.clear.begin(), pw.clear.end(), '\0');  // no clear text left behind
      }
      b.passwords.clear();
      lock.lock();
      if (!r && written_) {
        written_ = std::move(r);
      }
      if (spare_.size() < kBatchesAhead) {
        spare_.push_back(std::move(b));
      }
      writingNow_ = false;
      writerChanged_.notify_all();
    }
  }

  // The store is used by one thread at a time: every call to it outside the writer waits
  // until the queued batches are written.
  void joinWriter() {
    std::unique_lock lock(writerMutex_);
    writerChanged_.wait(lock, [&] { return queued_.empty() && !writingNow_; });
  }
  // Waits for the queued batches and returns how they went (a failed write fails the run).
  Result<void> settle() {
    joinWriter();
    std::lock_guard lock(writerMutex_);
    return written_;
  }
  void stopWriter() {
    {
      std::lock_guard lock(writerMutex_);
      stopWriter_ = true;
      discard_ = true;
    }
    writerChanged_.notify_all();
    if (writer_.joinable()) {
      writer_.join();
    }
  }

  // On the writer thread: one batch, with `preserve` applied to the updates. Rows whose
  // password did not change are written without their password column.
  Result<void> write(Batch& b) {
    if (auto r = store_.insertPatrons(b.inserts); !r) {
      return r;
    }
    for (auto [list, reactivate, keeping] :
         {std::tuple{&b.updates, false, false}, std::tuple{&b.keepingPassword, false, true},
          std::tuple{&b.reactivations, true, false}}) {
      if (list->empty()) {
        continue;
      }
      if (auto r = applyKeepWhenEmpty(*list); !r) {
        return r;
      }
      if (auto r = applyPreserve(*list); !r) {
        return r;
      }
      if (auto r = keepPinnedHomerooms(*list); !r) {
        return r;
      }
      const std::vector<PatronField> fields =
          keeping ? writtenButPassword() : mapper_.writtenFields();
      if (auto r =
              detail_.beforeWrite(store_, *list, fields,
                                  reactivate ? PatronAction::kReactivated : PatronAction::kUpdated);
          !r) {
        return r;
      }
      if (auto r = store_.updatePatrons(*list, fields, reactivate); !r) {
        return r;
      }
    }
    return {};
  }
  std::vector<PatronField> writtenButPassword() const {
    std::vector<PatronField> fields = mapper_.writtenFields();
    fields.erase(std::remove(fields.begin(), fields.end(), PatronField::kPassword), fields.end());
    return fields;
  }

  // A full run: who of this job's patrons appeared and who went missing.
  Result<void> applyPresence() {
    std::vector<std::int64_t> seen, missing;
    for (const auto& e : existing_) {
      if (e.seenLine > 0 && !e.seenFlag) {
        seen.push_back(e.id);  // unchanged rows that were missing before
      } else if (e.seenLine == 0 && e.seenFlag && e.ownedByJob) {
        missing.push_back(e.id);
      }
    }
    if (auto r = store_.markSeen(seen, true, now_); !r) {
      return r;
    }
    // They were last seen in the previous full run.
    if (auto r =
            store_.markSeen(missing, false, previousFullRun_.empty() ? now_ : previousFullRun_);
        !r) {
      return r;
    }
    return store_.setJobLastFullRun(job_.name, now_);
  }

  // Whether the lifecycle's filter can select anyone. Rules on everyone or on seniors need
  // the database; the others are decided from what the run knows of every stored patron:
  // the job's active ones missing from this file, and its inactive ones. On a night nobody
  // left, nothing is read.
  bool mayHaveCandidates(const LifecycleFilter& filter) const {
    if (filter.everyone || !filter.seniorsThrough.empty()) {
      return true;
    }
    for (const auto& e : existing_) {
      if (!e.ownedByJob || e.seenLine != 0) {
        continue;
      }
      if (e.status == PatronStatus::kActive ? filter.notSeen : filter.inactive) {
        return true;
      }
    }
    return false;
  }

  // The guards on what the file says (SPEC section 5): false, with the reason, when one stops
  // the lifecycle.
  bool fileGuardsHold(const LifecycleConfig& l) {
    const RunCounts& c = out_.run.counts;
    if (c.skipped >= l.maxSkipped) {
      out_.run.lifecycleReason = "skipped rows " + std::to_string(c.skipped) + " >= max_skipped " +
                                 std::to_string(l.maxSkipped);
      return false;
    }
    if (c.read <= l.minRecordsRead) {
      out_.run.lifecycleReason = "rows read " + std::to_string(c.read) + " <= min_records_read " +
                                 std::to_string(l.minRecordsRead);
      return false;
    }
    return true;
  }

  // The max_percent guard: false, with the reason, when the patrons to inactivate and delete
  // are too many of the job's patrons in scope.
  Result<bool> percentGuardHolds(const LifecycleConfig& l, std::size_t inactivating,
                                 std::size_t deleting) {
    int maxPercent = req_.maxPercent.value_or(l.maxPercent);
    auto affected = static_cast<std::int64_t>(inactivating + deleting);
    if (affected == 0) {
      return true;  // the scope's size is read only when there is something to guard
    }
    auto inScope = store_.countInScope(job_.name, l.scope);
    if (!inScope) {
      return inScope.error();
    }
    if (affected * 100 > static_cast<std::int64_t>(maxPercent) * *inScope) {
      out_.run.lifecycleReason =
          "would inactivate " + std::to_string(inactivating) + " and delete " +
          std::to_string(deleting) + " of " + std::to_string(*inScope) +
          " patrons in scope, more than max_percent " + std::to_string(maxPercent) + "%";
      return false;
    }
    return true;
  }

  // The max_percent guard, then the inactivations and deletions: false (nothing written) when
  // the guard stops them.
  Result<bool> writeBehindPercentGuard(const LifecycleConfig& l,
                                       const std::vector<Inactivation>& inactivate,
                                       const std::vector<Deletion>& remove) {
    auto holds = percentGuardHolds(l, inactivate.size(), remove.size());
    if (!holds || !*holds) {
      return holds;
    }
    if (auto a = store_.inactivatePatrons(inactivate); !a) {
      return a.error();
    }
    if (auto d = store_.deletePatrons(remove); !d) {
      return d.error();
    }
    return true;
  }

  Result<void> lifecycle() {
    const LifecycleConfig& l = *job_.lifecycle;
    RunCounts& c = out_.run.counts;
    if (!fileGuardsHold(l)) {
      return {};
    }
    std::vector<Inactivation> inactivate;
    std::vector<Deletion> remove;
    std::vector<std::pair<std::string, std::string>> notes;  // key, rule
    // Only the candidates of the configured rules are read: on a normal night that is the
    // handful who left, not the whole job.
    LifecycleFilter filter;
    filter.notSeen = l.inactivate.has_value();
    filter.inactive = l.deleteInactive.has_value() || l.deleteWithTransactions.has_value();
    if (l.deleteGraduatedSeniors) {
      filter.seniorsThrough = std::to_string(
          statisticalYearStart(req_.now, req_.config->district.statisticalYearStartMonth));
    }
    if (l.deleteWithTransactions &&
        (l.deleteWithTransactions->gradYearYearsAgo || l.deleteWithTransactions->age)) {
      filter.everyone = true;  // these rules can match active patrons seen today
    }
    auto decide = [&](JobPatron&& p) {
      if (!inLifecycleScope(l.scope, p)) {
        return;
      }
      // Seen at this run's time: the patron is in the file just read.
      const bool inFile = !p.lastSeenAt.empty() && p.lastSeenAt >= now_;
      std::string rule = lifecycleRule(l, job_.options, p, req_.now,
                                       req_.config->district.statisticalYearStartMonth, inFile);
      if (rule.empty()) {
        return;
      }
      if (rule == "inactivate") {
        inactivate.push_back(
            {p.id, now_, l.inactivate->clearHomeroom, l.inactivate->prefixUsername});
      } else {
        remove.push_back({p.id, out_.run.id, rule, now_});
      }
      notes.emplace_back(keyField_ == PatronField::kBarcode    ? p.barcode
                         : keyField_ == PatronField::kUsername ? p.username
                                                               : p.districtId,
                         rule);
    };
    if (mayHaveCandidates(filter)) {
      if (auto r = store_.forEachJobPatron(job_.name, filter, decide); !r) {
        return r;
      }
    }
    auto written = writeBehindPercentGuard(l, inactivate, remove);
    if (!written) {
      return written.error();
    }
    if (!*written) {
      return {};
    }
    c.inactivated = static_cast<std::int64_t>(inactivate.size());
    c.deleted = static_cast<std::int64_t>(remove.size());
    for (const auto& [key, rule] : notes) {
      detail_.lifecycle(rule == "inactivate" ? PatronAction::kInactivated : PatronAction::kDeleted,
                        key, rule);
      out_.messages.push_back(
          {Severity::kInfo, 0, key, rule == "inactivate" ? "INACTIVATED" : "DELETED",
           rule == "inactivate" ? "inactivated: not in the file for more than " +
                                      std::to_string(l.inactivate->notUpdatedDays) + " days"
                                : "deleted by " + rule});
    }
    capMessages();
    out_.run.lifecycleRan = true;
    out_.run.lifecycleReason.clear();
    return {};
  }

  PatronStore& store_;
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
  bool inStoredOrder_ = false;  // byKey_'s staging order is existing_'s (findStaged)
  KeyIndex byKey_, byBarcode_;  // stored patron index, or kNewRow | new row number
  bool barcodesBuilt_ = false;
  std::vector<std::int64_t> newLines_;         // line of each new row
  std::vector<std::uint64_t> passwordPrints_;  // existing_'s, when passwords are mapped
  std::vector<Patron> inserts_, updates_, keepingPassword_, reactivations_;
  std::vector<PendingPassword> passwords_;  // of the rows above, not hashed yet
  // The writer thread and what it shares with the run's thread (under writerMutex_).
  static constexpr std::size_t kBatchesAhead = 2;
  std::thread writer_;
  std::mutex writerMutex_;
  std::condition_variable writerChanged_;
  std::deque<Batch> queued_;  // waiting for the writer, in order
  std::vector<Batch> spare_;  // written and emptied, for the run's thread to fill again
  bool writingNow_ = false;   // the writer holds a batch
  bool discard_ = false;      // the run failed: queued batches are not written
  bool stopWriter_ = false;
  Result<void> written_;  // the first failed write, if any: the batches after it are skipped
  std::int64_t droppedErrors_ = 0, droppedWarnings_ = 0, droppedInfo_ = 0;
};

}  // namespace

bool inLifecycleScope(const LifecycleScope& scope, const JobPatron& p) {
  return contains(scope.patronTypes, p.patronType) && contains(scope.accessLevels, p.accessLevel) &&
         contains(scope.personas, p.persona);
}

std::string lifecycleRule(const LifecycleConfig& l, const ImportOptions& o, const JobPatron& p,
                          const CivilTime& now, int startMonth, bool inFile) {
  bool clean = p.openLoans == 0 && p.unpaidCents == 0;
  if (l.deleteGraduatedSeniors && !inFile && p.grade == "12" && p.gradYear.size() == 4 && clean &&
      std::atoi(p.gradYear.c_str()) <= statisticalYearStart(now, startMonth)) {
    return "delete_graduated_seniors";
  }
  int inactiveDays = -1;
  if (p.status == PatronStatus::kInactive) {
    if (auto since = parseIsoDay(p.inactiveSince)) {
      inactiveDays = daysBetween(*since, now);
    }
  }
  if (l.deleteInactive && inactiveDays >= l.deleteInactive->afterDays) {
    const DeleteInactive& d = *l.deleteInactive;
    bool ok = d.when == DeleteInactiveWhen::kNoCheckoutsNoFines ? clean
              : d.when == DeleteInactiveWhen::kFinesBelow
                  ? p.openLoans == 0 && p.unpaidCents < d.amountCents
                  : o.allowDeleteWithTransactions;
    if (ok) {
      return "delete_inactive";
    }
  }
  if (l.deleteWithTransactions && o.allowDeleteWithTransactions && !clean && !inFile) {
    const DeleteWithTransactions& d = *l.deleteWithTransactions;
    bool ok = (d.inactiveDays && inactiveDays >= *d.inactiveDays) ||
              (d.gradYearYearsAgo && p.gradYear.size() == 4 &&
               std::atoi(p.gradYear.c_str()) <= now.year - *d.gradYearYearsAgo) ||
              (d.age && ageOn(p.birthdate, now) >= *d.age);
    if (ok) {
      return "delete_with_transactions";
    }
  }
  if (l.inactivate && p.status == PatronStatus::kActive) {
    auto seen = parseCivilTime(p.lastSeenAt);
    CivilTime cutoff = addDays(now, -l.inactivate->notUpdatedDays);
    if (!seen || *seen < cutoff) {
      return "inactivate";
    }
  }
  return "";
}

ImportOutcome failedImport(PatronStore& store, const ImportRequest& request, const Error& error) {
  ImportOutcome out;
  ImportRun& run = out.run;
  run.job = request.job->name;
  run.type = request.type;
  run.startedAt = run.finishedAt = formatIso(request.now);
  run.file = request.file;
  run.dryRun = request.dryRun;
  run.trigger = request.trigger;
  run.status = RunStatus::kFailed;
  run.lifecycleReason =
      std::string(request.type == UpdateType::kFull ? kLifecycleRunFailed : kLifecycleIncremental);
  out.messages.push_back({Severity::kError, 0, "", error.code, error.describe()});
  run.counts.errors = 1;
  if (!request.dryRun) {
    if (auto id = store.openRun(run)) {
      run.id = *id;
      (void)store.closeRun(run, out.messages);
    }
  }
  return out;
}

ImportOutcome runImport(PatronStore& store, ByteSource& source, const ImportRequest& request,
                        PasswordHasher* hasher) {
  ImportRunner runner(store, source, request, hasher);
  return runner.run();
}

}  // namespace patrond
