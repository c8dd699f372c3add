// Patrons: reads (one, a filtered list, a count, the import's key scan, preserved fields) and
// writes (bulk insert and update, seen flags, barcodes, homeroom pins).

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "adapters/memory/memory_state.h"
#include "engine/patron_archive.h"

namespace patrond::memory {

std::string effectiveLastSeen(const State& s, const Patron& p) {
  if (p.seenInLastFull) {
    if (auto j = s.jobLastFullRun.find(p.ownerJob); j != s.jobLastFullRun.end()) {
      return j->second;
    }
  }
  return p.lastSeenAt;
}

Patron readPatron(const State& s, const Patron& stored) {
  Patron p = stored;
  p.lastSeenAt = effectiveLastSeen(s, stored);
  if (p.updatedAt.empty()) {
    p.updatedAt = p.createdAt;
  }
  return p;
}

const Patron* findStoredPatron(const State& s, const std::string& key) {
  for (PatronField f : {PatronField::kDistrictId, PatronField::kBarcode}) {
    for (const auto& [id, p] : s.patrons) {
      if (!key.empty() && p.get(f) == key) {
        return &p;
      }
    }
  }
  return nullptr;
}

namespace {

// The unique keys (district_id and barcode; an empty one is NULL: any number may lack it).
class UniqueKeys {
 public:
  explicit UniqueKeys(const State& s) {
    for (const auto& [id, p] : s.patrons) {
      add(p);
    }
  }
  void add(const Patron& p) {
    for (std::size_t k = 0; k < 2; ++k) {
      if (!p.get(kFields[k]).empty()) {
        taken_[k][p.get(kFields[k])] = p.id;
      }
    }
  }
  void remove(const Patron& p) {
    for (std::size_t k = 0; k < 2; ++k) {
      auto it = taken_[k].find(p.get(kFields[k]));
      if (it != taken_[k].end() && it->second == p.id) {
        taken_[k].erase(it);
      }
    }
  }
  // The index `p` would break (as PostgreSQL names it), or "" when none.
  std::string conflict(const Patron& p) const {
    for (std::size_t k = 0; k < 2; ++k) {
      auto it = taken_[k].find(p.get(kFields[k]));
      if (!p.get(kFields[k]).empty() && it != taken_[k].end() && it->second != p.id) {
        return std::string(kIndexes[k]) + ": " + p.get(kFields[k]) + " is taken";
      }
    }
    return "";
  }

 private:
  static constexpr PatronField kFields[2] = {PatronField::kDistrictId, PatronField::kBarcode};
  static constexpr const char* kIndexes[2] = {"patrons_district_id", "patrons_barcode"};
  std::unordered_map<std::string, std::int64_t> taken_[2];
};

// "adding patron S40 (line 41)", as the SQL adapter's patronNamed.
std::string patronNamed(const std::string& what, const Patron& p) {
  std::string s = what + " " + p.get(PatronField::kDistrictId);
  if (p.line > 0) {
    s += " (line " + std::to_string(p.line) + ")";
  }
  return s;
}

bool matches(const Patron& p, const PatronFilter& f) {
  return (f.site.empty() || p.get(PatronField::kSite) == f.site) &&
         (f.homeroom.empty() || p.get(PatronField::kHomeroom) == f.homeroom) &&
         (f.patronType.empty() || p.get(PatronField::kPatronType) == f.patronType) &&
         (!f.status || p.status == *f.status) && (f.ownerJob.empty() || p.ownerJob == f.ownerJob);
}

// The columns a homeroom pinned by hand keeps through every update (SPEC section 11).
bool keptWhenPinned(PatronField f) {
  return f == PatronField::kHomeroom || f == PatronField::kHomeroomTeacherEmail ||
         f == PatronField::kHomeroomTeacherName;
}

}  // namespace

Result<std::optional<Patron>> MemoryStore::findPatron(const std::string& key) {
  return with("finding the patron", [&](State& s) -> Result<std::optional<Patron>> {
    const Patron* p = findStoredPatron(s, key);
    return p ? std::optional<Patron>(readPatron(s, *p)) : std::nullopt;
  });
}

// ORDER BY last_name, first_name, id; text compared byte by byte. The selected patrons are
// sorted by pointer first (a patron is read out only when it is handed on).
Result<void> MemoryStore::forEachPatron(const PatronFilter& filter,
                                        const std::function<void(const Patron&)>& each) {
  return with("listing patrons", [&](State& s) -> Result<void> {
    std::vector<const Patron*> selected;
    for (const auto& [id, p] : s.patrons) {
      if (matches(p, filter)) {
        selected.push_back(&p);
      }
    }
    std::stable_sort(selected.begin(), selected.end(), [](const Patron* a, const Patron* b) {
      return std::tie(a->get(PatronField::kLastName), a->get(PatronField::kFirstName)) <
             std::tie(b->get(PatronField::kLastName), b->get(PatronField::kFirstName));
    });
    if (filter.limit > 0 && selected.size() > static_cast<std::size_t>(filter.limit)) {
      selected.resize(static_cast<std::size_t>(filter.limit));
    }
    for (const Patron* p : selected) {
      each(readPatron(s, *p));
    }
    return {};
  });
}

Result<std::int64_t> MemoryStore::countPatrons(const PatronFilter& filter) {
  return with("counting patrons", [&](State& s) -> Result<std::int64_t> {
    return static_cast<std::int64_t>(
        std::count_if(s.patrons.begin(), s.patrons.end(),
                      [&](const auto& e) { return matches(e.second, filter); }));
  });
}

Result<std::int64_t> MemoryStore::patronCountBound() {
  return with("counting patrons", [](State& s) -> Result<std::int64_t> {
    return s.patrons.empty() ? 0 : s.patrons.rbegin()->first - s.patrons.begin()->first + 1;
  });
}

Result<void> MemoryStore::forEachPatronKey(
    PatronField matchOn, const std::string& job,
    const std::function<void(const StoredPatronKey&)>& each) {
  return with("reading patron keys", [&](State& s) -> Result<void> {
    for (const auto& [id, p] : s.patrons) {
      StoredPatronKey k;
      k.id = id;
      k.key = p.get(matchOn);
      k.barcode = p.get(PatronField::kBarcode);
      k.contentHash = p.contentHash;
      k.status = p.status;
      k.ownedByJob = p.ownerJob == job;
      k.seenInLastFull = p.seenInLastFull;
      k.homeroomPinned = p.homeroomPinned;
      each(k);
    }
    return {};
  });
}

Result<void> MemoryStore::readFields(
    const std::vector<std::int64_t>& ids, const std::vector<PatronField>& fields,
    const std::function<void(std::int64_t, std::vector<std::string>&&)>& each) {
  if (ids.empty() || fields.empty()) {
    return {};
  }
  return with("reading preserved fields", [&](State& s) -> Result<void> {
    for (std::int64_t id : ids) {
      auto it = s.patrons.find(id);
      if (it == s.patrons.end()) {
        continue;
      }
      std::vector<std::string> values;
      values.reserve(fields.size());
      for (PatronField f : fields) {
        values.push_back(it->second.get(f));
      }
      each(id, std::move(values));
    }
    return {};
  });
}

// All or nothing per call (a SQL statement's atomicity): a refused row leaves none of the
// call's rows; the caller's transaction decides about earlier calls.
Result<void> MemoryStore::insertPatrons(std::vector<Patron>& patrons) {
  if (patrons.empty()) {
    return {};
  }
  return with("adding patrons", [&](State& s) -> Result<void> {
    s.patronWrites.push_back(patrons.size());
    UniqueKeys keys(s);
    std::int64_t next = s.lastId.patron;
    for (auto& p : patrons) {
      Patron stored = p;
      stored.id = ++next;
      if (std::string why = keys.conflict(stored); !why.empty()) {
        return Error{"DB", patronNamed("adding patron", p) + ": " + why, "memory"};
      }
      keys.add(stored);
    }
    for (auto& p : patrons) {
      p.id = ++s.lastId.patron;
      Patron& stored = s.patrons[p.id] = p;
      stored.line = 0;
    }
    return {};
  });
}

Result<void> MemoryStore::updatePatrons(const std::vector<Patron>& patrons,
                                        const std::vector<PatronField>& columns, bool reactivate) {
  if (patrons.empty()) {
    return {};
  }
  return with("updating patrons", [&](State& s) -> Result<void> {
    s.patronWrites.push_back(patrons.size());
    std::vector<PatronField> cols = columns;
    if (cols.empty()) {
      for (std::size_t i = 0; i < kPatronFieldCount; ++i) {
        cols.push_back(static_cast<PatronField>(i));
      }
    }
    const bool stripPrefix =
        reactivate && std::find(cols.begin(), cols.end(), PatronField::kUsername) == cols.end();
    // Row by row, as SQL updates them; the rows as they were come back on a refusal.
    UniqueKeys keys(s);
    std::vector<Patron> before;
    for (const auto& p : patrons) {
      auto it = s.patrons.find(p.id);
      if (it == s.patrons.end()) {
        continue;  // an UPDATE of no row
      }
      Patron next = it->second;
      for (PatronField f : cols) {
        if (!(keptWhenPinned(f) && next.homeroomPinned)) {
          next.get(f) = p.get(f);
        }
      }
      next.status = p.status;
      next.inactiveSince = p.inactiveSince;
      next.ownerJob = p.ownerJob;
      next.contentHash = p.contentHash;
      next.lastSeenAt = p.lastSeenAt;
      next.seenInLastFull = p.seenInLastFull;
      next.updatedAt = p.updatedAt;
      if (stripPrefix) {
        next.get(PatronField::kUsername) = activeUsername(it->second.get(PatronField::kUsername));
      }
      keys.remove(it->second);
      if (std::string why = keys.conflict(next); !why.empty()) {
        for (auto b = before.rbegin(); b != before.rend(); ++b) {
          s.patrons[b->id] = std::move(*b);
        }
        return Error{"DB", patronNamed("updating patron", p) + ": " + why, "memory"};
      }
      keys.add(next);
      before.push_back(std::exchange(it->second, std::move(next)));
    }
    return {};
  });
}

Result<void> MemoryStore::markSeen(const std::vector<std::int64_t>& ids, bool seen,
                                   const std::string& lastSeenAt) {
  return with("marking patrons seen", [&](State& s) -> Result<void> {
    for (std::int64_t id : ids) {
      if (auto it = s.patrons.find(id); it != s.patrons.end()) {
        it->second.seenInLastFull = seen;
        it->second.lastSeenAt = lastSeenAt;
      }
    }
    return {};
  });
}

Result<void> MemoryStore::clearBarcode(std::int64_t patronId) {
  return with("clearing a barcode", [&](State& s) -> Result<void> {
    if (auto it = s.patrons.find(patronId); it != s.patrons.end()) {
      it->second.get(PatronField::kBarcode).clear();
    }
    return {};
  });
}

Result<void> MemoryStore::setHomeroomPin(std::int64_t patronId,
                                         const std::optional<std::string>& homeroom,
                                         const std::string& at) {
  return with("pinning the homeroom", [&](State& s) -> Result<void> {
    auto it = s.patrons.find(patronId);
    if (it == s.patrons.end()) {
      return {};
    }
    Patron& p = it->second;
    if (homeroom) {
      p.get(PatronField::kHomeroom) = *homeroom;
      p.get(PatronField::kHomeroomTeacherEmail).clear();
      p.get(PatronField::kHomeroomTeacherName).clear();
      p.homeroomPinned = true;
    } else {
      p.homeroomPinned = false;
      p.contentHash = releasedContentHash(p.contentHash);
    }
    p.updatedAt = at;
    return {};
  });
}

}  // namespace patrond::memory
