#pragma once
// The per-patron part of a job summary (SPEC section 11, `summary RUN_ID --patrons`): each
// patron a run added, updated (which fields, old and new values), reactivated, inactivated
// or deleted. Kept only for jobs with `options.summary: all`, and only up to a cap: a
// million-row first import keeps the first kRunPatronCap entries and counts the rest (the
// run's counts stay exact). Passwords are never shown: their change reads "changed". Pure.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/patron.h"

namespace patrond {

enum class PatronAction { kAdded, kUpdated, kReactivated, kInactivated, kDeleted };
std::string_view patronActionName(PatronAction a);
std::optional<PatronAction> patronActionByName(std::string_view name);

// One changed field; a password's old and new values are both "changed".
struct FieldChange {
  std::string field;
  std::string before, after;
};

struct RunPatron {
  PatronAction action = PatronAction::kAdded;
  std::string key;        // the job's match key (district id, barcode or username)
  std::int64_t line = 0;  // the file line, 0 for the lifecycle's actions
  std::string detail;     // the lifecycle's rule for inactivated and deleted
  std::vector<FieldChange> changes;
};

// Entries kept per run (documented in docs/status.md).
inline constexpr std::size_t kRunPatronCap = 100000;

// The shown value of a password in a change.
inline constexpr std::string_view kPasswordChanged = "changed";

// What changed between a stored row's `before` values (of `fields`, in that order) and the
// row about to be written. The password, when it is among `fields`, counts as changed when
// `after` carries a new one.
std::vector<FieldChange> changedFields(const std::vector<PatronField>& fields,
                                       const std::vector<std::string>& before, const Patron& after);

// Collects entries from the run's thread and its writer thread; thread-safe.
class RunPatronLog {
 public:
  explicit RunPatronLog(bool enabled, std::size_t cap = kRunPatronCap)
      : enabled_(enabled), cap_(cap) {}
  RunPatronLog(const RunPatronLog&) = delete;
  RunPatronLog& operator=(const RunPatronLog&) = delete;

  void add(RunPatron&& entry);
  // The kept entries, by action then line, and forgets them.
  std::vector<RunPatron> take();

 private:
  const bool enabled_;
  const std::size_t cap_;
  mutable std::mutex mutex_;
  std::vector<RunPatron> entries_;
};

}  // namespace patrond
