#pragma once
// Reads and parses CSV rows ahead on a thread of its own, so that parsing a file overlaps
// with what an import does with its rows (loading the stored keys, looking them up, mapping,
// writing). Rows come out in file order exactly as CsvReader gives them, each with a digest
// computed on the reader thread. Memory is bounded by the bytes of rows in flight.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/csv_reader.h"

namespace patrond {

// What the import needs of a row before it looks at it: the hash of its raw columns and of
// its key (0 when it has none).
struct RowDigest {
  std::uint64_t rawHash = 0;
  std::uint64_t keyHash = 0;
  // Where the barcode index keeps the row's barcode as read (importing::barcodeSlotHash), for
  // prefetching its slot; 0 when the row has none.
  std::uint64_t barcodeSlotHash = 0;
};
// Called on the reader thread for every row: must only read the row and immutable state.
using RowDigester = std::function<RowDigest(const CsvRow&)>;

class CsvReadAhead {
 public:
  // Starts reading `reader` at once on a new thread. `first`, when given, is a row already
  // read (a data row the caller needed to see first); it comes out first. The reader and the
  // source behind it belong to the reader thread until this object is destroyed.
  CsvReadAhead(CsvReader& reader, RowDigester digest, const CsvRow* first = nullptr,
               std::size_t maxBytesAhead = 64u << 20);
  ~CsvReadAhead();  // stops reading and waits for the thread
  CsvReadAhead(const CsvReadAhead&) = delete;
  CsvReadAhead& operator=(const CsvReadAhead&) = delete;

  // The next row, as CsvReader::next gives it, and its digest. The row's views are valid
  // until the next call. One consumer thread.
  Result<bool> next(CsvRow& row, RowDigest& digest);
  // Changes how far ahead the thread may read (the footprint of rows in flight): far while
  // the consumer is busy with something else, near once it consumes as fast as it can.
  void allowance(std::size_t maxBytesAhead);
  // The digest of the row `ahead` rows after the one next() returned last, if already read
  // and in the same batch (for prefetching); null otherwise.
  const RowDigest* peek(std::size_t ahead) const;
  // About how many bytes of the file a row takes, as the batch next() reads from tells (its
  // rows' bytes in the file, quotes and line breaks included, over its rows); nullopt before
  // the first row and while that batch is too small to tell (a first row read ahead of the
  // others by the caller, a short batch before the end).
  std::optional<double> bytesPerRow() const;

 private:
  struct RowMeta {
    std::int64_t line = 0;
    std::uint32_t firstField = 0;  // into ends
    std::uint32_t fieldCount = 0;
    bool badEncoding = false;
    bool unterminatedQuote = false;
    RowDigest digest;
  };
  struct Batch {
    std::string bytes;                // every field of every row, back to back
    std::vector<std::uint32_t> ends;  // where each field ends in bytes
    std::vector<RowMeta> rows;
    std::uint64_t rawBytes = 0;  // of the file, for these rows (0: not known)
    bool end = false;
    bool failed = false;
    Error error;
    std::size_t footprint() const;  // memory held, counted against the allowance
  };
  void append(Batch& b, const CsvRow& row);  // copies the row's fields into b
  // Adds a row whose fields already lie back to back in b.bytes from `start`.
  void record(Batch& b, const CsvRow& row, std::size_t start);
  void readLoop();
  void push(Batch&& b);

  CsvReader& reader_;
  RowDigester digest_;
  std::size_t maxBytes_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  std::vector<Batch> spare_;     // consumed batches, emptied, for the reader to fill again
  std::size_t bytesQueued_ = 0;  // footprint of the queued batches
  bool stop_ = false;
  Batch current_;  // consumer side
  std::size_t pos_ = 0;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace patrond
