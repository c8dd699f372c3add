// The lifecycle: the job's patrons in scope, inactivation, and deletion with its archive record.

#include <algorithm>

#include "adapters/memory/memory_state.h"
#include "engine/patron_archive.h"

namespace patrond::memory {
namespace {

bool inList(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

// The SQL adapter's forEachJobPatron WHERE: everyone, or any of (seen_in_last_full = 0 AND
// status = 'active'), status = 'inactive', (grade = '12' AND grad_year <= :y); grad_year is
// text, compared as text.
bool selected(const Patron& p, const LifecycleFilter& f) {
  if (f.everyone) {
    return true;
  }
  return (f.notSeen && !p.seenInLastFull && p.status == PatronStatus::kActive) ||
         (f.inactive && p.status == PatronStatus::kInactive) ||
         (!f.seniorsThrough.empty() && p.get(PatronField::kGrade) == "12" &&
          p.get(PatronField::kGradYear) <= f.seniorsThrough);
}

}  // namespace

Result<std::int64_t> MemoryStore::countInScope(const std::string& job,
                                               const LifecycleScope& scope) {
  return with("counting the job's patrons", [&](State& s) -> Result<std::int64_t> {
    std::int64_t n = 0;
    for (const auto& [id, p] : s.patrons) {
      n += p.ownerJob == job && inList(scope.patronTypes, p.get(PatronField::kPatronType)) &&
           inList(scope.accessLevels, p.get(PatronField::kAccessLevel)) &&
           inList(scope.personas, p.get(PatronField::kPersona));
    }
    return n;
  });
}

Result<void> MemoryStore::forEachJobPatron(const std::string& job, const LifecycleFilter& filter,
                                           const std::function<void(JobPatron&&)>& each) {
  if (!filter.everyone && !filter.notSeen && !filter.inactive && filter.seniorsThrough.empty()) {
    return {};
  }
  return with("reading the job's patrons", [&](State& s) -> Result<void> {
    // Open loans and unpaid balances by patron, as the SQL's two grouped subqueries.
    std::map<std::int64_t, std::int64_t> openLoans, unpaid;
    for (const auto& [loanId, l] : s.loans) {
      openLoans[l.patronId] += l.status == "open";
    }
    for (const auto& [fineId, f] : s.fines) {
      unpaid[f.patronId] += f.amountCents - f.paidCents;
    }
    for (const auto& [id, p] : s.patrons) {
      if (p.ownerJob != job || !selected(p, filter)) {
        continue;
      }
      JobPatron j;
      j.id = id;
      j.districtId = p.get(PatronField::kDistrictId);
      j.barcode = p.get(PatronField::kBarcode);
      j.username = p.get(PatronField::kUsername);
      j.patronType = p.get(PatronField::kPatronType);
      j.accessLevel = p.get(PatronField::kAccessLevel);
      j.persona = p.get(PatronField::kPersona);
      j.grade = p.get(PatronField::kGrade);
      j.gradYear = p.get(PatronField::kGradYear);
      j.birthdate = p.get(PatronField::kBirthdate);
      j.status = p.status;
      j.lastSeenAt = effectiveLastSeen(s, p);
      j.inactiveSince = p.inactiveSince;
      j.openLoans = openLoans.contains(id) ? openLoans[id] : 0;
      j.unpaidCents = unpaid.contains(id) ? unpaid[id] : 0;
      each(std::move(j));
    }
    return {};
  });
}

Result<void> MemoryStore::inactivatePatrons(const std::vector<Inactivation>& list) {
  return with("inactivating patrons", [&](State& s) -> Result<void> {
    for (const auto& a : list) {
      auto it = s.patrons.find(a.id);
      if (it == s.patrons.end()) {
        continue;
      }
      Patron& p = it->second;
      p.status = PatronStatus::kInactive;
      p.inactiveSince = a.inactiveSince;
      if (a.clearHomeroom && !p.homeroomPinned) {
        p.get(PatronField::kHomeroom).clear();
      }
      if (a.prefixUsername) {
        p.get(PatronField::kUsername) = inactiveUsername(p.get(PatronField::kUsername));
        p.get(PatronField::kPassword).clear();
      }
    }
    return {};
  });
}

Result<void> MemoryStore::deletePatrons(const std::vector<Deletion>& list) {
  return with("deleting patrons", [&](State& s) -> Result<void> {
    for (const auto& d : list) {
      auto it = s.patrons.find(d.id);
      if (it == s.patrons.end()) {
        continue;
      }
      const Patron p = readPatron(s, it->second);
      std::vector<ArchivedLoan> loans;
      for (auto& [loanId, l] : s.loans) {
        if (l.patronId == d.id && l.status == "open") {
          auto copy = s.copies.find(l.copyId);
          loans.push_back(
              {loanId, copy == s.copies.end() ? "" : copy->second.barcode, l.checkedOutAt, l.due});
          if (copy != s.copies.end()) {
            copy->second.status = "lost";
          }
          l.status = "lost";
          l.lostAt = d.deletedAt;
        }
      }
      std::vector<ArchivedFine> fines;
      for (const auto& [fineId, f] : s.fines) {
        if (f.patronId == d.id) {
          fines.push_back({fineId, f.amountCents, f.paidCents, f.reason, f.createdAt});
        }
      }
      DeletedPatron archived;
      archived.id = ++s.lastId.deleted;
      archived.patronId = d.id;
      archived.runId = d.runId;
      archived.districtId = p.get(PatronField::kDistrictId);
      archived.barcode = p.get(PatronField::kBarcode);
      archived.rule = d.rule;
      archived.deletedAt = d.deletedAt;
      archived.record = archiveRecord(p, loans, fines);
      s.deleted.push_back(std::move(archived));
      s.patrons.erase(it);
    }
    return {};
  });
}

}  // namespace patrond::memory
