#pragma once
// The one place in adapters/config/ that touches the file system through POSIX (open, fstat,
// read, stat): a secret file, and the YAML files the loader reads. A port to another system
// replaces this file alone. Any thread; never throws.

#include <cstddef>
#include <string>

#include "engine/result.h"

namespace patrond::config {

// A secret file's contents without the trailing newline. A file that is missing, unreadable,
// a directory, not a regular file, larger than 64 KiB or empty is an Error (code SECRET) whose
// message says which and whose `where` is the file. The value is never logged.
Result<std::string> readSecretFile(const std::string& path);

// What the service's load says of a secret file it does not read yet (it may appear later):
// "" when it looks right, else a warning: missing, cannot be checked, a directory, or
// readable by everyone.
std::string secretFileWarning(const std::string& path);

// A configuration file's text (patrond.yaml or a mapping file): only a regular file of at most
// 4 MiB, far above any real one and far below a mistake like /dev/zero. On failure `problem`
// says why, in the words the loader prints after the file name.
struct TextFile {
  std::string text;
  std::string problem;  // "" when read
};
TextFile readConfigText(const std::string& path);

}  // namespace patrond::config
