#pragma once
// A lease (SPEC section 10) held for a scope: acquired by acquire(), released by the
// destructor on every path out. A release that fails there is logged as a warning (the lease
// then stays until it expires or its holder is seen dead); callers that must report it call
// release() and read its result. Renewing while the work runs is the daemon's LeaseKeeper.
// Same thread rule as the LeaseStore it uses.

#include <optional>
#include <string>
#include <utility>

#include "engine/ports/lease_store.h"
#include "engine/ports/log.h"
#include "engine/result.h"

namespace patrond {

class ScopedLease {
 public:
  // Takes `name` for `holder` until `untilIso` (LeaseStore::acquireLease); nullopt when
  // another holder has it. `log` (may be null) receives a failed release's warning.
  static Result<std::optional<ScopedLease>> acquire(LeaseStore& store, std::string name,
                                                    std::string holder, const std::string& nowIso,
                                                    const std::string& untilIso,
                                                    const HolderCheck& holderState = {},
                                                    Log* log = nullptr) {
    auto got = store.acquireLease(name, holder, nowIso, untilIso, holderState);
    if (!got) {
      return got.error();
    }
    if (!*got) {
      return std::optional<ScopedLease>();
    }
    return std::optional<ScopedLease>(ScopedLease(store, std::move(name), std::move(holder), log));
  }

  ScopedLease(ScopedLease&& other) noexcept
      : store_(std::exchange(other.store_, nullptr)),
        name_(std::move(other.name_)),
        holder_(std::move(other.holder_)),
        log_(other.log_) {}
  ScopedLease& operator=(ScopedLease&&) = delete;
  ScopedLease(const ScopedLease&) = delete;
  ScopedLease& operator=(const ScopedLease&) = delete;
  ~ScopedLease() {
    if (auto r = release(); !r && log_) {
      log_->warning("lease " + name_ + ": could not release it (" + r.error().describe() +
                    "); it stays until it expires");
    }
  }

  const std::string& name() const { return name_; }
  const std::string& holder() const { return holder_; }

  // Frees the lease now; the destructor then does nothing. Once only: later calls succeed.
  Result<void> release() {
    if (!store_) {
      return okResult();
    }
    return std::exchange(store_, nullptr)->releaseLease(name_, holder_);
  }
  // Hands the lease to `newHolder` until `untilIso` (LeaseStore::renewLease) instead of
  // releasing it: a slot claim becomes a "ran by" mark no process holds. The lease is no
  // longer this object's either way; false when it was no longer held.
  Result<bool> keepAs(const std::string& newHolder, const std::string& untilIso) {
    if (!store_) {
      return false;
    }
    return std::exchange(store_, nullptr)->renewLease(name_, holder_, untilIso, newHolder);
  }

 private:
  ScopedLease(LeaseStore& store, std::string name, std::string holder, Log* log)
      : store_(&store), name_(std::move(name)), holder_(std::move(holder)), log_(log) {}

  LeaseStore* store_;  // null once released or handed on
  std::string name_, holder_;
  Log* log_;
};

}  // namespace patrond
