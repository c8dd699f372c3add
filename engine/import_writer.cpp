#include "engine/import_writer.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace patrond::importing {

void Batch::clear() {
  inserts.clear();
  updates.clear();
  keepingPassword.clear();
  reactivations.clear();
  for (auto& pw : passwords) {
    std::fill(pw.clear.begin(), pw.clear.end(), '\0');  // no clear text left behind
  }
  passwords.clear();
}

void Batch::swap(Batch& other) noexcept {
  inserts.swap(other.inserts);
  updates.swap(other.updates);
  keepingPassword.swap(other.keepingPassword);
  reactivations.swap(other.reactivations);
  passwords.swap(other.passwords);
}

ImportWriter::ImportWriter(PatronStore& store, WriteBatch write)
    : store_(store), write_(std::move(write)) {}

ImportWriter::~ImportWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    discard_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

Result<void> ImportWriter::hand(Batch& collected) {
  if (collected.empty()) {
    return {};
  }
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { writeLoop(); });
  }
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !written_ || queued_.size() < kBatchesAhead; });
  if (!written_) {
    return written_;
  }
  Batch b;
  b.swap(collected);
  if (!spare_.empty()) {  // emptied by the writer, capacity kept
    collected.swap(spare_.back());
    spare_.pop_back();
  }
  queued_.push_back(std::move(b));
  lock.unlock();
  changed_.notify_all();
  return {};
}

void ImportWriter::waitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queued_.empty() && !writingNow_; });
}

PatronStore& ImportWriter::store() {
  waitIdle();
  return store_;
}

Result<void> ImportWriter::settle() {
  waitIdle();
  std::lock_guard lock(mutex_);
  return written_;
}

void ImportWriter::discard() {
  std::lock_guard lock(mutex_);
  discard_ = true;
}

// The writer thread: writes the queued batches in order, then frees their rows (it has the
// time: the run's thread maps the next ones meanwhile).
void ImportWriter::writeLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stop_ || !queued_.empty(); });
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
        r = write_(store_, b);
      } catch (const std::exception& e) {
        r = Error{"DB", std::string("writing patrons: ") + e.what(), ""};
      }
    }
    b.clear();
    lock.lock();
    if (!r && written_) {
      written_ = std::move(r);
    }
    if (spare_.size() < kBatchesAhead) {
      spare_.push_back(std::move(b));
    }
    writingNow_ = false;
    changed_.notify_all();
  }
}

}  // namespace patrond::importing
