#pragma once
// Fines as the librarian sees them (SPEC section 11): one patron's fines and waivers, every
// unpaid fine, and waiving part or all of what a patron owes. A waiver is spread over the
// unpaid fines oldest first, like a payment, and is recorded with who, when and why.
// Money is integer cents. Main thread; each operation is one transaction.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/civil_time.h"
#include "engine/ports/circulation_store.h"
#include "engine/result.h"

namespace patrond {

struct PatronFines {
  Borrower patron;
  std::vector<Fine> fines;  // oldest first, paid and waived ones too
  std::vector<FineWaiver> waivers;
  std::int64_t balanceCents = 0;
};
// Errors: USAGE (exit 2) for an unknown patron; DB otherwise.
Result<PatronFines> finesOf(CirculationStore& store, const std::string& patron);

struct WaiverRequest {
  std::string patron, amount, reason, by;
};
struct WaiverOutcome {
  Borrower patron;
  FineWaiver waiver;
  std::int64_t balanceCents = 0;  // after
  std::vector<FinePayment> shares;
};
// Errors, nothing changed: USAGE (exit 2) for an amount that is not money, zero or
// negative, an empty reason or name, an unknown patron; NOT_OWED (exit 1) when the patron
// owes nothing or less than the amount.
Result<WaiverOutcome> waiveFines(CirculationStore& store, const WaiverRequest& request,
                                 const CivilTime& now);

}  // namespace patrond
