#include "engine/patron_import.h"

#include <algorithm>
#include <system_error>

#include "engine/import_lifecycle.h"
#include "engine/import_runner.h"
#include "engine/text.h"

namespace patrond {
namespace {

// A failed run whose record could not be closed either (the database went away): said in the
// outcome rather than dropped; the run's record stays "running" until the next start marks it
// interrupted.
RunMessage unclosedRun(const Error& e) {
  return {Severity::kWarning, 0, "", kRunNotRecorded,
          "the run's failure could not be recorded in the run log (" + e.describe() +
              "); the next start marks the run interrupted"};
}

}  // namespace

namespace importing {
namespace {

// How far the file is parsed ahead (bytes held): far while the stored keys load (about half
// a million rows of a typical SIS file), near once rows are consumed as they come.
constexpr std::size_t kReadAheadWhileLoading = 64u << 20;
constexpr std::size_t kReadAheadWhileApplying = 16u << 20;

}  // namespace

ImportRunner::ImportRunner(PatronStore& store, ByteSource& source, const ImportRequest& req,
                           PasswordHasher* hasher)
    : source_(source),
      req_(req),
      job_(*req.job),
      hasher_(hasher),
      mapper_(job_.mapping, req.config->sites),
      keyField_(matchField(job_.mapping.matchOn)),
      now_(formatIso(req.now)),
      full_(req.type == UpdateType::kFull),
      detail_(job_.options.summary == SummaryMode::kAll && !req.dryRun, keyField_,
              req.maxPatronDetail),
      writer_(store, BatchWrite{req_, mapper_, detail_, hasher_}) {
  out_.run.job = job_.name;
  out_.run.type = req.type;
  out_.run.startedAt = now_;
  out_.run.file = req.file;
  out_.run.dryRun = req.dryRun;
  out_.run.trigger = req.trigger;
  out_.messages = req.notes;
  mapper_.mayBeEmpty(req.keepWhenEmpty);
}

ImportOutcome ImportRunner::run() {
  if (!req_.dryRun) {
    auto id = store().openRun(out_.run);
    if (!id) {
      return failed(id.error(), nullptr);
    }
    out_.run.id = *id;
  }
  JoinedWork work(*this);
  auto tx = ScopedTransaction::begin(work);
  if (!tx) {
    return failed(tx.error(), nullptr);
  }
  if (auto r = applyGuarded(); !r) {
    return failed(r.error(), &*tx);
  }
  out_.run.status = RunStatus::kCompleted;
  if (teachers_) {
    auto differs = teachers_->messages();
    out_.messages.insert(out_.messages.end(), differs.begin(), differs.end());
    capMessages();
  }
  finish();
  if (req_.dryRun) {
    (void)tx->rollback();
    return std::move(out_);
  }
  if (auto r = store().closeRun(out_.run, kept()); !r) {
    return failed(r.error(), &*tx);
  }
  if (auto r = store().saveRunPatrons(out_.run.id, detail_.take()); !r) {
    return failed(r.error(), &*tx);
  }
  if (auto r = store().trimRuns(job_.name, job_.options.keepRuns); !r) {
    return failed(r.error(), &*tx);
  }
  if (auto r = tx->commit(); !r) {
    return failed(r.error(), &*tx);
  }
  return std::move(out_);
}

ImportOutcome ImportRunner::failed(const Error& e, ScopedTransaction* tx) {
  writer_.discard();  // batches still queued are not written: all is rolled back
  if (tx) {
    (void)tx->rollback();
  }
  // A stop request (service shutdown) rolls back like a crash would: interrupted.
  out_.run.status = e.code == "STOPPED" ? RunStatus::kInterrupted : RunStatus::kFailed;
  // Nothing was applied: the counts say what was read, not what changed.
  RunCounts read;
  read.read = out_.run.counts.read;
  out_.run.counts = read;
  out_.run.lifecycleRan = false;
  out_.run.lifecycleReason = std::string(full_ ? kLifecycleRunFailed : kLifecycleIncremental);
  out_.messages.push_back({Severity::kError, 0, "", e.code.str(), e.describe()});
  finish();
  if (!req_.dryRun && out_.run.id > 0) {
    if (auto closed = store().closeRun(out_.run, kept()); !closed) {
      out_.messages.push_back(unclosedRun(closed.error()));
      ++out_.run.counts.warnings;
    }
  }
  return std::move(out_);
}

void ImportRunner::finish() {
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
void ImportRunner::capMessages() {
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

std::vector<RunMessage> ImportRunner::kept() const {
  if (job_.options.summary == SummaryMode::kAll) {
    return out_.messages;
  }
  std::vector<RunMessage> k;
  std::copy_if(out_.messages.begin(), out_.messages.end(), std::back_inserter(k), [](auto& m) {
    return m.severity != Severity::kInfo || m.code == "TOO_MANY_MESSAGES";
  });
  return k;
}

// The run's reader and writer threads can fail to start (a process at its task limit):
// the run fails and rolls back like any other fault, and the service goes on.
Result<void> ImportRunner::applyGuarded() {
  try {
    return apply();
  } catch (const std::system_error& e) {
    return Error{"RESOURCES", std::string("could not start the import's threads: ") + e.what(), ""};
  }
}

// The first row: the header the mapping binds to, or the first data row (its column count).
Result<void> ImportRunner::readHeader(CsvReader& reader, CsvRow& row) {
  auto first = reader.next(row);
  if (!first) {
    return first.error();
  }
  if (!*first) {
    return Error{"EMPTY_FILE", "the file is empty", req_.file};
  }
  if (mapper_.expectsHeader()) {
    return mapper_.bindHeader(row);
  }
  return mapper_.bindColumnCount(row.fields.size());
}

Result<void> ImportRunner::apply() {
  CsvReader reader(source_, job_.mapping.delimiter);
  CsvRow row;
  if (auto r = readHeader(reader, row); !r) {
    return r;
  }
  // The rest of the file is parsed on another thread while the stored keys load.
  const bool keyRaw = mapper_.keyReadsRaw();
  const std::size_t keyColumn = mapper_.keyColumn();
  const std::optional<std::size_t> barcodeColumn = mapper_.barcodeColumn();
  CsvReadAhead ahead(
      reader,
      [this, keyRaw, keyColumn, barcodeColumn](const CsvRow& r) {
        RowDigest d;
        d.rawHash = mapper_.rawHash(r);
        if (keyRaw && keyColumn < r.fields.size() && !r.fields[keyColumn].empty()) {
          d.keyHash = hashBytes(r.fields[keyColumn]);
        }
        if (barcodeColumn && *barcodeColumn < r.fields.size() &&
            !r.fields[*barcodeColumn].empty()) {
          d.barcodeSlotHash = barcodeSlotHash(r.fields[*barcodeColumn]);
        }
        return d;
      },
      mapper_.expectsHeader() ? nullptr : &row, kReadAheadWhileLoading);
  if (auto r = loadIndex(); !r) {
    return r;
  }
  if (full_) {
    auto prev = store().jobLastFullRun(job_.name);
    if (!prev) {
      return prev.error();
    }
    previousFullRun_ = *prev;
  }
  // From here rows are consumed as fast as they come: a short queue is enough.
  ahead.allowance(kReadAheadWhileApplying);
  if (auto r = applyRows(ahead, row); !r) {
    return r;
  }
  if (out_.run.counts.read == 0 && !req_.allowEmpty) {
    // A header and nothing else is as empty as an empty file (a cut-off export): the run
    // fails rather than "completing" with no patrons in it.
    return Error{"EMPTY_FILE", "the file has a header line but no rows", req_.file};
  }
  if (auto r = flush(); !r) {
    return r;
  }
  if (auto r = writer_.settle(); !r) {
    return r;
  }
  return afterRows();
}

// After the rows: a full run's presence and lifecycle, or an incremental run's removals.
Result<void> ImportRunner::afterRows() {
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

}  // namespace importing

std::string lifecycleRule(const LifecycleConfig& l, const ImportOptions& o, const JobPatron& p,
                          const CivilTime& now, int startMonth, bool inFile) {
  return std::string(lifecycleActionName(decideLifecycle(l, o, p, now, startMonth, inFile)));
}

ImportOutcome failedImport(RunLog& store, const ImportRequest& request, const Error& error) {
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
  out.messages.push_back({Severity::kError, 0, "", error.code.str(), error.describe()});
  run.counts.errors = 1;
  if (!request.dryRun) {
    if (auto id = store.openRun(run)) {
      run.id = *id;
      if (auto closed = store.closeRun(run, out.messages); !closed) {
        out.messages.push_back(unclosedRun(closed.error()));
        ++run.counts.warnings;
      }
    }
  }
  return out;
}

ImportOutcome runImport(PatronStore& store, ByteSource& source, const ImportRequest& request,
                        PasswordHasher* hasher) {
  importing::ImportRunner runner(store, source, request, hasher);
  return runner.run();
}

}  // namespace patrond
