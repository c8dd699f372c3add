// The database and its connections, transactions, the schema version, sites, leases and
// homerooms.

#include <algorithm>
#include <set>
#include <tuple>

#include "adapters/memory/memory_state.h"

namespace patrond::memory {

Hold::Hold(Database& db, const void* who) : db_(db) {
  std::unique_lock lock(db_.mutex);
  db_.released.wait(lock, [&] { return db_.holder == nullptr || db_.holder == who; });
  db_.holder = who;
  ++db_.depth;
}

Hold::~Hold() {
  std::lock_guard lock(db_.mutex);
  if (--db_.depth == 0) {
    db_.holder = nullptr;
    db_.released.notify_all();
  }
}

std::shared_ptr<Database> newDatabase() {
  return std::make_shared<Database>();
}

std::unique_ptr<PatronStore> openStore(std::shared_ptr<Database> db) {
  return std::make_unique<MemoryStore>(std::move(db));
}

std::vector<DeletedPatron> deletedPatrons(Database& db) {
  Hold hold(db, &db);
  return db.state.deleted;
}

std::vector<std::size_t> takePatronWrites(Database& db) {
  Hold hold(db, &db);
  return std::exchange(db.state.patronWrites, {});
}

MemoryStore::MemoryStore(std::shared_ptr<Database> db)
    : db_(std::move(db)),
      circulation_(makeCirculationStore(*this)),
      outbox_(makeOutboxStore(*this)),
      alerts_(makeAlertStore(*this)) {}

// A connection closed mid-transaction rolls it back, as a SQL connection's does.
MemoryStore::~MemoryStore() {
  if (transaction_) {
    (void)rollback();
  }
}

Result<int> MemoryStore::schemaVersion() {
  return with("reading the schema version",
              [](State& s) -> Result<int> { return s.schemaVersion; });
}

// Nothing to create: the tables are the containers. The version is recorded so that
// schemaVersion() reads as a migrated SQL database's.
Result<int> MemoryStore::migrate() {
  return with("migrating the schema", [](State& s) -> Result<int> {
    s.schemaVersion = kSchemaVersion;
    return kSchemaVersion;
  });
}

Result<void> MemoryStore::begin() {
  if (transaction_) {
    return Error{"DB", "BEGIN: a transaction is open already", "memory"};
  }
  transaction_ = std::make_unique<Hold>(*db_, this);
  snapshot_ = db_->state;
  return {};
}

Result<void> MemoryStore::commit() {
  if (!transaction_) {
    return Error{"DB", "COMMIT: no transaction is open", "memory"};
  }
  snapshot_.reset();
  transaction_.reset();
  return {};
}

Result<void> MemoryStore::rollback() {
  if (!transaction_) {
    return {};
  }
  db_->state = std::move(*snapshot_);
  snapshot_.reset();
  transaction_.reset();
  return {};
}

Result<void> MemoryStore::syncSites(const std::vector<Site>& sites) {
  return with("saving sites", [&](State& s) -> Result<void> {
    s.sites = sites;
    std::sort(s.sites.begin(), s.sites.end(),
              [](const Site& a, const Site& b) { return a.code < b.code; });
    return {};
  });
}

namespace {

// A lease held by another holder is free when the holder is dead, or when it expired and the
// holder is not seen alive on this host (the SQL adapter's SociStore::leaseIsFree).
bool leaseIsFree(const Lease& lease, const std::string& nowUtc, const HolderCheck& holderState) {
  HolderState state = holderState ? holderState(lease.holder) : HolderState::kElsewhere;
  return state == HolderState::kDead ||
         (state == HolderState::kElsewhere && lease.expiresAt <= nowUtc);
}

}  // namespace

Result<bool> MemoryStore::acquireLease(const std::string& name, const std::string& holder,
                                       const std::string& nowIso, const std::string& untilIso,
                                       const HolderCheck& holderState) {
  return with("taking a lease", [&](State& s) -> Result<bool> {
    auto it = s.leases.find(name);
    if (it == s.leases.end()) {
      s.leases[name] = {holder, untilIso};
      return true;
    }
    if (it->second.holder != holder && !leaseIsFree(it->second, nowIso, holderState)) {
      return false;
    }
    it->second = {holder, untilIso};
    return true;
  });
}

Result<bool> MemoryStore::renewLease(const std::string& name, const std::string& holder,
                                     const std::string& untilIso, const std::string& newHolder) {
  return with("renewing a lease", [&](State& s) -> Result<bool> {
    auto it = s.leases.find(name);
    if (it == s.leases.end() || it->second.holder != holder) {
      return false;
    }
    it->second = {newHolder.empty() ? holder : newHolder, untilIso};
    return true;
  });
}

Result<void> MemoryStore::releaseLease(const std::string& name, const std::string& holder) {
  return with("releasing a lease", [&](State& s) -> Result<void> {
    if (auto it = s.leases.find(name); it != s.leases.end() && it->second.holder == holder) {
      s.leases.erase(it);
    }
    return {};
  });
}

// Mirrors the SQL adapter's homeroomGroups: SELECT site, homeroom, homeroom_teacher_email,
// homeroom_teacher_name, COUNT(*) FROM patrons WHERE status = 'active' AND homeroom <> '' AND
// (persona IS NULL OR persona NOT IN ('teacher', 'staff')) GROUP BY the four.
Result<std::vector<HomeroomStudentGroup>> MemoryStore::homeroomGroups() {
  return with("reading homerooms", [](State& s) -> Result<std::vector<HomeroomStudentGroup>> {
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    std::map<Key, std::int64_t> groups;
    for (const auto& [id, p] : s.patrons) {
      const std::string& persona = p.get(PatronField::kPersona);
      if (p.status != PatronStatus::kActive || p.get(PatronField::kHomeroom).empty() ||
          persona == "teacher" || persona == "staff") {
        continue;
      }
      ++groups[{p.get(PatronField::kSite), p.get(PatronField::kHomeroom),
                p.get(PatronField::kHomeroomTeacherEmail),
                p.get(PatronField::kHomeroomTeacherName)}];
    }
    std::vector<HomeroomStudentGroup> out;
    out.reserve(groups.size());
    for (const auto& [k, n] : groups) {
      out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), n});
    }
    return out;
  });
}

// Mirrors: SELECT site, homeroom, email, first_name, last_name FROM patrons WHERE status =
// 'active' AND persona = 'teacher' AND homeroom <> '' ORDER BY id.
Result<std::vector<TeacherPatron>> MemoryStore::teacherPatrons() {
  return with("reading teachers", [](State& s) -> Result<std::vector<TeacherPatron>> {
    std::vector<TeacherPatron> out;
    for (const auto& [id, p] : s.patrons) {
      if (p.status == PatronStatus::kActive && p.get(PatronField::kPersona) == "teacher" &&
          !p.get(PatronField::kHomeroom).empty()) {
        out.push_back({p.get(PatronField::kSite), p.get(PatronField::kHomeroom),
                       p.get(PatronField::kEmail), p.get(PatronField::kFirstName),
                       p.get(PatronField::kLastName)});
      }
    }
    return out;
  });
}

Result<std::vector<HomeroomOverride>> MemoryStore::homeroomOverrides() {
  return with("reading homeroom settings", [](State& s) -> Result<std::vector<HomeroomOverride>> {
    std::vector<HomeroomOverride> out;
    for (const auto& [key, h] : s.homerooms) {  // by site, then name
      out.push_back(h.settings);
    }
    return out;
  });
}

Result<void> MemoryStore::saveHomeroomOverride(const HomeroomOverride& o, const std::string& at) {
  return with("saving the homeroom", [&](State& s) -> Result<void> {
    auto [it, added] = s.homerooms.try_emplace({o.site, o.name});
    HomeroomOverride& m = it->second.settings;
    if (added) {
      m = o;
    } else {
      // Keys not given keep what an earlier `homerooms set` stored.
      m.teacherEmail = o.teacherEmail ? o.teacherEmail : m.teacherEmail;
      m.teacherName = o.teacherName ? o.teacherName : m.teacherName;
      m.libraryDay = o.libraryDay ? o.libraryDay : m.libraryDay;
      m.notices = o.notices ? o.notices : m.notices;
    }
    it->second.updatedAt = at;
    return {};
  });
}

}  // namespace patrond::memory
