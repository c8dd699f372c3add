#pragma once
// Holding a lease while its work runs (SPEC section 10): leases are short, and renewed on a
// connection of their own, because the work's own connection is inside one transaction that
// no other instance sees until it ends. A holder that dies stops renewing, so its lease ends
// within kLeaseTime; on this host it is taken over at once (holderState in daemon/app.h).

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "engine/config.h"
#include "engine/ports/log.h"
#include "engine/ports/patron_store.h"
#include "engine/scoped_lease.h"

namespace patrond::daemon {

// How long a lease lasts without renewal, and how often it is renewed.
inline constexpr std::chrono::seconds kLeaseTime{120};
inline constexpr std::chrono::seconds kLeaseRenewal{30};
// How long a scheduled slot that ran stays marked as run, so no instance runs it again: the
// missed-run check looks back 24 hours, so two days is past any look.
inline constexpr std::chrono::hours kSlotRanMark{48};

class LeaseKeeper {
 public:
  // Renews `name`, held by `holder`, to now + `time` every `every` until destroyed. With
  // SQLite it does nothing: one instance on one host, whose live holder keeps its lease
  // (the run holds the write lock, so a renewal would only wait for it).
  LeaseKeeper(const DatabaseConfig& database, std::string name, std::string holder, Log* log,
              std::chrono::seconds time = kLeaseTime, std::chrono::seconds every = kLeaseRenewal);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;
  // How many renewals were written (for tests).
  int renewals() const;

 private:
  void loop(const DatabaseConfig& database);

  std::string name_, holder_;
  Log* log_;
  std::chrono::seconds time_, every_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  int renewals_ = 0;
  std::thread thread_;
};

// A lease this process has acquired: renewed while it lives, released when it goes, on every
// path out, an exception included (the service survives one, and its live pid would otherwise
// keep the job "already running" until a restart). A failed release is logged as a warning.
class HeldLease {
 public:
  HeldLease(ScopedLease lease, const DatabaseConfig& database, Log* log)
      : lease_(std::move(lease)), log_(log) {
    keeper_.emplace(database, lease_.name(), lease_.holder(), log);
  }
  HeldLease(const HeldLease&) = delete;
  HeldLease& operator=(const HeldLease&) = delete;
  // Stops renewing and frees the lease now; the destructor then does nothing.
  void release() {
    keeper_.reset();
    if (auto r = lease_.release(); !r && log_) {
      log_->warning("lease " + lease_.name() + ": could not release it (" + r.error().describe() +
                    "); it stays until it expires");
    }
  }

 private:
  ScopedLease lease_;  // destroyed after the keeper: renewing stops before the release
  Log* log_;
  std::optional<LeaseKeeper> keeper_;
};

}  // namespace patrond::daemon
