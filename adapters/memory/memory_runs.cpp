// Import runs and their messages and patrons, jobs' last full runs, and the ledger of imported
// source files.

#include <algorithm>

#include "adapters/memory/memory_state.h"
#include "engine/text.h"

namespace patrond::memory {

Result<std::int64_t> MemoryStore::openRun(const ImportRun& run) {
  return with("recording the run", [&](State& s) -> Result<std::int64_t> {
    StoredRun stored;
    stored.run.id = ++s.lastId.run;
    stored.run.job = run.job;
    stored.run.type = run.type;
    stored.run.status = RunStatus::kRunning;
    stored.run.startedAt = run.startedAt;
    stored.run.file = run.file;
    stored.run.dryRun = run.dryRun;
    stored.run.trigger = run.trigger;
    stored.leaseName = "import:" + run.job;
    std::int64_t id = stored.run.id;
    s.runs.emplace(id, std::move(stored));
    return id;
  });
}

Result<void> MemoryStore::closeRun(const ImportRun& run, const std::vector<RunMessage>& messages) {
  return with("saving the run summary", [&](State& s) -> Result<void> {
    auto it = s.runs.find(run.id);
    if (it == s.runs.end()) {
      return {};  // as an UPDATE of no row
    }
    ImportRun& r = it->second.run;
    r.status = run.status;
    r.finishedAt = run.finishedAt;
    r.file = run.file;
    r.counts = run.counts;
    r.lifecycleRan = run.lifecycleRan;
    r.lifecycleReason = run.lifecycleReason;
    for (const auto& m : messages) {
      RunMessage kept = m;
      kept.text = redactSecrets(m.text);  // a run record never keeps a credential
      it->second.messages.push_back(std::move(kept));
    }
    return {};
  });
}

Result<int> MemoryStore::markInterruptedRuns(const std::string& finishedAt,
                                             const std::string& nowUtc,
                                             const HolderCheck& holderState) {
  return with("marking interrupted runs", [&](State& s) -> Result<int> {
    // Judged first, all of them, then changed: the SQL adapter reads every running run with
    // its lease before it updates any.
    struct Dead {
      StoredRun* run;
      std::optional<Lease> lease;
    };
    std::vector<Dead> dead;
    for (auto& [id, r] : s.runs) {
      if (r.run.status != RunStatus::kRunning) {
        continue;
      }
      auto lease = s.leases.find(r.leaseName);
      if (lease == s.leases.end()) {
        dead.push_back({&r, std::nullopt});
        continue;
      }
      const Lease& l = lease->second;
      HolderState state = holderState ? holderState(l.holder) : HolderState::kElsewhere;
      if (state == HolderState::kDead ||
          (state == HolderState::kElsewhere && l.expiresAt <= nowUtc)) {
        dead.push_back({&r, l});
      }
    }
    for (auto& d : dead) {
      d.run->run.status = RunStatus::kInterrupted;
      d.run->run.finishedAt = finishedAt;
      if (d.lease) {
        // Only the lease as it was judged: one taken over meanwhile stays.
        auto l = s.leases.find(d.run->leaseName);
        if (l != s.leases.end() && l->second.holder == d.lease->holder &&
            l->second.expiresAt == d.lease->expiresAt) {
          s.leases.erase(l);
        }
      }
    }
    return static_cast<int>(dead.size());
  });
}

Result<std::vector<ImportRun>> MemoryStore::listRuns(const std::string& job, int limit) {
  return with("listing runs", [&](State& s) -> Result<std::vector<ImportRun>> {
    std::vector<ImportRun> out;
    for (auto it = s.runs.rbegin(); it != s.runs.rend(); ++it) {
      if (limit > 0 && out.size() >= static_cast<std::size_t>(limit)) {
        break;
      }
      if (job.empty() || it->second.run.job == job) {
        out.push_back(it->second.run);
      }
    }
    return out;
  });
}

Result<std::optional<ImportRun>> MemoryStore::findRun(std::int64_t id) {
  return with("reading the run", [&](State& s) -> Result<std::optional<ImportRun>> {
    auto it = s.runs.find(id);
    return it == s.runs.end() ? std::nullopt : std::optional<ImportRun>(it->second.run);
  });
}

Result<std::vector<RunMessage>> MemoryStore::runMessages(std::int64_t runId, bool errorsOnly) {
  return with("reading run messages", [&](State& s) -> Result<std::vector<RunMessage>> {
    std::vector<RunMessage> out;
    if (auto it = s.runs.find(runId); it != s.runs.end()) {
      for (const auto& m : it->second.messages) {
        if (!errorsOnly || m.severity == Severity::kError) {
          out.push_back(m);
        }
      }
    }
    return out;
  });
}

Result<void> MemoryStore::saveRunPatrons(std::int64_t runId,
                                         const std::vector<RunPatron>& entries) {
  return with("saving the run's patrons", [&](State& s) -> Result<void> {
    if (auto it = s.runs.find(runId); it != s.runs.end()) {
      it->second.patrons.insert(it->second.patrons.end(), entries.begin(), entries.end());
    }
    return {};
  });
}

Result<std::vector<RunPatron>> MemoryStore::runPatrons(std::int64_t runId) {
  return with("reading the run's patrons", [&](State& s) -> Result<std::vector<RunPatron>> {
    auto it = s.runs.find(runId);
    return it == s.runs.end() ? std::vector<RunPatron>{} : it->second.patrons;
  });
}

// Runs still running are never trimmed, nor counted among the kept.
Result<int> MemoryStore::trimRuns(const std::string& job, int keep) {
  return with("trimming old runs", [&](State& s) -> Result<int> {
    std::vector<std::int64_t> ids;
    int seen = 0;
    for (auto it = s.runs.rbegin(); it != s.runs.rend(); ++it) {
      if (it->second.run.job == job && it->second.run.status != RunStatus::kRunning &&
          ++seen > keep) {
        ids.push_back(it->first);
      }
    }
    for (std::int64_t id : ids) {
      s.runs.erase(id);
    }
    return static_cast<int>(ids.size());
  });
}

Result<std::string> MemoryStore::jobLastFullRun(const std::string& job) {
  return with("reading the job", [&](State& s) -> Result<std::string> {
    auto it = s.jobLastFullRun.find(job);
    return it == s.jobLastFullRun.end() ? std::string() : it->second;
  });
}

Result<void> MemoryStore::setJobLastFullRun(const std::string& job, const std::string& at) {
  return with("saving the job", [&](State& s) -> Result<void> {
    s.jobLastFullRun[job] = at;
    return {};
  });
}

Result<bool> MemoryStore::sourceFileSeen(const std::string& job, const std::string& fingerprint) {
  return with("reading source files", [&](State& s) -> Result<bool> {
    return std::any_of(s.sourceFiles.begin(), s.sourceFiles.end(), [&](const SourceFile& f) {
      return f.job == job && f.fingerprint == fingerprint;
    });
  });
}

Result<void> MemoryStore::recordSourceFile(const std::string& job, const std::string& fingerprint,
                                           std::int64_t runId, const std::string& seenAt) {
  return with("recording a source file", [&](State& s) -> Result<void> {
    s.sourceFiles.push_back({job, fingerprint, seenAt, runId});
    return {};
  });
}

}  // namespace patrond::memory
