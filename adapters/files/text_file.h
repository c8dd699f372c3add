#pragma once
// File adapter: opens a local file as a ByteSource of UTF-8, decoding the configured
// encoding on the fly (SPEC section 3 `encoding`). Single-byte charsets are decoded through
// a 256-entry table built once with iconv; UTF-16 streams through iconv. Bytes that cannot
// be decoded become 0xFF so the CSV reader flags their row.

#include <memory>
#include <string>

#include "engine/ports/byte_source.h"

namespace patrond::files {

// encoding: utf-8 (a BOM is skipped) | windows-1252 | iso-8859-1 | macroman | utf-16 (BOM
// required to tell the byte order; without one little-endian is assumed).
Result<std::unique_ptr<ByteSource>> openText(const std::string& path, const std::string& encoding);

// A ByteSource over a string (tests, fuzzing).
std::unique_ptr<ByteSource> stringSource(std::string data);

}  // namespace patrond::files

namespace patrond::files {

// The file a directory source names: `pattern` is a name or a glob (newest match wins).
Result<std::string> resolveSourceFile(const std::string& directory, const std::string& pattern);

}  // namespace patrond::files

namespace patrond::files {

// What a file looks like now (missing files are {exists: false}).
struct FileStat {
  bool exists = false;
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
};
FileStat statFile(const std::string& path);
// A fingerprint of the file's content ("size:hash"), read in one streaming pass.
Result<std::string> fingerprintFile(const std::string& path);

}  // namespace patrond::files
