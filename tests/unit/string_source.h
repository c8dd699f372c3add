#pragma once
// An in-memory ByteSource that hands out at most `chunk` bytes per read, so tests cover
// rows split across reads.

#include <algorithm>
#include <cstring>
#include <string>

#include "engine/ports/byte_source.h"

namespace patrond::test {

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data, std::size_t chunk = 1 << 20)
      : data_(std::move(data)), chunk_(chunk) {}
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    std::size_t n = std::min({size, chunk_, data_.size() - pos_});
    std::memcpy(buffer, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

}  // namespace patrond::test
