#pragma once
// An import run's writer (engine-internal, engine/patron_import.cpp): the batches of collected
// rows are written on a thread of their own while the run's thread maps the next ones.
//
// The store is used by one thread at a time. The run's thread reaches it only through
// `ImportWriter::store()`, which first waits until every queued batch is written; the writer
// thread gets it as the argument of the function that writes a batch. The destructor stops
// and joins the thread, so no path out of a run can leave it running.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/ports/patron_store.h"
#include "engine/result.h"

namespace patrond::importing {

// A new or changed password of a row of a batch, hashed with its batch on the writer thread.
enum PendingList : std::uint8_t { kInserts, kUpdates, kReactivations };
struct PendingPassword {
  PendingList list;
  std::size_t index;  // in that list
  std::string clear;
};

// The rows collected for one write: new patrons, changed ones (with a new password or none,
// and keeping the stored password), returning ones.
struct Batch {
  std::vector<Patron> inserts, updates, keepingPassword, reactivations;
  std::vector<PendingPassword> passwords;  // of the rows above, not hashed yet

  bool empty() const {
    return inserts.empty() && updates.empty() && keepingPassword.empty() && reactivations.empty();
  }
  std::size_t rows() const {
    return inserts.size() + updates.size() + keepingPassword.size() + reactivations.size();
  }
  // Empties the rows (capacity kept) and overwrites the clear passwords.
  void clear();
  void swap(Batch& other) noexcept;
};

class ImportWriter {
 public:
  // Called on the writer thread for each batch, in order; may throw std::exception (a failed
  // write, as a returned error, fails the run).
  using WriteBatch = std::function<Result<void>(PatronStore&, Batch&)>;

  ImportWriter(PatronStore& store, WriteBatch write);
  ~ImportWriter();
  ImportWriter(const ImportWriter&) = delete;
  ImportWriter& operator=(const ImportWriter&) = delete;

  // Run's thread: queues the rows of `collected` for writing and leaves it empty (with the
  // capacity of a batch already written, when there is one). Up to kBatchesAhead batches may
  // wait, so the run's thread and the writer each go at their own pace for a while instead of
  // in lockstep (with one batch in flight, each waited ~1 s for the other in a million-row full
  // import). Starts the thread on first use (std::system_error when it cannot). Returns a
  // write that failed before.
  Result<void> hand(Batch& collected);

  // Run's thread: the store, once the queued batches are written. Every store call of the run's
  // thread goes through here.
  PatronStore& store();

  // Run's thread: waits for the queued batches and returns how they went (the first failed
  // write, if any; the batches after it are not written).
  Result<void> settle();

  // Run's thread: the run failed; batches still queued are not written (all is rolled back).
  void discard();

 private:
  static constexpr std::size_t kBatchesAhead = 2;

  void writeLoop();
  void waitIdle();

  PatronStore& store_;
  WriteBatch write_;
  std::thread thread_;
  // Shared by the run's thread and the writer, under mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> queued_;  // waiting for the writer, in order
  std::vector<Batch> spare_;  // written and emptied, for the run's thread to fill again
  bool writingNow_ = false;   // the writer holds a batch
  bool discard_ = false;      // the run failed: queued batches are not written
  bool stop_ = false;
  Result<void> written_;  // the first failed write, if any: the batches after it are skipped
};

}  // namespace patrond::importing
