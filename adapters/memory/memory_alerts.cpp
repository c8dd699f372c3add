// The administrators' alert incidents on the in-memory tables.

#include <algorithm>

#include "adapters/memory/memory_state.h"

namespace patrond::memory {
namespace {

class MemoryAlerts final : public AlertStore {
 public:
  explicit MemoryAlerts(MemoryStore& store) : store_(store) {}

  // Not cleared, oldest first.
  Result<std::vector<AlertIncident>> openIncidents() override {
    return store_.with("reading the open alert incidents",
                       [](State& s) -> Result<std::vector<AlertIncident>> {
                         std::vector<AlertIncident> out;
                         for (const auto& [id, i] : s.incidents) {
                           if (i.clearedAt.empty()) {
                             out.push_back(i);
                           }
                         }
                         return out;
                       });
  }

  // Newest first; at least one.
  Result<std::vector<AlertIncident>> recentIncidents(int limit) override {
    return store_.with(
        "reading the alert incidents", [&](State& s) -> Result<std::vector<AlertIncident>> {
          std::vector<AlertIncident> out;
          const auto n = static_cast<std::size_t>(std::max(1, limit));
          for (auto it = s.incidents.rbegin(); it != s.incidents.rend() && out.size() < n; ++it) {
            out.push_back(it->second);
          }
          return out;
        });
  }

  Result<void> record(std::vector<AlertStep>& steps) override {
    return store_.inTransaction<void>("recording alert incidents", [&](State& s) -> Result<void> {
      for (auto& step : steps) {
        AlertIncident& i = step.incident;
        if (step.step == AlertStepKind::kOpen) {
          i.id = ++s.lastId.incident;
          AlertIncident stored = i;
          stored.clearedAt.clear();
          s.incidents[i.id] = std::move(stored);
        } else if (auto it = s.incidents.find(i.id); it != s.incidents.end()) {
          it->second.lastSentAt = i.lastSentAt;
          it->second.clearedAt = i.clearedAt;
          it->second.text = i.text;
        }
      }
      return {};
    });
  }

 private:
  MemoryStore& store_;
};

}  // namespace

std::unique_ptr<AlertStore> makeAlertStore(MemoryStore& store) {
  return std::make_unique<MemoryAlerts>(store);
}

}  // namespace patrond::memory
