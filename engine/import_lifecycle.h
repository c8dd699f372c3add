#pragma once
// The lifecycle's rules (SPEC section 5) as a type: what one run decides for one job patron.
// Pure; any thread. `lifecycleRule()` (engine/patron_import.h) gives the same as a string.

#include <string_view>

#include "engine/civil_time.h"
#include "engine/config.h"
#include "engine/ports/patron_store.h"

namespace patrond {

enum class LifecycleAction {
  kNone,
  kInactivate,
  kDeleteGraduatedSeniors,
  kDeleteInactive,
  kDeleteWithTransactions,
};

// The rule's name as configured and as stored with a deletion ("" for kNone): "inactivate",
// "delete_graduated_seniors", "delete_inactive", "delete_with_transactions".
std::string_view lifecycleActionName(LifecycleAction a);

// The rule that applies to `p`, the first of: delete_graduated_seniors, delete_inactive,
// delete_with_transactions, inactivate. `inFile`: the patron is in the file the run just read;
// rules 2 and 4 never delete such a patron.
LifecycleAction decideLifecycle(const LifecycleConfig& l, const ImportOptions& o,
                                const JobPatron& p, const CivilTime& now,
                                int statisticalYearStartMonth, bool inFile);

}  // namespace patrond
