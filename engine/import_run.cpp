#include "engine/import_run.h"

namespace patrond {

std::string_view runStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kInterrupted:
      return "interrupted";
  }
  return "running";
}

std::optional<RunStatus> runStatusByName(std::string_view s) {
  for (RunStatus r :
       {RunStatus::kRunning, RunStatus::kCompleted, RunStatus::kFailed, RunStatus::kInterrupted}) {
    if (runStatusName(r) == s) {
      return r;
    }
  }
  return std::nullopt;
}

std::string_view updateTypeName(UpdateType t) {
  return t == UpdateType::kFull ? "full" : "incremental";
}

std::string_view severityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

bool lifecycleStoppedByGuard(const ImportRun& run) {
  // An incremental run's reason is "incremental run" unless a guard stopped its removals (a
  // OneRoster delta's tobedeleted users).
  return run.status == RunStatus::kCompleted && !run.dryRun && !run.lifecycleRan &&
         !run.lifecycleReason.empty() && run.lifecycleReason != kLifecycleNotConfigured &&
         run.lifecycleReason != kLifecycleRunFailed && run.lifecycleReason != kLifecycleIncremental;
}

std::vector<std::pair<std::string_view, std::int64_t>> namedCounts(const RunCounts& c) {
  return {{"read", c.read},
          {"added", c.added},
          {"updated", c.updated},
          {"unchanged", c.unchanged},
          {"reactivated", c.reactivated},
          {"skipped", c.skipped},
          {"errors", c.errors},
          {"warnings", c.warnings},
          {"inactivated", c.inactivated},
          {"deleted", c.deleted}};
}

}  // namespace patrond
