#pragma once
// An in-memory ByteSource that hands out at most `chunk` bytes per read, so tests cover
// rows split across reads; with failAfter(), a read fault partway through.

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "engine/ports/byte_source.h"

namespace patrond::test {

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data, std::size_t chunk = 1 << 20)
      : data_(std::move(data)), chunk_(chunk), good_(data_.size()) {}
  // After the first `good` bytes, reads fail with `code` and "the read failed": a disk
  // error, or the service asked to stop, in the middle of a file.
  StringSource& failAfter(std::size_t good, ErrorCode code = ErrorCode::kIo) {
    good_ = std::min(good, data_.size());
    fault_ = code;
    return *this;
  }
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    if (fault_ && pos_ >= good_) {
      return Error{*fault_, "the read failed", "students.csv"};
    }
    std::size_t n = std::min({size, chunk_, good_ - pos_});
    std::memcpy(buffer, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t chunk_;
  std::size_t good_;
  std::optional<ErrorCode> fault_;
  std::size_t pos_ = 0;
};

}  // namespace patrond::test
