// Leases: named locks with an expiry and a holder, taken over only as they were judged.

#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

// A lease held by another holder is free when the holder is dead, or when it expired
// and the holder is not seen alive on this host (a long SQLite run holds the write lock
// and cannot renew; its live holder keeps the lease all the same).
bool SociStore::leaseIsFree(const std::string& holder, const std::string& expires,
                            const std::string& nowUtc, const HolderCheck& holderState) {
  HolderState state = holderState ? holderState(holder) : HolderState::kElsewhere;
  return state == HolderState::kDead || (state == HolderState::kElsewhere && expires <= nowUtc);
}

// The lease's holder and expiry, or nothing when no one holds it.
std::optional<std::pair<std::string, std::string>> SociStore::leaseRow(const std::string& name) {
  std::string holder, expires;
  soci::indicator hi = soci::i_ok, ei = soci::i_ok;
  *sql_ << "SELECT holder, expires_at FROM leases WHERE name = :n", soci::use(name),
      soci::into(holder, hi), soci::into(expires, ei);
  if (!sql_->got_data()) {
    return std::nullopt;
  }
  return std::make_pair(holder, expires);
}

Result<bool> SociStore::acquireLease(const std::string& name, const std::string& holder,
                                     const std::string& nowIso, const std::string& untilIso,
                                     const HolderCheck& holderState) {
  return guard("taking a lease", [&]() -> Result<bool> {
    auto row = leaseRow(name);
    if (!row) {
      try {
        *sql_ << "INSERT INTO leases (name, holder, expires_at) VALUES (:n, :h, :u)",
            soci::use(name), soci::use(holder), soci::use(untilIso);
        return true;
      } catch (const soci::soci_error&) {
        return false;  // another holder took it first (primary key)
      }
    }
    if (row->first == holder) {
      return renewHeld(name, holder, untilIso, holder);
    }
    if (!leaseIsFree(row->first, row->second, nowIso, holderState)) {
      return false;
    }
    // Taken over only as it was judged, in one statement: of two instances, one wins.
    soci::statement up =
        (sql_->prepare << "UPDATE leases SET holder = :h, expires_at = :u "
                          "WHERE name = :n AND holder = :old AND expires_at = :oldu",
         soci::use(holder), soci::use(untilIso), soci::use(name), soci::use(row->first),
         soci::use(row->second));
    up.execute(true);
    return up.get_affected_rows() > 0;
  });
}

Result<bool> SociStore::renewLease(const std::string& name, const std::string& holder,
                                   const std::string& untilIso, const std::string& newHolder) {
  return guard("renewing a lease", [&]() -> Result<bool> {
    return renewHeld(name, holder, untilIso, newHolder.empty() ? holder : newHolder);
  });
}

bool SociStore::renewHeld(const std::string& name, const std::string& holder,
                          const std::string& untilIso, const std::string& newHolder) {
  soci::statement up =
      (sql_->prepare << "UPDATE leases SET holder = :nh, expires_at = :u "
                        "WHERE name = :n AND holder = :h",
       soci::use(newHolder), soci::use(untilIso), soci::use(name), soci::use(holder));
  up.execute(true);
  if (up.get_affected_rows() > 0) {
    return true;
  }
  // MySQL counts changed rows only: an update to the same values changes none.
  auto row = leaseRow(name);
  return row && row->first == newHolder && row->second == untilIso;
}

Result<void> SociStore::releaseLease(const std::string& name, const std::string& holder) {
  return guard("releasing a lease", [&]() -> Result<void> {
    *sql_ << "DELETE FROM leases WHERE name = :n AND holder = :h", soci::use(name),
        soci::use(holder);
    return {};
  });
}

}  // namespace patrond::sql
