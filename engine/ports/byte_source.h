#pragma once
// Port: a stream of UTF-8 bytes (the file adapter decodes the source encoding first).
// Bytes that could not be decoded arrive as 0xFF, which is never valid UTF-8, so the CSV
// reader flags their row as BAD_ENCODING. One reader thread.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "engine/result.h"

namespace patrond {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to `size` bytes; returns how many (0 at the end) or an error.
  virtual Result<std::size_t> read(char* buffer, std::size_t size) = 0;
  // About how many bytes the source gives in all, when known (a file's size): the import
  // sizes its indexes from it once instead of regrowing them. Never relied on for more.
  virtual std::optional<std::uint64_t> sizeHint() const { return std::nullopt; }
};

}  // namespace patrond
