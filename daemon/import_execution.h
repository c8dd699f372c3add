#pragma once
// One import, as the CLI's `import` and the service's scheduler and file watches run it:
// take the job's lease, find and open the file, run, release. Any thread; the caller
// passes a store connection of its own.

#include <atomic>
#include <optional>
#include <string>

#include "engine/circulation.h"
#include "engine/patron_import.h"
#include "engine/ports/log.h"
#include "engine/ports/remote_source.h"

namespace patrond::daemon {

struct ImportCall {
  const Config* config = nullptr;
  const ImportJob* job = nullptr;
  UpdateType type = UpdateType::kFull;
  bool dryRun = false;
  std::optional<int> maxPercent;
  std::string file;     // instead of the job's source
  std::string trigger;  // cli | schedule | new_file | missed
  CivilTime localNow;
  UtcTime utcNow;
  const std::atomic<bool>* stop = nullptr;  // set: roll back and return
};

struct ImportCallResult {
  ImportOutcome outcome;
  bool ran = true;                    // false: nothing to import (an unchanged remote file)
  bool busy = false;                  // another process holds the job: nothing was done
  std::string error;                  // when busy or the lease could not be read
  std::string sourceError;            // a remote poll failed (network, auth, host key): retried
  std::optional<SweepOutcome> sweep;  // a circulation sweep task that succeeded
};

ImportCallResult executeImport(PatronStore& store, const ImportCall& call, Log& log);

// An SFTP job's newest file that can be taken, downloaded (checked, then renamed into place)
// under the state directory's incoming/JOB/. Matches refused by name, type or size, or that
// cannot be fetched, are logged and skipped; connection faults end it. With `lastSeen` equal
// to the newest file's size and time, nothing is downloaded (`unchanged`).
struct RemoteFetch {
  std::string local;
  RemoteFile newest;
  bool unchanged = false;
};
Result<RemoteFetch> fetchRemote(
    const Config& c, const ImportJob& job, Log& log,
    std::optional<std::pair<std::uint64_t, std::int64_t>> lastSeen = std::nullopt);

// Where a remote file is downloaded to: STATE/incoming/JOB/NAME; an error when the name is
// not a plain file name or the path would leave the job's folder.
Result<std::string> incomingPath(const Config& c, const ImportJob& job, const std::string& name);

// A directory job's source: the file `source.file` names in `source.directory` (a glob: the
// newest match), or for a OneRoster job also a folder of that name (SPEC section 9).
Result<std::string> sourcePath(const ImportJob& job);

// Where the password key lives: in the state folder (stateDirectory).
std::string passwordKeyFile(const Config& c);
// Where imported files are archived (keep_copies) and other state lives: the SQLite
// database's folder; with a server database /var/lib/patrond (Windows: the config's folder).
std::string stateDirectory(const Config& c);

}  // namespace patrond::daemon
