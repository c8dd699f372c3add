#pragma once
// Deleting patrons by hand (SPEC section 11, `patrons delete`): who may go and who is
// refused, and why. The store archives and deletes them as the lifecycle does
// (PatronStore::deletePatrons, with rule kHandDeletionRule). Pure; any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace patrond {

// The rule name the archive records for a hand deletion (deleted_patrons.rule_name).
inline constexpr std::string_view kHandDeletionRule = "patrons_delete";

// A patron named for deletion, with what it still has out.
struct DeletionCandidate {
  std::int64_t id = 0;
  std::string districtId, barcode, lastName, firstName, site, homeroom;
  std::int64_t openLoans = 0;
  std::int64_t unpaidCents = 0;
};

struct DeletionRefusal {
  DeletionCandidate patron;
  std::vector<std::string> reasons;  // "2 open loans", "unpaid fines 12.50"
};

// All or nothing: when `refused` is not empty nobody is deleted.
struct DeletionPlan {
  std::vector<DeletionCandidate> deleted;
  std::vector<DeletionRefusal> refused;
};

// Why `c` may not be deleted without --with-transactions; empty when it may.
std::vector<std::string> deletionBlocks(const DeletionCandidate& c);

// The candidates (each once, by id, in the order first given) split into who goes and who is
// refused: with `withTransactions` nobody is refused (open loans are closed as lost, fines
// kept in the archive).
DeletionPlan planHandDeletion(const std::vector<DeletionCandidate>& candidates,
                              bool withTransactions);

}  // namespace patrond
