#pragma once
// Port: a stream of UTF-8 bytes (the file adapter decodes the source encoding first).
// Bytes that could not be decoded arrive as 0xFF, which is never valid UTF-8, so the CSV
// reader flags their row as BAD_ENCODING. One reader thread.

#include <cstddef>

#include "engine/result.h"

namespace patrond {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to `size` bytes; returns how many (0 at the end) or an error.
  virtual Result<std::size_t> read(char* buffer, std::size_t size) = 0;
};

}  // namespace patrond
