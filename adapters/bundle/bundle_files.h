#pragma once
// OneRoster bundle adapter (SPEC section 9): a .zip read with libzip, or a folder. A zip is
// checked before anything is read from it: entry count, expanded size (declared, and counted
// as it is read), the expansion ratio of each entry, and path names (no absolute paths, no
// "..", no backslashes or control characters, no duplicates). docs/imports.md lists the limits.

#include <cstdint>
#include <memory>
#include <string>

#include "engine/ports/bundle_files.h"

namespace patrond::bundle {

struct ZipLimits {
  std::uint64_t maxEntries = 100;
  std::uint64_t maxExpandedBytes = 4ull << 30;  // all entries together
  std::uint64_t maxRatio = 200;                 // expanded / compressed, for entries over 1 MiB
};

// `path` names a .zip file or a folder holding manifest.csv. In a zip, the files are next to
// its one manifest.csv (at its root, or in a folder: a zipped folder); a folder's files must be
// regular files, not symbolic links.
Result<std::unique_ptr<BundleFiles>> openBundle(const std::string& path,
                                                const ZipLimits& limits = {});

}  // namespace patrond::bundle
