// The schema (versioned migrations), the locks held across processes, transactions and sites.

#include <algorithm>
#include <ctime>

#include "adapters/sql/schema.h"
#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

namespace {

constexpr LockName kMigrationLock{7261834, "patrond_migrate"};
constexpr LockName kSitesLock{7261835, "patrond_sites"};

// A section of work under a lock held across processes (Dialect::lock): on SQLite also one
// transaction, committed by commit() and else rolled back.
class ExclusiveSection {
 public:
  ExclusiveSection(soci::session& sql, const Dialect& dialect, LockName name)
      : sql_(sql), dialect_(dialect), name_(name) {
    dialect_.lock(sql_, name_);
  }
  ExclusiveSection(const ExclusiveSection&) = delete;
  ExclusiveSection& operator=(const ExclusiveSection&) = delete;
  void commit() {
    if (dialect_.lockIsTransaction() && !done_) {
      sql_ << "COMMIT";
      done_ = true;
    }
  }
  ~ExclusiveSection() {
    try {
      if (dialect_.lockIsTransaction() && !done_) {
        sql_ << "ROLLBACK";
      }
      dialect_.unlock(sql_, name_);
    } catch (const std::exception&) {
      // The connection is gone; so is the lock.
    }
  }

 private:
  soci::session& sql_;
  const Dialect& dialect_;
  LockName name_;
  bool done_ = false;
};

}  // namespace

std::string SociStore::nowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
#ifdef _WIN32
  gmtime_s(&tm, &t);
#else
  gmtime_r(&t, &tm);
#endif
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

bool SociStore::tableExists(const std::string& table) {
  long long n = 0;
  *sql_ << dialect_.countTablesNamed(), soci::use(table), soci::into(n);
  return n > 0;
}

Result<int> SociStore::schemaVersion() {
  return guard("reading the schema version", [&]() -> Result<int> {
    if (!tableExists("schema_version")) {
      return 0;
    }
    long long v = 0;
    soci::indicator ind = soci::i_ok;
    *sql_ << "SELECT MAX(version) FROM schema_version", soci::into(v, ind);
    return ind == soci::i_null ? 0 : static_cast<int>(v);
  });
}

Result<int> SociStore::migrate() {
  // Most opens find the schema current: check without taking any lock, so commands that
  // only read never block (or are blocked by) a running import.
  if (auto v = schemaVersion(); v && *v == kSchemaVersion) {
    return kSchemaVersion;
  }
  return guard("migrating the schema", [&]() -> Result<int> {
    // Several instances may start at once: one migrates, the others wait, then find the
    // schema current.
    ExclusiveSection lock(*sql_, dialect_, kMigrationLock);
    int current = 0;
    if (tableExists("schema_version")) {
      long long v = 0;
      soci::indicator ind = soci::i_ok;
      *sql_ << "SELECT MAX(version) FROM schema_version", soci::into(v, ind);
      current = ind == soci::i_null ? 0 : static_cast<int>(v);
    }
    if (current > kSchemaVersion) {
      return Error{"DB",
                   "the database schema (version " + std::to_string(current) +
                       ") is newer than this patrond (" + std::to_string(kSchemaVersion) +
                       "): upgrade patrond",
                   backendName(backend_)};
    }
    if (current == kSchemaVersion) {
      return kSchemaVersion;
    }
    if (!tableExists("schema_version")) {
      *sql_ << render(
          "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at {TS}){OPTS}",
          backend_);
    }
    for (const auto& m : migrations(backend_)) {
      if (m.version <= current) {
        continue;
      }
      // MySQL commits DDL implicitly; the version row is written last so a failed
      // migration is retried from its start.
      std::unique_ptr<soci::transaction> tx;
      if (!dialect_.lockIsTransaction()) {
        tx = std::make_unique<soci::transaction>(*sql_);
      }
      for (const auto& st : m.statements) {
        *sql_ << st;
      }
      std::string now = nowIso();
      *sql_ << "INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)",
          soci::use(m.version), soci::use(now);
      if (tx) {
        tx->commit();
      }
    }
    lock.commit();
    return kSchemaVersion;
  });
}

// On SQLite a run takes the write lock when it begins (BEGIN IMMEDIATE): a deferred
// transaction that has read and then wants to write fails at once (SQLITE_BUSY_SNAPSHOT)
// if another process wrote in between; waiting at the start is what busy_timeout covers.
Result<void> SociStore::begin() {
  return guard("BEGIN", [&]() -> Result<void> {
    if (dialect_.isSqlite()) {
      *sql_ << "BEGIN IMMEDIATE";
      changesAtBegin_ = sqlite_api::sqlite3_total_changes64(sqlite());
    } else {
      pgFreeze_ = PgFreeze::kUndecided;
      pgDeferredIndexes_.clear();
      pgIdSequence_.clear();
      sql_->begin();
    }
    return {};
  });
}

Result<void> SociStore::commit() {
  return guard("COMMIT", [&]() -> Result<void> {
    if (dialect_.isSqlite()) {
      changesAtBegin_ = -1;
      *sql_ << "COMMIT";
    } else {
      pgFreeze_ = PgFreeze::kUndecided;
      if (!pgDeferredIndexes_.empty() || !pgIdSequence_.empty()) {
        if (auto built = pgBuildDeferredIndexes(); !built) {
          return built;  // the caller rolls back: the indexes come back with the old table
        }
      }
      sql_->commit();
    }
    return {};
  });
}

Result<void> SociStore::rollback() {
  return guard("ROLLBACK", [&]() -> Result<void> {
    if (dialect_.isSqlite()) {
      changesAtBegin_ = -1;
      *sql_ << "ROLLBACK";
    } else {
      pgFreeze_ = PgFreeze::kUndecided;
      pgDeferredIndexes_.clear();  // dropped inside the transaction: back with the rollback
      pgIdSequence_.clear();       // the ids reserved are skipped
      sql_->rollback();
    }
    return {};
  });
}

Result<void> SociStore::syncSites(const std::vector<Site>& sites) {
  return guard("saving sites", [&]() -> Result<void> {
    std::vector<Site> wanted = sites;
    std::sort(wanted.begin(), wanted.end(),
              [](const Site& a, const Site& b) { return a.code < b.code; });
    if (storedSites() == wanted) {
      return {};  // nothing to write: opening stays read-only
    }
    // Instances started together (or a command beside the service) all find the table
    // stale: one rewrites it at a time, and the others read again and find it current.
    ExclusiveSection lock(*sql_, dialect_, kSitesLock);
    std::unique_ptr<soci::transaction> tx;
    if (!dialect_.lockIsTransaction()) {
      tx = std::make_unique<soci::transaction>(*sql_);
    }
    if (storedSites() == wanted) {
      return {};
    }
    *sql_ << "DELETE FROM sites";
    for (const auto& s : sites) {
      *sql_ << "INSERT INTO sites (code, name, site_type) VALUES (:c, :n, :t)", soci::use(s.code),
          soci::use(s.name), soci::use(s.type);
    }
    if (tx) {
      tx->commit();
    }
    lock.commit();
    return {};
  });
}

std::vector<Site> SociStore::storedSites() {
  std::vector<Site> stored;
  soci::rowset<soci::row> rs =
      (sql_->prepare << "SELECT code, name, site_type FROM sites ORDER BY code");
  for (const auto& r : rs) {
    stored.push_back({getStr(r, 0), getStr(r, 1), getStr(r, 2)});
  }
  return stored;
}

}  // namespace patrond::sql
