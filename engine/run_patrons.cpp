#include "engine/run_patrons.h"

#include <algorithm>
#include <array>

namespace patrond {

namespace {
constexpr std::array<std::string_view, 5> kActionNames{"added", "updated", "reactivated",
                                                       "inactivated", "deleted"};
}  // namespace

std::string_view patronActionName(PatronAction a) {
  return kActionNames[static_cast<std::size_t>(a)];
}

std::optional<PatronAction> patronActionByName(std::string_view name) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (kActionNames[i] == name) {
      return static_cast<PatronAction>(i);
    }
  }
  return std::nullopt;
}

std::vector<FieldChange> changedFields(const std::vector<PatronField>& fields,
                                       const std::vector<std::string>& before,
                                       const Patron& after) {
  std::vector<FieldChange> out;
  for (std::size_t i = 0; i < fields.size() && i < before.size(); ++i) {
    const PatronField f = fields[i];
    const std::string& now = after.get(f);
    std::string name(fieldInfo(f).name);
    if (f == PatronField::kPassword) {
      if (!now.empty()) {  // a new hash is written only for a new or changed password
        out.push_back(
            {std::move(name), std::string(kPasswordChanged), std::string(kPasswordChanged)});
      }
    } else if (before[i] != now) {
      out.push_back({std::move(name), before[i], now});
    }
  }
  return out;
}

void RunPatronLog::add(RunPatron&& entry) {
  if (!enabled_) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (entries_.size() < cap_) {
    entries_.push_back(std::move(entry));
  }
}

std::vector<RunPatron> RunPatronLog::take() {
  std::lock_guard lock(mutex_);
  std::vector<RunPatron> out;
  out.swap(entries_);
  std::stable_sort(out.begin(), out.end(), [](const RunPatron& a, const RunPatron& b) {
    return a.action != b.action ? a.action < b.action : a.line < b.line;
  });
  return out;
}

}  // namespace patrond
