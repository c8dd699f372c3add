#pragma once
// One function per CLI subcommand; each returns the process exit code (SPEC section 2).

#include <optional>
#include <string>

#include "daemon/app.h"

namespace patrond::daemon {

struct ImportArgs {
  std::string job;
  bool full = false, incremental = false, dryRun = false;
  std::string file;
  std::optional<int> maxPercent;
};

int cmdCheckConfig(App& app);
// check-config --keys: the key reference (adapters/config keyReference()), one key a line.
int cmdConfigKeys(App& app);
int cmdDbMigrate(App& app);
int cmdImport(App& app, const ImportArgs& args);
int cmdTestSource(App& app, const std::string& job);
int cmdRuns(App& app, const std::string& job, int limit);
int cmdSummary(App& app, std::int64_t runId, bool errorsOnly, bool withPatrons);
int cmdPatronsShow(App& app, const std::string& key);
int cmdPatronsList(App& app, const PatronFilter& filter);

}  // namespace patrond::daemon
