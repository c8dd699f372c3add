#include "engine/run_patron_recorder.h"

namespace patrond {

RunPatronRecorder::RunPatronRecorder(bool enabled, PatronField keyField, std::size_t cap)
    : enabled_(enabled), keyField_(keyField), cap_(cap), log_(enabled, cap) {}

bool RunPatronRecorder::reserve() {
  if (!enabled_) {
    return false;
  }
  std::lock_guard lock(mutex_);
  if (promised_ >= cap_) {
    return false;
  }
  ++promised_;
  return true;
}

void RunPatronRecorder::added(std::string key, std::int64_t line) {
  if (reserve()) {
    log_.add({PatronAction::kAdded, std::move(key), line, {}, {}});
  }
}

void RunPatronRecorder::willWrite(std::int64_t id, std::int64_t line) {
  if (!enabled_) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (promised_ < cap_) {
    ++promised_;
    lines_[id] = line;
  }
}

void RunPatronRecorder::lifecycle(PatronAction action, std::string key, std::string rule) {
  if (reserve()) {
    log_.add({action, std::move(key), 0, std::move(rule), {}});
  }
}

Result<void> RunPatronRecorder::beforeWrite(ImportTarget& store, const std::vector<Patron>& patrons,
                                            const std::vector<PatronField>& fields,
                                            PatronAction action) {
  if (!enabled_ || patrons.empty()) {
    return {};
  }
  std::unordered_map<std::int64_t, std::pair<const Patron*, std::int64_t>> noted;
  {
    std::lock_guard lock(mutex_);
    for (const auto& p : patrons) {
      if (auto it = lines_.find(p.id); it != lines_.end()) {
        noted.emplace(p.id, std::pair{&p, it->second});
        lines_.erase(it);
      }
    }
  }
  if (noted.empty()) {
    return {};
  }
  std::vector<std::int64_t> ids;
  ids.reserve(noted.size());
  for (const auto& [id, _] : noted) {
    ids.push_back(id);
  }
  return store.readFields(ids, fields, [&](std::int64_t id, std::vector<std::string>&& before) {
    auto it = noted.find(id);
    if (it == noted.end()) {
      return;
    }
    const Patron& after = *it->second.first;
    RunPatron entry{action, after.get(keyField_), it->second.second, {}, {}};
    entry.changes = changedFields(fields, before, after);
    if (action == PatronAction::kReactivated) {
      entry.changes.insert(entry.changes.begin(), FieldChange{"status", "inactive", "active"});
    }
    log_.add(std::move(entry));
  });
}

}  // namespace patrond
