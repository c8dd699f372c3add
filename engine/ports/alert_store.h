#pragma once
// Port: the administrators' alert incidents (SPEC section 11, monitoring.alerts). The SQL
// adapter implements it on the store's connection (PatronStore::alerts()). One thread at a
// time.

#include <vector>

#include "engine/alerts.h"
#include "engine/result.h"

namespace patrond {

class AlertStore {
 public:
  virtual ~AlertStore() = default;
  // Incidents not cleared, oldest first.
  virtual Result<std::vector<AlertIncident>> openIncidents() = 0;
  // The newest incidents, open or cleared, newest first.
  virtual Result<std::vector<AlertIncident>> recentIncidents(int limit) = 0;
  // Records what planAlerts decided: an opened incident gets its id.
  virtual Result<void> record(std::vector<AlertStep>& steps) = 0;
};

}  // namespace patrond
