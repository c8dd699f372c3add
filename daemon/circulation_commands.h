#pragma once
// The circulation subcommands (SPEC section 2: items, circ, fines) and the sweep as the
// service runs it.

#include <optional>
#include <string>

#include "daemon/app.h"
#include "engine/circulation.h"

namespace patrond::daemon {

struct CheckoutArgs {
  std::string patron, copy, due;
  bool override = false;
  std::string by;        // --by: who overrides
  bool byGiven = false;  // else the login name
};

int cmdItemsImport(App& app, const std::string& file, const std::string& encoding, bool dryRun);
int cmdCheckout(App& app, const CheckoutArgs& args);
int cmdCheckin(App& app, const std::string& copy);
int cmdCondition(App& app, const std::string& copy, const std::string& condition);
int cmdSweep(App& app);
int cmdFinesPay(App& app, const std::string& patron, const std::string& amount);

// The sweep under the "circulation-sweep" lease, so two instances (or the service and a
// person at the CLI) never sweep at once and a lost copy is charged once. Logs what it did.
// Error code "BUSY" when another process is sweeping.
Result<SweepOutcome> executeSweep(LeaseStore& leases, CirculationStore& circulation,
                                  const Config& config, const CivilTime& local, UtcTime utc,
                                  Log& log);

}  // namespace patrond::daemon
