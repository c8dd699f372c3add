#pragma once
// Shell-style name patterns (source.file: "students_*.csv"), matched the same way on every
// platform: POSIX fnmatch(3) semantics, written here because Windows has no fnmatch.
//   *  any run of characters      ?  one character      [a-z] [!0-9] [^x] [[:digit:]]  a set
//   \x the character x itself
// Pure; no allocation.

#include <string_view>

namespace patrond {

struct GlobOptions {
  bool pathname = false;  // FNM_PATHNAME: '/' is matched only by a '/' in the pattern
  bool period = false;    // FNM_PERIOD: a leading '.' is matched only by a '.' in the pattern
  bool caseless = false;  // ASCII letters match either case (Windows folders)
};

bool globMatch(std::string_view pattern, std::string_view name, GlobOptions options = {});

// Whether a source.file value is a pattern rather than a plain name.
bool isGlobPattern(std::string_view pattern);

}  // namespace patrond
