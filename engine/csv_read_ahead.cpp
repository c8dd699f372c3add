#include "engine/csv_read_ahead.h"

#include <exception>

namespace patrond {
namespace {

// Big enough that the queue is touched a few hundred times per million rows.
constexpr std::size_t kRowsPerBatch = 4096;
constexpr std::size_t kBytesPerBatch = 1u << 20;
// Consumed batches kept for reuse (outside the allowance: a few MB at most).
constexpr std::size_t kSpareBatches = 2;

}  // namespace

CsvReadAhead::CsvReadAhead(CsvReader& reader, RowDigester digest, const CsvRow* first,
                           std::size_t maxBytesAhead)
    : reader_(reader), digest_(std::move(digest)), maxBytes_(maxBytesAhead) {
  if (first) {
    Batch b;
    append(b, *first);
    bytesQueued_ = b.footprint();
    queue_.push_back(std::move(b));
  }
  thread_ = std::thread([this] { readLoop(); });
}

CsvReadAhead::~CsvReadAhead() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void CsvReadAhead::append(Batch& b, const CsvRow& row) {
  const std::size_t start = b.bytes.size();
  for (std::string_view f : row.fields) {
    b.bytes.append(f);
  }
  record(b, row, start);
}

void CsvReadAhead::record(Batch& b, const CsvRow& row, std::size_t start) {
  RowMeta m;
  m.line = row.line;
  m.firstField = static_cast<std::uint32_t>(b.ends.size());
  m.fieldCount = static_cast<std::uint32_t>(row.fields.size());
  m.badEncoding = row.badEncoding;
  m.unterminatedQuote = row.unterminatedQuote;
  m.digest = digest_(row);
  // The row's fields lie back to back in b.bytes from `start`.
  auto end = static_cast<std::uint32_t>(start);
  for (std::string_view f : row.fields) {
    end += static_cast<std::uint32_t>(f.size());
    b.ends.push_back(end);
  }
  b.rows.push_back(m);
}

std::size_t CsvReadAhead::Batch::footprint() const {
  return bytes.capacity() + ends.capacity() * sizeof(std::uint32_t) +
         rows.capacity() * sizeof(RowMeta);
}

void CsvReadAhead::push(Batch&& b) {
  std::unique_lock lock(mutex_);
  // A row bigger than the whole allowance still goes when nothing else is queued.
  changed_.wait(lock, [&] { return stop_ || bytesQueued_ == 0 || bytesQueued_ < maxBytes_; });
  if (stop_) {
    return;
  }
  bytesQueued_ += b.footprint();
  queue_.push_back(std::move(b));
  lock.unlock();
  changed_.notify_all();
}

void CsvReadAhead::readLoop() {
  CsvRow row;
  for (;;) {
    Batch b;
    {
      // A batch the consumer is done with keeps its buffers: no new pages to fault in.
      std::lock_guard lock(mutex_);
      if (!spare_.empty()) {
        b = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    const std::uint64_t before = reader_.consumed();
    try {
      while (b.rows.size() < kRowsPerBatch && b.bytes.size() < kBytesPerBatch) {
        // Parsed straight into the batch: the field bytes are copied once.
        const std::size_t start = b.bytes.size();
        auto more = reader_.next(row, b.bytes);
        if (!more) {
          b.failed = true;
          b.error = more.error();
          break;
        }
        if (!*more) {
          b.end = true;
          break;
        }
        record(b, row, start);
      }
    } catch (const std::exception& e) {
      b.failed = true;
      b.error = Error{"READ", std::string("reading the file: ") + e.what(), ""};
    }
    b.rawBytes = reader_.consumed() - before;
    const bool last = b.end || b.failed;
    push(std::move(b));
    std::lock_guard lock(mutex_);
    if (last || stop_) {
      return;
    }
  }
}

std::optional<double> CsvReadAhead::bytesPerRow() const {
  constexpr std::size_t kFewestRows = 256;  // fewer tell little (but a whole short file)
  if (current_.rows.empty() || current_.rawBytes == 0 ||
      (current_.rows.size() < kFewestRows && !current_.end)) {
    return std::nullopt;
  }
  return static_cast<double>(current_.rawBytes) / static_cast<double>(current_.rows.size());
}

Result<bool> CsvReadAhead::next(CsvRow& row, RowDigest& digest) {
  while (pos_ >= current_.rows.size()) {
    if (done_) {
      return false;
    }
    if (current_.failed) {
      done_ = true;
      return current_.error;
    }
    if (current_.end) {
      done_ = true;
      return false;
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty(); });
    if (spare_.size() < kSpareBatches && current_.bytes.capacity() != 0) {
      current_.bytes.clear();
      current_.ends.clear();
      current_.rows.clear();
      current_.rawBytes = 0;
      spare_.push_back(std::move(current_));
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    bytesQueued_ -= current_.footprint();
    lock.unlock();
    changed_.notify_all();
    pos_ = 0;
  }
  const RowMeta& m = current_.rows[pos_++];
  row.line = m.line;
  row.badEncoding = m.badEncoding;
  row.unterminatedQuote = m.unterminatedQuote;
  row.fields.clear();
  const char* base = current_.bytes.data();
  // Fields are stored back to back: each starts where the one before it ended.
  std::uint32_t from = m.firstField == 0 ? 0 : current_.ends[m.firstField - 1];
  for (std::uint32_t i = 0; i < m.fieldCount; ++i) {
    std::uint32_t to = current_.ends[m.firstField + i];
    row.fields.emplace_back(base + from, to - from);
    from = to;
  }
  digest = m.digest;
  return true;
}

void CsvReadAhead::allowance(std::size_t maxBytesAhead) {
  {
    std::lock_guard lock(mutex_);
    maxBytes_ = maxBytesAhead;
  }
  changed_.notify_all();
}

const RowDigest* CsvReadAhead::peek(std::size_t ahead) const {
  std::size_t i = pos_ - 1 + ahead;
  return i < current_.rows.size() ? &current_.rows[i].digest : nullptr;
}

}  // namespace patrond
