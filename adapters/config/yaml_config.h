#pragma once
// Config adapter: loads patrond.yaml and its mapping files with yaml-cpp into engine::Config.
// Every problem is collected (not just the first) with file:line:col and the key path.
// Called from the daemon's main thread at start and on SIGHUP.

#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/result.h"

namespace patrond::config {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
  std::string path;
  std::string message;
  bool warning = false;
  // "patrond.yaml:14:5: imports[0].shedule: unknown key ... "
  std::string format() const;
};

struct LoadResult {
  std::optional<Config> config;  // set when there are no errors (warnings allowed)
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return config.has_value(); }
};

LoadResult loadConfig(const std::string& path);

// Reads a secret named by a SecretRef (file contents without the trailing newline, or the
// environment variable). The value is never logged.
Result<std::string> readSecret(const SecretRef& ref);

}  // namespace patrond::config
