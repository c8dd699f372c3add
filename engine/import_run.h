#pragma once
// An import run and its job summary (SPEC sections 2 and 5): what the store keeps and what
// `runs`, `summary` and `import --json` print.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/config.h"

namespace patrond {

enum class RunStatus { kRunning, kCompleted, kFailed, kInterrupted };
std::string_view runStatusName(RunStatus s);
std::optional<RunStatus> runStatusByName(std::string_view s);
std::string_view updateTypeName(UpdateType t);

enum class Severity { kInfo, kWarning, kError };
std::string_view severityName(Severity s);

struct RunMessage {
  Severity severity = Severity::kError;
  std::int64_t line = 0;  // 0: not about one line
  std::string key;        // the row's match key, when known
  std::string code;       // MISSING_REQUIRED, UNKNOWN_SITE, ...
  std::string text;
};

struct RunCounts {
  std::int64_t read = 0, added = 0, updated = 0, unchanged = 0, reactivated = 0, skipped = 0,
               errors = 0, warnings = 0, inactivated = 0, deleted = 0;
};
// Each count with its name as the JSON and the metrics print it, in that order.
std::vector<std::pair<std::string_view, std::int64_t>> namedCounts(const RunCounts& c);

struct ImportRun {
  std::int64_t id = 0;
  std::string job;
  UpdateType type = UpdateType::kFull;
  RunStatus status = RunStatus::kRunning;
  std::string startedAt, finishedAt;  // ISO 8601, local district time
  std::string file;
  bool dryRun = false;
  RunCounts counts;
  bool lifecycleRan = false;
  std::string lifecycleReason;  // why it did not run; empty when it ran or does not apply
  std::string trigger;          // cli | schedule | new_file
};

// Why a full run's lifecycle did not run, when no guard stopped it.
inline constexpr std::string_view kLifecycleNotConfigured = "no lifecycle configured for this job";
inline constexpr std::string_view kLifecycleRunFailed = "the run failed";
inline constexpr std::string_view kLifecycleIncremental = "incremental run";
// A completed run whose lifecycle a guard (min_records_read, max_skipped, max_percent)
// stopped: a full run's leavers, or an incremental run's removed rows (a OneRoster delta's
// tobedeleted users), were not inactivated.
bool lifecycleStoppedByGuard(const ImportRun& run);

}  // namespace patrond
