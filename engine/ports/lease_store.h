#pragma once
// Port: named leases (SPEC section 10), so one instance at a time runs a job, a notice run or
// a schedule slot. ScopedLease (engine/scoped_lease.h) acquires and releases one. One thread
// at a time, like every store port; renewals use a connection of their own.

#include <functional>
#include <string>

#include "engine/result.h"

namespace patrond {

// What a lease holder ("host:pid:start", daemon/app.h) is as seen from this process.
enum class HolderState {
  kAlive,     // a running process on this host (the same process, not a reused pid)
  kDead,      // was on this host and is gone: its leases are free at once
  kElsewhere  // another host (or not a process): trusted until its lease expires
};
using HolderCheck = std::function<HolderState(const std::string& holder)>;

class LeaseStore {
 public:
  virtual ~LeaseStore() = default;

  // Leases (SPEC section 10): true when `holder` now holds `name` until `untilIso`: the lease
  // was free, already ours, held by a holder `holderState` says is dead (taken over at once),
  // or expired and its holder not seen alive (a live holder on this host keeps its lease
  // while it runs, however long; one elsewhere keeps it by renewing). Without a check every
  // other holder counts as elsewhere. Lease times are UTC ISO 8601 ("...Z") so DST never
  // stretches or shortens one.
  virtual Result<bool> acquireLease(const std::string& name, const std::string& holder,
                                    const std::string& nowIso, const std::string& untilIso,
                                    const HolderCheck& holderState = {}) = 0;
  // Moves a lease `holder` holds to `untilIso` (and to `newHolder` when not empty); false
  // when it is no longer held by `holder`.
  virtual Result<bool> renewLease(const std::string& name, const std::string& holder,
                                  const std::string& untilIso,
                                  const std::string& newHolder = "") = 0;
  virtual Result<void> releaseLease(const std::string& name, const std::string& holder) = 0;
};

}  // namespace patrond
