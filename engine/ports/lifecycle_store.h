#pragma once
// Port: the patron lifecycle's reads and writes (SPEC section 5): an import's lifecycle step,
// `patrons delete` and `patrons set --homeroom`. Writes run inside the caller's transaction,
// if any. One thread at a time, like every store port.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/patron.h"
#include "engine/result.h"

namespace patrond {

// Which of a job's patrons the lifecycle reads (SPEC section 5): the candidates of its rules.
struct LifecycleFilter {
  bool everyone = false;       // all of them, whatever the rest says
  bool notSeen = false;        // active and not seen in the job's last full run
  bool inactive = false;       // inactive ones (delete_inactive, delete_with_transactions)
  std::string seniorsThrough;  // grade 12 with grad_year <= this; "" for none
};

// A job's patron as the lifecycle sees it (SPEC section 5), with its loans and fines.
struct JobPatron {
  std::int64_t id = 0;
  std::string districtId, barcode, username, patronType, accessLevel, persona, grade, gradYear,
      birthdate;
  PatronStatus status = PatronStatus::kActive;
  std::string lastSeenAt;  // effective: the job's last full run when seen in it
  std::string inactiveSince;
  std::int64_t openLoans = 0;
  std::int64_t unpaidCents = 0;
};

struct Inactivation {
  std::int64_t id = 0;
  std::string inactiveSince;
  bool clearHomeroom = false;
  bool prefixUsername = false;  // "Inactive-" + username, and the password removed
};

struct Deletion {
  std::int64_t id = 0;
  std::int64_t runId = 0;  // 0: deleted by hand (`patrons delete`), no run
  std::string rule;        // the lifecycle rule that removed it, or kHandDeletionRule
  std::string deletedAt;
};

class LifecycleStore {
 public:
  virtual ~LifecycleStore() = default;

  // Lifecycle: streams the job's patrons that `filter` selects, with open loan counts and
  // unpaid fine balances.
  virtual Result<void> forEachJobPatron(const std::string& job, const LifecycleFilter& filter,
                                        const std::function<void(JobPatron&&)>& each) = 0;
  // How many of the job's patrons are in the lifecycle's scope (for max_percent).
  virtual Result<std::int64_t> countInScope(const std::string& job,
                                            const LifecycleScope& scope) = 0;
  virtual Result<void> inactivatePatrons(const std::vector<Inactivation>& list) = 0;
  // Archives each patron (row, open loans, fines, run and rule), closes its open loans as
  // lost, and deletes it.
  virtual Result<void> deletePatrons(const std::vector<Deletion>& list) = 0;
  virtual Result<void> clearBarcode(std::int64_t patronId) = 0;
  // Pins a patron's homeroom by hand (SPEC section 11): `homeroom` with no teacher of its own
  // (a made-up homeroom's teacher comes from the config or `homerooms set`); imports and
  // inactivation then leave the three homeroom columns alone. nullopt releases the pin and
  // forgets the row's content hash (releasedContentHash), so the next import writes the SIS
  // values again. Inside the caller's transaction, if any.
  virtual Result<void> setHomeroomPin(std::int64_t patronId,
                                      const std::optional<std::string>& homeroom,
                                      const std::string& at) = 0;
};

}  // namespace patrond
