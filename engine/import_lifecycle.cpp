// Presence, the lifecycle and its guards (SPEC section 5), and a delta's removals (SPEC
// section 9); the pure rules first, then the run's steps (engine/import_runner.h).
#include "engine/import_lifecycle.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>

#include "engine/import_runner.h"
#include "engine/schedule.h"
#include "engine/text.h"

namespace patrond {
namespace {

std::optional<CivilTime> parseIsoDay(const std::string& s) {
  return s.size() >= 10 ? parseCivilTime(std::string_view(s).substr(0, 10)) : std::nullopt;
}

int ageOn(const std::string& birthdate, const CivilTime& now) {
  auto b = parseIsoDay(birthdate);
  if (!b) {
    return -1;
  }
  int age = now.year - b->year;
  if (now.month < b->month || (now.month == b->month && now.day < b->day)) {
    --age;
  }
  return age;
}

bool contains(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

std::string_view lifecycleActionName(LifecycleAction a) {
  switch (a) {
    case LifecycleAction::kNone:
      return "";
    case LifecycleAction::kInactivate:
      return "inactivate";
    case LifecycleAction::kDeleteGraduatedSeniors:
      return "delete_graduated_seniors";
    case LifecycleAction::kDeleteInactive:
      return "delete_inactive";
    case LifecycleAction::kDeleteWithTransactions:
      return "delete_with_transactions";
  }
  return "";
}

bool inLifecycleScope(const LifecycleScope& scope, const JobPatron& p) {
  return contains(scope.patronTypes, p.patronType) && contains(scope.accessLevels, p.accessLevel) &&
         contains(scope.personas, p.persona);
}

LifecycleAction decideLifecycle(const LifecycleConfig& l, const ImportOptions& o,
                                const JobPatron& p, const CivilTime& now, int startMonth,
                                bool inFile) {
  bool clean = p.openLoans == 0 && p.unpaidCents == 0;
  if (l.deleteGraduatedSeniors && !inFile && p.grade == "12" && p.gradYear.size() == 4 && clean &&
      std::atoi(p.gradYear.c_str()) <= statisticalYearStart(now, startMonth)) {
    return LifecycleAction::kDeleteGraduatedSeniors;
  }
  int inactiveDays = -1;
  if (p.status == PatronStatus::kInactive) {
    if (auto since = parseIsoDay(p.inactiveSince)) {
      inactiveDays = daysBetween(*since, now);
    }
  }
  if (l.deleteInactive && inactiveDays >= l.deleteInactive->afterDays) {
    const DeleteInactive& d = *l.deleteInactive;
    bool ok = d.when == DeleteInactiveWhen::kNoCheckoutsNoFines ? clean
              : d.when == DeleteInactiveWhen::kFinesBelow
                  ? p.openLoans == 0 && p.unpaidCents < d.amountCents
                  : o.allowDeleteWithTransactions;
    if (ok) {
      return LifecycleAction::kDeleteInactive;
    }
  }
  if (l.deleteWithTransactions && o.allowDeleteWithTransactions && !clean && !inFile) {
    const DeleteWithTransactions& d = *l.deleteWithTransactions;
    bool ok = (d.inactiveDays && inactiveDays >= *d.inactiveDays) ||
              (d.gradYearYearsAgo && p.gradYear.size() == 4 &&
               std::atoi(p.gradYear.c_str()) <= now.year - *d.gradYearYearsAgo) ||
              (d.age && ageOn(p.birthdate, now) >= *d.age);
    if (ok) {
      return LifecycleAction::kDeleteWithTransactions;
    }
  }
  if (l.inactivate && p.status == PatronStatus::kActive) {
    auto seen = parseCivilTime(p.lastSeenAt);
    CivilTime cutoff = addDays(now, -l.inactivate->notUpdatedDays);
    if (!seen || *seen < cutoff) {
      return LifecycleAction::kInactivate;
    }
  }
  return LifecycleAction::kNone;
}

namespace importing {

// A full run: who of this job's patrons appeared and who went missing.
Result<void> ImportRunner::applyPresence() {
  std::vector<std::int64_t> seen, missing;
  for (const auto& e : existing_) {
    if (e.seenLine > 0 && !e.seenFlag) {
      seen.push_back(e.id);  // unchanged rows that were missing before
    } else if (e.seenLine == 0 && e.seenFlag && e.ownedByJob) {
      missing.push_back(e.id);
    }
  }
  if (auto r = store().markSeen(seen, true, now_); !r) {
    return r;
  }
  // They were last seen in the previous full run.
  if (auto r = store().markSeen(missing, false, previousFullRun_.empty() ? now_ : previousFullRun_);
      !r) {
    return r;
  }
  return store().setJobLastFullRun(job_.name, now_);
}

// Whether the lifecycle's filter can select anyone. Rules on everyone or on seniors need
// the database; the others are decided from what the run knows of every stored patron:
// the job's active ones missing from this file, and its inactive ones. On a night nobody
// left, nothing is read.
bool ImportRunner::mayHaveCandidates(const LifecycleFilter& filter) const {
  if (filter.everyone || !filter.seniorsThrough.empty()) {
    return true;
  }
  for (const auto& e : existing_) {
    if (!e.ownedByJob || e.seenLine != 0) {
      continue;
    }
    if (e.status == PatronStatus::kActive ? filter.notSeen : filter.inactive) {
      return true;
    }
  }
  return false;
}

// The guards on what the file says (SPEC section 5): false, with the reason, when one stops
// the lifecycle.
bool ImportRunner::fileGuardsHold(const LifecycleConfig& l) {
  const RunCounts& c = out_.run.counts;
  if (c.skipped >= l.maxSkipped) {
    out_.run.lifecycleReason = "skipped rows " + std::to_string(c.skipped) + " >= max_skipped " +
                               std::to_string(l.maxSkipped);
    return false;
  }
  if (c.read <= l.minRecordsRead) {
    out_.run.lifecycleReason = "rows read " + std::to_string(c.read) + " <= min_records_read " +
                               std::to_string(l.minRecordsRead);
    return false;
  }
  return true;
}

// The max_percent guard: false, with the reason, when the patrons to inactivate and delete
// are too many of the job's patrons in scope.
Result<bool> ImportRunner::percentGuardHolds(const LifecycleConfig& l, std::size_t inactivating,
                                             std::size_t deleting) {
  int maxPercent = req_.maxPercent.value_or(l.maxPercent);
  auto affected = static_cast<std::int64_t>(inactivating + deleting);
  if (affected == 0) {
    return true;  // the scope's size is read only when there is something to guard
  }
  auto inScope = store().countInScope(job_.name, l.scope);
  if (!inScope) {
    return inScope.error();
  }
  if (affected * 100 > static_cast<std::int64_t>(maxPercent) * *inScope) {
    out_.run.lifecycleReason = "would inactivate " + std::to_string(inactivating) + " and delete " +
                               std::to_string(deleting) + " of " + std::to_string(*inScope) +
                               " patrons in scope, more than max_percent " +
                               std::to_string(maxPercent) + "%";
    return false;
  }
  return true;
}

// The max_percent guard, then the inactivations and deletions: false (nothing written) when
// the guard stops them.
Result<bool> ImportRunner::writeBehindPercentGuard(const LifecycleConfig& l,
                                                   const std::vector<Inactivation>& inactivate,
                                                   const std::vector<Deletion>& remove) {
  auto holds = percentGuardHolds(l, inactivate.size(), remove.size());
  if (!holds || !*holds) {
    return holds;
  }
  if (auto a = store().inactivatePatrons(inactivate); !a) {
    return a.error();
  }
  if (auto d = store().deletePatrons(remove); !d) {
    return d.error();
  }
  return true;
}

// The patron's value of the job's match key.
const std::string& ImportRunner::keyOf(const JobPatron& p) const {
  return keyField_ == PatronField::kBarcode    ? p.barcode
         : keyField_ == PatronField::kUsername ? p.username
                                               : p.districtId;
}

Result<void> ImportRunner::lifecycle() {
  const LifecycleConfig& l = *job_.lifecycle;
  RunCounts& c = out_.run.counts;
  if (!fileGuardsHold(l)) {
    return {};
  }
  std::vector<Inactivation> inactivate;
  std::vector<Deletion> remove;
  std::vector<std::pair<std::string, LifecycleAction>> notes;  // key, rule
  // Only the candidates of the configured rules are read: on a normal night that is the
  // handful who left, not the whole job.
  LifecycleFilter filter;
  filter.notSeen = l.inactivate.has_value();
  filter.inactive = l.deleteInactive.has_value() || l.deleteWithTransactions.has_value();
  if (l.deleteGraduatedSeniors) {
    filter.seniorsThrough = std::to_string(
        statisticalYearStart(req_.now, req_.config->district.statisticalYearStartMonth));
  }
  if (l.deleteWithTransactions &&
      (l.deleteWithTransactions->gradYearYearsAgo || l.deleteWithTransactions->age)) {
    filter.everyone = true;  // these rules can match active patrons seen today
  }
  auto decide = [&](JobPatron&& p) {
    if (!inLifecycleScope(l.scope, p)) {
      return;
    }
    // Seen at this run's time: the patron is in the file just read.
    const bool inFile = !p.lastSeenAt.empty() && p.lastSeenAt >= now_;
    LifecycleAction rule = decideLifecycle(l, job_.options, p, req_.now,
                                           req_.config->district.statisticalYearStartMonth, inFile);
    if (rule == LifecycleAction::kNone) {
      return;
    }
    if (rule == LifecycleAction::kInactivate) {
      inactivate.push_back({p.id, now_, l.inactivate->clearHomeroom, l.inactivate->prefixUsername});
    } else {
      remove.push_back({p.id, out_.run.id, std::string(lifecycleActionName(rule)), now_});
    }
    notes.emplace_back(keyOf(p), rule);
  };
  if (mayHaveCandidates(filter)) {
    if (auto r = store().forEachJobPatron(job_.name, filter, decide); !r) {
      return r;
    }
  }
  auto written = writeBehindPercentGuard(l, inactivate, remove);
  if (!written) {
    return written.error();
  }
  if (!*written) {
    return {};
  }
  c.inactivated = static_cast<std::int64_t>(inactivate.size());
  c.deleted = static_cast<std::int64_t>(remove.size());
  for (const auto& [key, rule] : notes) {
    const bool inactivated = rule == LifecycleAction::kInactivate;
    const std::string name(lifecycleActionName(rule));
    detail_.lifecycle(inactivated ? PatronAction::kInactivated : PatronAction::kDeleted, key, name);
    out_.messages.push_back({Severity::kInfo, 0, key, inactivated ? "INACTIVATED" : "DELETED",
                             inactivated
                                 ? "inactivated: not in the file for more than " +
                                       std::to_string(l.inactivate->notUpdatedDays) + " days"
                                 : "deleted by " + name});
  }
  capMessages();
  out_.run.lifecycleRan = true;
  out_.run.lifecycleReason.clear();
  return {};
}

// The match key of a removed row, or "" (with a warning) when it cannot be told.
std::string ImportRunner::removedKey(const RemovedRow& r) {
  CsvRow row;
  row.line = r.line;
  for (const auto& f : r.fields) {
    row.fields.emplace_back(f);
  }
  MappedRow mapped;
  std::vector<RunMessage> why;
  if (mapper_.keyReadsRaw() && mapper_.keyColumn() < row.fields.size()) {
    if (auto key = trim(row.fields[mapper_.keyColumn()]); !key.empty()) {
      return std::string(key);
    }
  } else if (mapper_.map(row, mapped, why) == RowOutcome::kMapped &&
             !mapped.key(keyField_).empty()) {
    return mapped.key(keyField_);
  }
  out_.messages.push_back({Severity::kWarning, r.line, "", "REMOVED_NO_KEY",
                           "a user marked tobedeleted could not be matched to a patron: its " +
                               std::string(fieldInfo(keyField_).name) +
                               " cannot be read from the row" +
                               (why.empty() ? std::string() : " (" + why.back().text + ")")});
  return "";
}

// The keys of the removed rows (key -> line), without those this run also sends.
std::unordered_map<std::string, std::int64_t> ImportRunner::removedKeys() {
  std::unordered_map<std::string, std::int64_t> lines;
  for (const RemovedRow& r : *req_.removed) {
    std::string key = removedKey(r);
    if (key.empty()) {
      continue;
    }
    // The same person sent again in this run (a new sourcedId for the same key): the source
    // still lists them, so they stay, as rules 2 and 4 keep a patron who is in the file.
    std::uint32_t v = byKey_.find(key);
    if (v != kMissing && ((v & kNewRow) || existing_[v].seenLine != 0)) {
      out_.messages.push_back(
          {Severity::kWarning, r.line, key, "REMOVED_STILL_SENT",
           "a user marked tobedeleted has the key of a user this run also sends (line " +
               std::to_string((v & kNewRow) ? newLines_[v & ~kNewRow] : existing_[v].seenLine) +
               "): not inactivated"});
      continue;
    }
    lines.emplace(std::move(key), r.line);
  }
  return lines;
}

// SPEC section 9: an incremental run's removed rows (a OneRoster delta's tobedeleted users)
// inactivate their patrons of this job as rule 1 would, behind the lifecycle's guards.
Result<void> ImportRunner::inactivateRemoved() {
  const LifecycleConfig defaults;
  const LifecycleConfig& l = job_.lifecycle ? *job_.lifecycle : defaults;
  RunCounts& c = out_.run.counts;
  c.read += static_cast<std::int64_t>(req_.removed->size());
  const auto lines = removedKeys();
  // max_skipped and max_percent guard removals; min_records_read does not: it is sized for
  // a whole file, and a delta is short by nature.
  if (c.skipped >= l.maxSkipped) {
    out_.run.lifecycleReason = "skipped rows " + std::to_string(c.skipped) + " >= max_skipped " +
                               std::to_string(l.maxSkipped);
    return {};
  }
  std::vector<Inactivation> inactivate;
  std::vector<std::pair<std::string, std::int64_t>> notes;  // key, line
  LifecycleFilter everyone;
  everyone.everyone = true;
  auto read = store().forEachJobPatron(job_.name, everyone, [&](JobPatron&& p) {
    const std::string& key = keyOf(p);
    auto it = lines.find(key);
    if (it == lines.end() || p.status != PatronStatus::kActive || !inLifecycleScope(l.scope, p)) {
      return;
    }
    inactivate.push_back({p.id, now_, l.inactivate && l.inactivate->clearHomeroom,
                          l.inactivate && l.inactivate->prefixUsername});
    notes.emplace_back(key, it->second);
  });
  if (!read) {
    return read;
  }
  auto written = writeBehindPercentGuard(l, inactivate, {});
  if (!written) {
    return written.error();
  }
  if (!*written) {
    return {};
  }
  c.inactivated = static_cast<std::int64_t>(inactivate.size());
  for (const auto& [key, line] : notes) {
    detail_.lifecycle(PatronAction::kInactivated, key, "tobedeleted");
    out_.messages.push_back({Severity::kInfo, line, key, "INACTIVATED",
                             "inactivated: the source marks the user tobedeleted"});
  }
  capMessages();
  out_.run.lifecycleRan = true;
  out_.run.lifecycleReason.clear();
  return {};
}

}  // namespace importing
}  // namespace patrond
