#pragma once
// The YAML files the loader reads, through the os adapter's small-file reader; secret files
// are the secrets adapter's. Any thread; never throws.

#include <cstddef>
#include <string>

#include "adapters/secrets/file_secrets.h"
#include "engine/result.h"

namespace patrond::config {

// Secret files are the secrets adapter's (adapters/secrets/file_secrets.h).
using secrets::readSecretFile;
using secrets::secretFileWarning;

// A configuration file's text (patrond.yaml or a mapping file): only a regular file of at most
// 4 MiB, far above any real one and far below a mistake like /dev/zero. On failure `problem`
// says why, in the words the loader prints after the file name.
struct TextFile {
  std::string text;
  std::string problem;  // "" when read
};
TextFile readConfigText(const std::string& path);

}  // namespace patrond::config
