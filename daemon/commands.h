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
int cmdDbMigrate(App& app);
int cmdImport(App& app, const ImportArgs& args);
int cmdTestSource(App& app, const std::string& job);
int cmdRuns(App& app, const std::string& job, int limit);
int cmdSummary(App& app, std::int64_t runId, bool errorsOnly, bool withPatrons);
int cmdPatronsShow(App& app, const std::string& key);
int cmdPatronsList(App& app, const PatronFilter& filter);
// For subcommands whose capability is not in this build yet: says so, exits 2.
int cmdNotYet(const std::string& command, const std::string& what);

}  // namespace patrond::daemon
