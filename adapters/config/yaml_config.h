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
  // For people at a terminal, the offending line of a YAML file (the configuration or a
  // mapping file) with a caret under the column, secrets masked; empty when not known:
  //      14 |     shedule:
  //         |     ^
  std::string excerpt{};
  // "patrond.yaml:14:5: imports[0].shedule: unknown key ... "
  std::string format() const;
};

struct LoadResult {
  std::optional<Config> config;  // set when there are no errors (warnings allowed)
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return config.has_value(); }
};

struct LoadOptions {
  // check-config: read every secret now; one that cannot be read (missing, a directory,
  // unreadable, empty, an unset variable) is an error naming its key and file.
  bool readSecrets = false;
};

// Never throws: every problem, an unreadable file included, is a Diagnostic.
LoadResult loadConfig(const std::string& path, const LoadOptions& options = {});

// Reads a secret named by a SecretRef (file contents without the trailing newline, or the
// environment variable). Never throws; a directory, a non-regular file, an empty or a huge
// file is an error naming the file. The value is never logged.
Result<std::string> readSecret(const SecretRef& ref);

// The key reference (issue 16): every key of the loader's key tables, by its path in the file
// ("imports[].source.sftp.poll_every"; a mapping file's keys start with "mapping:"; a name the
// file chooses is written <like_this>: "conditions.<name>"), with the table's doc line, in
// table order. docs/configuration.md is checked against it (a test), and
// `patrond check-config --keys` prints it.
struct KeyDoc {
  std::string path;
  std::string doc;
};
std::vector<KeyDoc> keyReference();

}  // namespace patrond::config
