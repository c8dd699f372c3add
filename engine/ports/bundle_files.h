#pragma once
// Port: the files of a OneRoster bundle (SPEC section 9), a .zip or a folder. The adapter
// checks what a hostile archive could do (entry count, expanded size, path names); the engine
// checks what the files say.

#include <memory>
#include <string>

#include "engine/ports/byte_source.h"

namespace patrond {

class BundleFiles {
 public:
  virtual ~BundleFiles() = default;
  // The bundle as messages name it (its path).
  virtual std::string describe() const = 0;
  // Whether the bundle holds the file NAME (e.g. "users.csv").
  virtual bool has(const std::string& name) const = 0;
  // The file's bytes from its start, as UTF-8 (a byte order mark skipped). Each call reads the
  // file afresh: a file may be read twice. One reader at a time.
  virtual Result<std::unique_ptr<ByteSource>> open(const std::string& name) = 0;
};

}  // namespace patrond
