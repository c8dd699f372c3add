#include "adapters/sql/soci_store.h"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "adapters/config/yaml_config.h"
#include "adapters/sql/schema.h"
#include "adapters/sql/soci_circulation.h"
#include "adapters/sql/soci_common.h"
#include "adapters/sql/soci_outbox.h"
#include "adapters/sql/sqlite_bulk.h"
#include "engine/text.h"

namespace patrond::sql {
namespace {

using namespace sqlite_api;

// SQLite's page cache, negative: in KiB. Bulk imports touch several indexes of a large table:
// 64 MB keeps them in memory instead of spilling to the WAL mid-transaction
// (docs/performance.md).
constexpr int kSqliteCacheKib = -65536;

std::string columnName(PatronField f) {
  return f == PatronField::kPassword ? "password_hash" : std::string(fieldInfo(f).name);
}

// Columns that are unique keys store "" as NULL so several patrons may lack them.
bool nullWhenEmpty(PatronField f) {
  return f == PatronField::kDistrictId || f == PatronField::kBarcode;
}

// Reactivation takes the "Inactive-" prefix (SPEC section 5) off a username column.
std::string withoutInactivePrefix(const std::string& col) {
  return "CASE WHEN " + col + " LIKE 'Inactive-%' THEN SUBSTR(" + col + ", 10) ELSE " + col +
         " END";
}

class SociStore final : public PatronStore {
 public:
  SociStore(DbBackend backend, std::unique_ptr<soci::session> sql)
      : backend_(backend),
        sql_(std::move(sql)),
        circulation_(makeCirculationStore(backend_, *sql_, *this)),
        outbox_(makeOutboxStore(backend_, *sql_, *this)) {}

  CirculationStore& circulation() override { return *circulation_; }
  OutboxStore& outbox() override { return *outbox_; }

  Result<std::vector<HomeroomStudentGroup>> homeroomGroups() override {
    return guard("reading homerooms", [&]() -> Result<std::vector<HomeroomStudentGroup>> {
      std::vector<HomeroomStudentGroup> out;
      soci::rowset<soci::row> rs =
          (sql_->prepare << "SELECT site, homeroom, homeroom_teacher_email, "
                            "homeroom_teacher_name, COUNT(*) FROM patrons WHERE status = "
                            "'active' AND homeroom IS NOT NULL AND homeroom <> '' AND (persona IS "
                            "NULL OR persona NOT IN ('teacher', 'staff')) GROUP BY site, "
                            "homeroom, homeroom_teacher_email, homeroom_teacher_name");
      for (const auto& r : rs) {
        out.push_back({getStr(r, 0), getStr(r, 1), getStr(r, 2), getStr(r, 3), getInt(r, 4)});
      }
      return out;
    });
  }

  Result<std::vector<TeacherPatron>> teacherPatrons() override {
    return guard("reading teachers", [&]() -> Result<std::vector<TeacherPatron>> {
      std::vector<TeacherPatron> out;
      soci::rowset<soci::row> rs =
          (sql_->prepare << "SELECT site, homeroom, email, first_name, last_name FROM patrons "
                            "WHERE status = 'active' AND persona = 'teacher' AND homeroom IS NOT "
                            "NULL AND homeroom <> '' ORDER BY id");
      for (const auto& r : rs) {
        out.push_back({getStr(r, 0), getStr(r, 1), getStr(r, 2), getStr(r, 3), getStr(r, 4)});
      }
      return out;
    });
  }

  // homerooms.notices: 1 on, 0 off, -1 not set by hand; NULL text columns: not set.
  static HomeroomOverride overrideFromRow(const soci::row& r) {
    HomeroomOverride o;
    o.site = getStr(r, 0);
    o.name = getStr(r, 1);
    if (r.get_indicator(2) != soci::i_null) {
      o.teacherEmail = getStr(r, 2);
    }
    if (r.get_indicator(3) != soci::i_null) {
      o.teacherName = getStr(r, 3);
    }
    if (std::string day = getStr(r, 4); !day.empty()) {
      o.libraryDay = std::stoi(day);
    }
    if (long long n = getInt(r, 5); n >= 0) {
      o.notices = n == 1;
    }
    return o;
  }
  static constexpr const char* kOverrideColumns =
      "SELECT site, name, teacher_email, teacher_name, library_day, notices FROM homerooms";

  Result<std::vector<HomeroomOverride>> homeroomOverrides() override {
    return guard("reading homeroom settings", [&]() -> Result<std::vector<HomeroomOverride>> {
      std::vector<HomeroomOverride> out;
      soci::rowset<soci::row> rs =
          (sql_->prepare << std::string(kOverrideColumns) + " ORDER BY site, name");
      for (const auto& r : rs) {
        out.push_back(overrideFromRow(r));
      }
      return out;
    });
  }

  Result<void> saveHomeroomOverride(const HomeroomOverride& o, const std::string& at) override {
    return guard("saving the homeroom", [&]() -> Result<void> {
      // Keys not given keep what an earlier `homerooms set` stored.
      std::optional<HomeroomOverride> before;
      soci::rowset<soci::row> rs =
          (sql_->prepare << std::string(kOverrideColumns) + " WHERE site = :s AND name = :n",
           soci::use(o.site), soci::use(o.name));
      for (const auto& r : rs) {
        before = overrideFromRow(r);
      }
      HomeroomOverride m = o;
      if (before) {
        m.teacherEmail = o.teacherEmail ? o.teacherEmail : before->teacherEmail;
        m.teacherName = o.teacherName ? o.teacherName : before->teacherName;
        m.libraryDay = o.libraryDay ? o.libraryDay : before->libraryDay;
        m.notices = o.notices ? o.notices : before->notices;
      }
      std::string email = m.teacherEmail.value_or(""), name = m.teacherName.value_or(""),
                  day = m.libraryDay ? std::to_string(*m.libraryDay) : "";
      soci::indicator ei = m.teacherEmail ? soci::i_ok : soci::i_null;
      soci::indicator ni = m.teacherName ? soci::i_ok : soci::i_null;
      soci::indicator di = m.libraryDay ? soci::i_ok : soci::i_null;
      int notices = m.notices ? (*m.notices ? 1 : 0) : -1;
      if (before) {
        *sql_ << "UPDATE homerooms SET teacher_email = :e, teacher_name = :n, library_day = :d, "
                 "notices = :o, updated_at = :u WHERE site = :s AND name = :m",
            soci::use(email, ei), soci::use(name, ni), soci::use(day, di), soci::use(notices),
            soci::use(at), soci::use(o.site), soci::use(o.name);
      } else {
        *sql_ << "INSERT INTO homerooms (site, name, teacher_email, teacher_name, library_day, "
                 "notices, updated_at) VALUES (:s, :m, :e, :n, :d, :o, :u)",
            soci::use(o.site), soci::use(o.name), soci::use(email, ei), soci::use(name, ni),
            soci::use(day, di), soci::use(notices), soci::use(at);
      }
      return {};
    });
  }

  template <typename F>
  auto guard(const char* what, F&& f) -> decltype(f()) {
    return guarded(backend_, what, std::forward<F>(f));
  }

  Result<int> schemaVersion() override {
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

  Result<int> migrate() override {
    // Most opens find the schema current: check without taking any lock, so commands that
    // only read never block (or are blocked by) a running import.
    if (auto v = schemaVersion(); v && *v == kSchemaVersion) {
      return kSchemaVersion;
    }
    return guard("migrating the schema", [&]() -> Result<int> {
      // Several instances may start at once: one migrates, the others wait, then find the
      // schema current.
      ExclusiveSection lock(*sql_, backend_, kMigrationLock);
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
        if (backend_ != DbBackend::kSqlite3) {
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

  // A lock held across processes: SQLite's write lock (BEGIN IMMEDIATE, which also makes
  // the whole section one transaction), PostgreSQL's advisory lock, MySQL's named lock.
  struct LockName {
    long long pgKey;
    const char* mysqlName;
  };
  static constexpr LockName kMigrationLock{7261834, "patrond_migrate"};
  static constexpr LockName kSitesLock{7261835, "patrond_sites"};

  class ExclusiveSection {
   public:
    ExclusiveSection(soci::session& sql, DbBackend b, LockName name)
        : sql_(sql), backend_(b), name_(name) {
      switch (b) {
        case DbBackend::kSqlite3:
          sql_ << "BEGIN IMMEDIATE";
          break;
        case DbBackend::kPostgresql:
          sql_ << "SELECT pg_advisory_lock(:k)", soci::use(name_.pgKey);
          break;
        case DbBackend::kMysql: {
          int got = 0;
          std::string lockName = name_.mysqlName;
          sql_ << "SELECT GET_LOCK(:n, 120)", soci::use(lockName), soci::into(got);
          break;
        }
      }
    }
    void commit() {
      if (backend_ == DbBackend::kSqlite3 && !done_) {
        sql_ << "COMMIT";
        done_ = true;
      }
    }
    ~ExclusiveSection() {
      try {
        switch (backend_) {
          case DbBackend::kSqlite3:
            if (!done_) {
              sql_ << "ROLLBACK";
            }
            break;
          case DbBackend::kPostgresql:
            sql_ << "SELECT pg_advisory_unlock(:k)", soci::use(name_.pgKey);
            break;
          case DbBackend::kMysql: {
            int released = 0;
            std::string lockName = name_.mysqlName;
            sql_ << "SELECT RELEASE_LOCK(:n)", soci::use(lockName), soci::into(released);
            break;
          }
        }
      } catch (const std::exception&) {
        // The connection is gone; so is the lock.
      }
    }

   private:
    soci::session& sql_;
    DbBackend backend_;
    LockName name_;
    bool done_ = false;
  };

  // On SQLite a run takes the write lock when it begins (BEGIN IMMEDIATE): a deferred
  // transaction that has read and then wants to write fails at once (SQLITE_BUSY_SNAPSHOT)
  // if another process wrote in between; waiting at the start is what busy_timeout covers.
  Result<void> begin() override {
    return guard("BEGIN", [&]() -> Result<void> {
      if (backend_ == DbBackend::kSqlite3) {
        *sql_ << "BEGIN IMMEDIATE";
        changesAtBegin_ = sqlite3_total_changes64(sqlite());
      } else {
        sql_->begin();
      }
      return {};
    });
  }
  Result<void> commit() override {
    return guard("COMMIT", [&]() -> Result<void> {
      if (backend_ == DbBackend::kSqlite3) {
        changesAtBegin_ = -1;
        *sql_ << "COMMIT";
      } else {
        sql_->commit();
      }
      return {};
    });
  }
  Result<void> rollback() override {
    return guard("ROLLBACK", [&]() -> Result<void> {
      if (backend_ == DbBackend::kSqlite3) {
        changesAtBegin_ = -1;
        *sql_ << "ROLLBACK";
      } else {
        sql_->rollback();
      }
      return {};
    });
  }

  Result<void> syncSites(const std::vector<Site>& sites) override {
    return guard("saving sites", [&]() -> Result<void> {
      std::vector<Site> wanted = sites;
      std::sort(wanted.begin(), wanted.end(),
                [](const Site& a, const Site& b) { return a.code < b.code; });
      if (storedSites() == wanted) {
        return {};  // nothing to write: opening stays read-only
      }
      // Instances started together (or a command beside the service) all find the table
      // stale: one rewrites it at a time, and the others read again and find it current.
      ExclusiveSection lock(*sql_, backend_, kSitesLock);
      std::unique_ptr<soci::transaction> tx;
      if (backend_ != DbBackend::kSqlite3) {
        tx = std::make_unique<soci::transaction>(*sql_);  // SQLite's is the lock's own
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

 private:
  std::vector<Site> storedSites() {
    std::vector<Site> stored;
    soci::rowset<soci::row> rs =
        (sql_->prepare << "SELECT code, name, site_type FROM sites ORDER BY code");
    for (const auto& r : rs) {
      stored.push_back({getStr(r, 0), getStr(r, 1), getStr(r, 2)});
    }
    return stored;
  }

 public:
  Result<std::int64_t> openRun(const ImportRun& run) override {
    return guard("recording the run", [&]() -> Result<std::int64_t> {
      std::string type(updateTypeName(run.type));
      int dry = run.dryRun ? 1 : 0;
      std::string lease = "import:" + run.job;
      std::string status(runStatusName(RunStatus::kRunning));
      std::string sqlText =
          "INSERT INTO import_runs (job, run_type, status, started_at, file, dry_run, "
          "trigger_kind, "
          "lease_name) VALUES (:job, :type, :status, :started, :file, :dry, :trig, :lease)";
      return insertReturningId(*sql_, backend_, "import_runs", sqlText, [&](soci::statement& st) {
        st.exchange(soci::use(run.job));
        st.exchange(soci::use(type));
        st.exchange(soci::use(status));
        st.exchange(soci::use(run.startedAt));
        st.exchange(soci::use(run.file));
        st.exchange(soci::use(dry));
        st.exchange(soci::use(run.trigger));
        st.exchange(soci::use(lease));
      });
    });
  }

  Result<void> closeRun(const ImportRun& run, const std::vector<RunMessage>& messages) override {
    return guard("saving the run summary", [&]() -> Result<void> {
      std::string status(runStatusName(run.status));
      const RunCounts& c = run.counts;
      long long n[10] = {c.read,    c.added,  c.updated,  c.unchanged,   c.reactivated,
                         c.skipped, c.errors, c.warnings, c.inactivated, c.deleted};
      int ran = run.lifecycleRan ? 1 : 0;
      *sql_
          << "UPDATE import_runs SET status = :st, finished_at = :fin, file = :file, n_read = :a, "
             "n_added = :b, n_updated = :c, n_unchanged = :d, n_reactivated = :e, n_skipped = :f, "
             "n_errors = :g, n_warnings = :h, n_inactivated = :i, n_deleted = :j, "
             "lifecycle_ran = :ran, lifecycle_reason = :why WHERE id = :id",
          soci::use(status), soci::use(run.finishedAt), soci::use(run.file), soci::use(n[0]),
          soci::use(n[1]), soci::use(n[2]), soci::use(n[3]), soci::use(n[4]), soci::use(n[5]),
          soci::use(n[6]), soci::use(n[7]), soci::use(n[8]), soci::use(n[9]), soci::use(ran),
          soci::use(run.lifecycleReason), soci::use(static_cast<long long>(run.id));
      if (messages.empty()) {
        return {};
      }
      long long runId = run.id;
      std::string severity, key, code, text;
      long long line = 0;
      soci::statement st = (sql_->prepare << "INSERT INTO run_messages (run_id, severity, line_no, "
                                             "patron_key, code, message_text) VALUES (:r, :s, :l, "
                                             ":k, :c, :t)",
                            soci::use(runId), soci::use(severity), soci::use(line), soci::use(key),
                            soci::use(code), soci::use(text));
      for (const auto& m : messages) {
        severity = std::string(severityName(m.severity));
        line = m.line;
        key = m.key;
        code = m.code;
        text = redactSecrets(m.text);  // a run record never keeps a credential
        st.execute(true);
      }
      return {};
    });
  }

  Result<int> markInterruptedRuns(const std::string& finishedAt, const std::string& nowUtc,
                                  const HolderCheck& holderState) override {
    return guard("marking interrupted runs", [&]() -> Result<int> {
      struct Dead {
        long long id;
        std::string lease, holder, expires;
      };
      std::vector<Dead> dead;
      soci::rowset<soci::row> rs =
          (sql_->prepare
           << "SELECT r.id, r.lease_name, l.holder, l.expires_at FROM import_runs r "
              "LEFT JOIN leases l ON l.name = r.lease_name WHERE r.status = 'running'");
      for (const auto& r : rs) {
        std::string holder = getStr(r, 2);
        std::string expires = getStr(r, 3);
        if (holder.empty() || leaseIsFree(holder, expires, nowUtc, holderState)) {
          dead.push_back({getInt(r, 0), getStr(r, 1), holder, expires});
        }
      }
      for (auto& d : dead) {
        *sql_ << "UPDATE import_runs SET status = 'interrupted', finished_at = :t WHERE id = :id",
            soci::use(finishedAt), soci::use(d.id);
        if (!d.holder.empty()) {
          // Only the lease as it was judged: one taken over meanwhile stays.
          *sql_ << "DELETE FROM leases WHERE name = :n AND holder = :h AND expires_at = :e",
              soci::use(d.lease), soci::use(d.holder), soci::use(d.expires);
        }
      }
      return static_cast<int>(dead.size());
    });
  }

  static ImportRun runFromRow(const soci::row& r) {
    ImportRun run;
    run.id = getInt(r, 0);
    run.job = getStr(r, 1);
    run.type = getStr(r, 2) == "full" ? UpdateType::kFull : UpdateType::kIncremental;
    run.status = runStatusByName(getStr(r, 3)).value_or(RunStatus::kRunning);
    run.startedAt = getStr(r, 4);
    run.finishedAt = getStr(r, 5);
    run.file = getStr(r, 6);
    run.dryRun = getInt(r, 7) != 0;
    run.trigger = getStr(r, 8);
    RunCounts& c = run.counts;
    std::int64_t* n[10] = {&c.read,    &c.added,  &c.updated,  &c.unchanged,   &c.reactivated,
                           &c.skipped, &c.errors, &c.warnings, &c.inactivated, &c.deleted};
    for (size_t i = 0; i < 10; ++i) {
      *n[i] = getInt(r, 9 + i);
    }
    run.lifecycleRan = getInt(r, 19) != 0;
    run.lifecycleReason = getStr(r, 20);
    return run;
  }
  static constexpr const char* kRunColumns =
      "id, job, run_type, status, started_at, finished_at, file, dry_run, trigger_kind, n_read, "
      "n_added, n_updated, n_unchanged, n_reactivated, n_skipped, n_errors, n_warnings, "
      "n_inactivated, n_deleted, lifecycle_ran, lifecycle_reason";

  Result<std::vector<ImportRun>> listRuns(const std::string& job, int limit) override {
    return guard("listing runs", [&]() -> Result<std::vector<ImportRun>> {
      std::vector<ImportRun> out;
      std::string q = std::string("SELECT ") + kRunColumns + " FROM import_runs";
      if (!job.empty()) {
        q += " WHERE job = :job";
      }
      q += " ORDER BY id DESC LIMIT " + std::to_string(limit > 0 ? limit : 1000000);
      soci::rowset<soci::row> rs =
          job.empty() ? (sql_->prepare << q) : (sql_->prepare << q, soci::use(job));
      for (const auto& r : rs) {
        out.push_back(runFromRow(r));
      }
      return out;
    });
  }

  Result<std::optional<ImportRun>> findRun(std::int64_t id) override {
    return guard("reading the run", [&]() -> Result<std::optional<ImportRun>> {
      long long lid = id;
      soci::rowset<soci::row> rs = (sql_->prepare << std::string("SELECT ") + kRunColumns +
                                                         " FROM import_runs WHERE id = :id",
                                    soci::use(lid));
      for (const auto& r : rs) {
        return std::optional<ImportRun>(runFromRow(r));
      }
      return std::optional<ImportRun>();
    });
  }

  Result<std::vector<RunMessage>> runMessages(std::int64_t runId, bool errorsOnly) override {
    return guard("reading run messages", [&]() -> Result<std::vector<RunMessage>> {
      std::vector<RunMessage> out;
      long long id = runId;
      std::string q =
          "SELECT severity, line_no, patron_key, code, message_text FROM run_messages "
          "WHERE run_id = :id";
      if (errorsOnly) {
        q += " AND severity = 'error'";
      }
      q += " ORDER BY id";
      soci::rowset<soci::row> rs = (sql_->prepare << q, soci::use(id));
      for (const auto& r : rs) {
        RunMessage m;
        std::string s = getStr(r, 0);
        m.severity = s == "error"     ? Severity::kError
                     : s == "warning" ? Severity::kWarning
                                      : Severity::kInfo;
        m.line = getInt(r, 1);
        m.key = getStr(r, 2);
        m.code = getStr(r, 3);
        m.text = getStr(r, 4);
        out.push_back(std::move(m));
      }
      return out;
    });
  }

  Result<int> trimRuns(const std::string& job, int keep) override {
    return guard("trimming old runs", [&]() -> Result<int> {
      std::vector<long long> ids;
      soci::rowset<soci::row> rs =
          (sql_->prepare << "SELECT id FROM import_runs WHERE job = :job AND status <> 'running' "
                            "ORDER BY id DESC",
           soci::use(job));
      int seen = 0;
      for (const auto& r : rs) {
        if (++seen > keep) {
          ids.push_back(getInt(r, 0));
        }
      }
      for (long long id : ids) {
        *sql_ << "DELETE FROM run_messages WHERE run_id = :id", soci::use(id);
        *sql_ << "DELETE FROM import_runs WHERE id = :id", soci::use(id);
      }
      return static_cast<int>(ids.size());
    });
  }

  // Columns every patron SELECT returns, in patronFromRow() order; the effective last seen
  // time is the job's last full run while the patron was in it.
  std::string selectPatrons() const {
    std::string q = "SELECT p.id";
    for (size_t i = 0; i < kPatronFieldCount; ++i) {
      q += ", p." + columnName(static_cast<PatronField>(i));
    }
    q += ", p.status, p.owner_job, CASE WHEN p.seen_in_last_full = 1 AND j.last_full_run_at IS NOT "
         "NULL THEN j.last_full_run_at ELSE p.last_seen_at END, p.inactive_since, p.content_hash, "
         "p.created_at, COALESCE(p.updated_at, p.created_at), p.seen_in_last_full FROM patrons p "
         "LEFT JOIN jobs j ON "
         "j.name = p.owner_job";
    return q;
  }

  Patron patronFromRow(const soci::row& r) const {
    Patron p;
    p.id = getInt(r, 0);
    for (size_t i = 0; i < kPatronFieldCount; ++i) {
      p.values[i] = getStr(r, 1 + i);
    }
    size_t k = 1 + kPatronFieldCount;
    p.status = getStr(r, k) == "inactive" ? PatronStatus::kInactive : PatronStatus::kActive;
    p.ownerJob = getStr(r, k + 1);
    p.lastSeenAt = getStr(r, k + 2);
    p.inactiveSince = getStr(r, k + 3);
    p.contentHash = getStr(r, k + 4);
    p.createdAt = getStr(r, k + 5);
    p.updatedAt = getStr(r, k + 6);
    p.seenInLastFull = getInt(r, k + 7) != 0;
    return p;
  }

  Result<std::optional<Patron>> findPatron(const std::string& key) override {
    return guard("finding the patron", [&]() -> Result<std::optional<Patron>> {
      // District id first: a barcode that equals another patron's district id must not win.
      for (const char* col : {"p.district_id", "p.barcode"}) {
        soci::rowset<soci::row> rs =
            (sql_->prepare << selectPatrons() + " WHERE " + col + " = :k", soci::use(key));
        for (const auto& r : rs) {
          return std::optional<Patron>(patronFromRow(r));
        }
      }
      return std::optional<Patron>();
    });
  }

  // Empty without a filter: SQLite counts a whole table page by page (each page knows how many
  // rows it holds), but steps through every row for a `WHERE 1 = 1` (50 ms per million).
  std::string whereClause(const PatronFilter& f) const {
    std::string w;
    auto add = [&w](const char* condition) {
      w += w.empty() ? " WHERE " : " AND ";
      w += condition;
    };
    if (!f.site.empty()) {
      add("p.site = :site");
    }
    if (!f.homeroom.empty()) {
      add("p.homeroom = :homeroom");
    }
    if (!f.patronType.empty()) {
      add("p.patron_type = :ptype");
    }
    if (f.status) {
      add("p.status = :status");
    }
    if (!f.ownerJob.empty()) {
      add("p.owner_job = :owner");
    }
    return w;
  }

  void bindFilter(soci::statement& st, const PatronFilter& f, std::string& status) const {
    if (!f.site.empty()) {
      st.exchange(soci::use(f.site));
    }
    if (!f.homeroom.empty()) {
      st.exchange(soci::use(f.homeroom));
    }
    if (!f.patronType.empty()) {
      st.exchange(soci::use(f.patronType));
    }
    if (f.status) {
      status = std::string(statusName(*f.status));
      st.exchange(soci::use(status));
    }
    if (!f.ownerJob.empty()) {
      st.exchange(soci::use(f.ownerJob));
    }
  }

  Result<std::vector<Patron>> listPatrons(const PatronFilter& f) override {
    return guard("listing patrons", [&]() -> Result<std::vector<Patron>> {
      std::vector<Patron> out;
      std::string q =
          selectPatrons() + whereClause(f) + " ORDER BY p.last_name, p.first_name, p.id";
      if (f.limit > 0) {
        q += " LIMIT " + std::to_string(f.limit);
      }
      soci::row r;
      soci::statement st(*sql_);
      std::string status;
      st.alloc();
      bindFilter(st, f, status);
      st.exchange(soci::into(r));
      st.prepare(q);
      st.define_and_bind();
      st.execute(false);
      while (st.fetch()) {
        out.push_back(patronFromRow(r));
      }
      return out;
    });
  }

  Result<std::int64_t> countPatrons(const PatronFilter& f) override {
    return guard("counting patrons", [&]() -> Result<std::int64_t> {
      long long n = 0;
      soci::statement st(*sql_);
      std::string status;
      st.alloc();
      bindFilter(st, f, status);
      st.exchange(soci::into(n));
      st.prepare("SELECT COUNT(*) FROM patrons p" + whereClause(f));
      st.define_and_bind();
      st.execute(true);
      return static_cast<std::int64_t>(n);
    });
  }

  Result<void> forEachPatronKey(PatronField matchOn, const std::string& job,
                                const std::function<void(const StoredPatronKey&)>& each) override {
    return guard("reading patron keys", [&]() -> Result<void> {
      // Status and ownership are decided in the query: no string per row for either.
      std::string q = "SELECT id, " + columnName(matchOn) +
                      ", barcode, content_hash, CASE WHEN status = 'inactive' THEN 1 ELSE 0 END, "
                      "CASE WHEN owner_job = :job THEN 1 ELSE 0 END, seen_in_last_full "
                      "FROM patrons";
      auto deliver = [&](StoredPatronKey& k, long long inactive, long long owned, long long seen) {
        k.status = inactive != 0 ? PatronStatus::kInactive : PatronStatus::kActive;
        k.ownedByJob = owned != 0;
        k.seenInLastFull = seen != 0;
        each(k);
      };
      if (backend_ == DbBackend::kSqlite3) {
        // A whole-table scan goes through a small page cache (as PostgreSQL's ring buffer
        // for sequential scans): filling the 64 MB cache with pages read once costs page
        // faults and memory, and the writes that follow want other pages anyway.
        *sql_ << "PRAGMA cache_size = -2048";
        struct RestoreCache {
          soci::session& s;
          ~RestoreCache() {
            try {
              s << "PRAGMA cache_size = " + std::to_string(kSqliteCacheKib);
            } catch (...) {  // a pragma on an open connection; nothing to undo
            }
          }
        } restore{*sql_};
        auto scan = [&](sqlite3* db, const std::string& where, long long split,
                        const std::function<void(SqliteStatement&)>& row) {
          SqliteStatement st(db, nativeParams(q + where));
          if (st.ok()) {
            st.text(1, job);
            if (!where.empty()) {
              st.integer(2, split);
            }
          }
          while (st.ok() && st.next()) {
            row(st);
          }
          return st.error();
        };
        auto here = [&](SqliteStatement& st) {
          StoredPatronKey k;
          k.id = st.columnInt(0);
          k.key = st.columnView(1);
          k.barcode = st.columnView(2);
          k.contentHash = st.columnView(3);
          deliver(k, st.columnInt(4), st.columnInt(5), st.columnInt(6));
        };
        std::string error;
        std::optional<KeyScanSplit> split = keyScanSplit();
        ScannedKeys upper;
        std::jthread helper;  // joined however this scope is left
        if (split) {
          try {
            helper = std::jthread([&] {
              upper.error = scanOnSecondConnection(split->file, [&](sqlite3* db) {
                return scan(db, " WHERE id > :split", split->at, upper.add(split->upperIds));
              });
            });
          } catch (const std::system_error&) {
            split.reset();  // no thread to be had: one scan here
          }
        }
        if (split) {
          // The upper half of the ids on the second connection, the lower half here; the
          // upper rows are handed over after, in id order as from one scan. If the second
          // connection failed, this one reads the upper half too.
          error = scan(sqlite(), " WHERE id <= :split", split->at, here);
          helper.join();
          if (upper.error.empty()) {
            upper.replay(deliver);
          } else if (error.empty()) {
            error = scan(sqlite(), " WHERE id > :split", split->at, here);
          }
        } else {
          error = scan(sqlite(), "", 0, here);
        }
        if (!error.empty()) {
          return Error{"DB", "reading patron keys: " + error, "sqlite3"};
        }
        return {};
      }
      soci::rowset<soci::row> rs = (sql_->prepare << q, soci::use(job, "job"));
      for (const auto& r : rs) {
        std::string key = getStr(r, 1), barcode = getStr(r, 2), hash = getStr(r, 3);
        StoredPatronKey k;
        k.id = getInt(r, 0);
        k.key = key;
        k.barcode = barcode;
        k.contentHash = hash;
        deliver(k, getInt(r, 4), getInt(r, 5), getInt(r, 6));
      }
      return {};
    });
  }

  Result<void> readFields(
      const std::vector<std::int64_t>& ids, const std::vector<PatronField>& fields,
      const std::function<void(std::int64_t, std::vector<std::string>&&)>& each) override {
    if (ids.empty() || fields.empty()) {
      return {};
    }
    return guard("reading preserved fields", [&]() -> Result<void> {
      constexpr size_t kBatch = 500;
      std::string cols;
      for (PatronField f : fields) {
        cols += ", " + columnName(f);
      }
      for (size_t start = 0; start < ids.size(); start += kBatch) {
        size_t n = std::min(kBatch, ids.size() - start);
        std::string q = "SELECT id" + cols + " FROM patrons WHERE id IN (";
        for (size_t i = 0; i < n; ++i) {
          q += (i ? ", " : "") + std::to_string(ids[start + i]);  // integers from the database
        }
        q += ")";
        soci::rowset<soci::row> rs = (sql_->prepare << q);
        for (const auto& r : rs) {
          std::vector<std::string> values;
          for (size_t i = 0; i < fields.size(); ++i) {
            values.push_back(getStr(r, 1 + i));
          }
          each(getInt(r, 0), std::move(values));
        }
      }
      return {};
    });
  }

  // The bookkeeping columns written with every patron after its field columns.
  static constexpr const char* kMetaColumns[] = {
      "status",       "inactive_since",    "owner_job", "content_hash",
      "last_seen_at", "seen_in_last_full", "updated_at"};

  Result<void> insertPatrons(std::vector<Patron>& patrons) override {
    if (patrons.empty()) {
      return {};
    }
    return guard("adding patrons", [&]() -> Result<void> {
      // Only the fields some patron of the batch has: an import maps a dozen of the 28, and
      // binding the rest as empty for every row cost the writer a fifth of its time
      // (docs/performance.md). A column left out is NULL, which reads as empty like ''.
      std::vector<PatronField> all;
      for (size_t i = 0; i < kPatronFieldCount; ++i) {
        auto f = static_cast<PatronField>(i);
        if (std::any_of(patrons.begin(), patrons.end(),
                        [f](const Patron& p) { return !p.get(f).empty(); })) {
          all.push_back(f);
        }
      }
      std::string cols;
      for (PatronField f : all) {
        cols += columnName(f) + ", ";
      }
      for (const char* m : kMetaColumns) {
        cols += std::string(m) + ", ";
      }
      cols += "created_at";
      size_t perRow = all.size() + std::size(kMetaColumns) + 1;
      if (backend_ == DbBackend::kSqlite3) {
        return sqliteInsert(patrons, all, cols, perRow);
      }
      return multiRow(
          patrons,
          [&](size_t rows) {
            std::string q = "INSERT INTO patrons (" + cols + ") VALUES ";
            size_t n = 0;
            for (size_t r = 0; r < rows; ++r) {
              q += r ? ", (" : "(";
              for (size_t c = 0; c < perRow; ++c) {
                q += (c ? ", :p" : ":p") + std::to_string(n++);
              }
              q += ")";
            }
            return q;
          },
          [&](soci::statement& st, const Patron& p, std::vector<soci::indicator>& ind,
              std::vector<std::string>& scratch) {
            for (PatronField f : all) {
              ind.push_back(nullWhenEmpty(f) && p.get(f).empty() ? soci::i_null : soci::i_ok);
              st.exchange(soci::use(p.get(f), ind.back()));
            }
            useMeta(st, p, ind, scratch);
            ind.push_back(soci::i_ok);
            st.exchange(soci::use(p.createdAt, ind.back()));
          },
          perRow);
    });
  }

  Result<void> updatePatrons(const std::vector<Patron>& patrons,
                             const std::vector<PatronField>& columns, bool reactivate) override {
    if (patrons.empty()) {
      return {};
    }
    return guard("updating patrons", [&]() -> Result<void> {
      std::vector<PatronField> cols = columns;
      if (cols.empty()) {
        for (size_t i = 0; i < kPatronFieldCount; ++i) {
          cols.push_back(static_cast<PatronField>(i));
        }
      }
      bool stripPrefix =
          reactivate && std::find(cols.begin(), cols.end(), PatronField::kUsername) == cols.end();

      if (backend_ == DbBackend::kSqlite3) {
        return sqliteUpdate(patrons, cols, stripPrefix);
      }
      // One statement per batch: a derived table of new values joined on id.
      std::vector<std::string> names{"id"};
      for (PatronField f : cols) {
        names.push_back(columnName(f));
      }
      for (const char* m : kMetaColumns) {
        names.push_back(m);
      }
      size_t perRow = names.size();
      auto setList = [&](const std::string& target) {
        std::string set;
        for (size_t c = 1; c < names.size(); ++c) {
          std::string v = "v." + names[c];
          if (names[c] == "seen_in_last_full") {
            v = backend_ == DbBackend::kPostgresql ? "CAST(" + v + " AS INTEGER)" : v;
          }
          set += (c > 1 ? ", " : "") +
                 (backend_ == DbBackend::kMysql ? target + "." : std::string()) + names[c] + " = " +
                 v;
        }
        if (stripPrefix) {
          std::string col = backend_ == DbBackend::kMysql ? target + ".username" : "username";
          set += ", " + col + " = " + withoutInactivePrefix(col);
        }
        return set;
      };
      return multiRow(
          patrons,
          [&](size_t rows) {
            size_t n = 0;
            std::string values;
            if (backend_ == DbBackend::kPostgresql) {
              for (size_t r = 0; r < rows; ++r) {
                values += r ? ", (" : "(";
                for (size_t c = 0; c < perRow; ++c) {
                  values += (c ? ", :p" : ":p") + std::to_string(n++);
                }
                values += ")";
              }
              std::string names_;
              for (size_t c = 0; c < names.size(); ++c) {
                names_ += (c ? ", " : "") + names[c];
              }
              return "UPDATE patrons AS p SET " + setList("p") + " FROM (VALUES " + values +
                     ") AS v(" + names_ + ") WHERE p.id = CAST(v.id AS BIGINT)";
            }
            for (size_t r = 0; r < rows; ++r) {
              values += r ? " UNION ALL SELECT " : "SELECT ";
              for (size_t c = 0; c < perRow; ++c) {
                values +=
                    (c ? ", :p" : ":p") + std::to_string(n++) + (r == 0 ? " AS " + names[c] : "");
              }
            }
            return "UPDATE patrons p JOIN (" + values + ") v ON p.id = v.id SET " + setList("p");
          },
          [&](soci::statement& st, const Patron& p, std::vector<soci::indicator>& ind,
              std::vector<std::string>& scratch) {
            scratch.push_back(std::to_string(p.id));
            ind.push_back(soci::i_ok);
            st.exchange(soci::use(scratch.back(), ind.back()));
            for (PatronField f : cols) {
              ind.push_back(nullWhenEmpty(f) && p.get(f).empty() ? soci::i_null : soci::i_ok);
              st.exchange(soci::use(p.get(f), ind.back()));
            }
            useMeta(st, p, ind, scratch);
          },
          perRow);
    });
  }

  Result<void> markSeen(const std::vector<std::int64_t>& ids, bool seen,
                        const std::string& lastSeenAt) override {
    if (ids.empty()) {
      return {};
    }
    return guard("marking patrons seen", [&]() -> Result<void> {
      int flag = seen ? 1 : 0;
      constexpr size_t kBatch = 500;
      for (size_t start = 0; start < ids.size(); start += kBatch) {
        size_t n = std::min(kBatch, ids.size() - start);
        std::string q =
            "UPDATE patrons SET seen_in_last_full = :s, last_seen_at = :t WHERE id IN (";
        std::vector<long long> vals(ids.begin() + static_cast<long>(start),
                                    ids.begin() + static_cast<long>(start + n));
        for (size_t i = 0; i < n; ++i) {
          q += (i ? ", :i" : ":i") + std::to_string(i);
        }
        q += ")";
        soci::statement st(*sql_);
        st.alloc();
        st.exchange(soci::use(flag));
        st.exchange(soci::use(lastSeenAt));
        for (auto& v : vals) {
          st.exchange(soci::use(v));
        }
        st.prepare(q);
        st.define_and_bind();
        st.execute(true);
      }
      return {};
    });
  }

  Result<std::string> jobLastFullRun(const std::string& job) override {
    return guard("reading the job", [&]() -> Result<std::string> {
      soci::rowset<soci::row> rs =
          (sql_->prepare << "SELECT last_full_run_at FROM jobs WHERE name = :n", soci::use(job));
      for (const auto& r : rs) {
        return getStr(r, 0);
      }
      return std::string();
    });
  }

  Result<void> setJobLastFullRun(const std::string& job, const std::string& at) override {
    return guard("saving the job", [&]() -> Result<void> {
      soci::statement up =
          (sql_->prepare << "UPDATE jobs SET last_full_run_at = :t WHERE name = :n", soci::use(at),
           soci::use(job));
      up.execute(true);
      if (up.get_affected_rows() == 0) {
        *sql_ << "INSERT INTO jobs (name, last_full_run_at) VALUES (:n, :t)", soci::use(job),
            soci::use(at);
      }
      return {};
    });
  }

  Result<std::int64_t> countInScope(const std::string& job, const LifecycleScope& scope) override {
    return guard("counting the job's patrons", [&]() -> Result<std::int64_t> {
      std::string q = "SELECT COUNT(*) FROM patrons WHERE owner_job = :job";
      std::vector<const std::string*> values;
      int n = 0;
      for (auto [column, list] : {std::pair{"patron_type", &scope.patronTypes},
                                  std::pair{"access_level", &scope.accessLevels},
                                  std::pair{"persona", &scope.personas}}) {
        if (list->empty()) {
          continue;
        }
        q += std::string(" AND ") + column + " IN (";
        for (size_t i = 0; i < list->size(); ++i) {
          q += (i ? ", :s" : ":s") + std::to_string(n++);
          values.push_back(&(*list)[i]);
        }
        q += ")";
      }
      long long count = 0;
      soci::statement st(*sql_);
      st.alloc();
      st.exchange(soci::use(job));
      for (const std::string* v : values) {
        st.exchange(soci::use(*v));
      }
      st.exchange(soci::into(count));
      st.prepare(q);
      st.define_and_bind();
      st.execute(true);
      return static_cast<std::int64_t>(count);
    });
  }

  Result<void> forEachJobPatron(const std::string& job, const LifecycleFilter& filter,
                                const std::function<void(JobPatron&&)>& each) override {
    std::string where;
    if (!filter.everyone) {
      std::vector<std::string> any;
      if (filter.notSeen) {
        any.push_back("(p.seen_in_last_full = 0 AND p.status = 'active')");
      }
      if (filter.inactive) {
        any.push_back("p.status = 'inactive'");
      }
      if (!filter.seniorsThrough.empty()) {
        any.push_back("(p.grade = '12' AND p.grad_year <= :y)");
      }
      if (any.empty()) {
        return {};
      }
      where = " AND (";
      for (size_t i = 0; i < any.size(); ++i) {
        where += (i ? " OR " : "") + any[i];
      }
      where += ")";
    }
    return guard("reading the job's patrons", [&]() -> Result<void> {
      std::string q =
          "SELECT p.id, p.district_id, p.barcode, p.username, p.patron_type, p.access_level, "
          "p.persona, p.grade, p.grad_year, p.birthdate, p.status, CASE WHEN "
          "p.seen_in_last_full = 1 AND j.last_full_run_at IS NOT NULL THEN "
          "j.last_full_run_at ELSE p.last_seen_at END, p.inactive_since, "
          "COALESCE(l.n, 0), COALESCE(f.owed, 0) FROM patrons p "
          "LEFT JOIN jobs j ON j.name = p.owner_job "
          "LEFT JOIN (SELECT patron_id, COUNT(*) AS n FROM loans WHERE status = 'open' "
          "GROUP BY patron_id) l ON l.patron_id = p.id "
          "LEFT JOIN (SELECT patron_id, SUM(amount_cents - paid_cents) AS owed FROM fines "
          "GROUP BY patron_id) f ON f.patron_id = p.id WHERE p.owner_job = :job" +
          where;
      soci::statement st(*sql_);
      soci::row r;
      st.alloc();
      st.exchange(soci::use(job));
      if (!filter.everyone && !filter.seniorsThrough.empty()) {
        st.exchange(soci::use(filter.seniorsThrough));
      }
      st.exchange(soci::into(r));
      st.prepare(q);
      st.define_and_bind();
      st.execute(false);
      while (st.fetch()) {
        JobPatron p;
        p.id = getInt(r, 0);
        p.districtId = getStr(r, 1);
        p.barcode = getStr(r, 2);
        p.username = getStr(r, 3);
        p.patronType = getStr(r, 4);
        p.accessLevel = getStr(r, 5);
        p.persona = getStr(r, 6);
        p.grade = getStr(r, 7);
        p.gradYear = getStr(r, 8);
        p.birthdate = getStr(r, 9);
        p.status = getStr(r, 10) == "inactive" ? PatronStatus::kInactive : PatronStatus::kActive;
        p.lastSeenAt = getStr(r, 11);
        p.inactiveSince = getStr(r, 12);
        p.openLoans = getInt(r, 13);
        p.unpaidCents = getInt(r, 14);
        each(std::move(p));
      }
      return {};
    });
  }

  Result<void> inactivatePatrons(const std::vector<Inactivation>& list) override {
    if (list.empty()) {
      return {};
    }
    return guard("inactivating patrons", [&]() -> Result<void> {
      long long id = 0;
      int clear = 0, prefix = 0;
      std::string since;
      soci::statement st =
          (sql_->prepare << "UPDATE patrons SET status = 'inactive', inactive_since = :t, "
                            "homeroom = CASE WHEN :c = 1 THEN '' ELSE homeroom END, "
                            "username = CASE WHEN :p = 1 AND username <> '' AND username NOT LIKE "
                            "'Inactive-%' THEN 'Inactive-' || username ELSE username END, "
                            "password_hash = CASE WHEN :p2 = 1 THEN NULL ELSE password_hash END "
                            "WHERE id = :id",
           soci::use(since), soci::use(clear), soci::use(prefix), soci::use(prefix), soci::use(id));
      for (const auto& a : list) {
        id = a.id;
        since = a.inactiveSince;
        clear = a.clearHomeroom ? 1 : 0;
        prefix = a.prefixUsername ? 1 : 0;
        st.execute(true);
      }
      return {};
    });
  }

  Result<void> deletePatrons(const std::vector<Deletion>& list) override {
    if (list.empty()) {
      return {};
    }
    return guard("deleting patrons", [&]() -> Result<void> {
      for (const auto& d : list) {
        long long id = d.id;
        long long runId = d.runId;
        std::optional<Patron> p;
        soci::rowset<soci::row> rs =
            (sql_->prepare << selectPatrons() + " WHERE p.id = :id", soci::use(id));
        for (const auto& r : rs) {
          p = patronFromRow(r);
        }
        if (!p) {
          continue;
        }
        nlohmann::json record;
        for (size_t i = 0; i < kPatronFieldCount; ++i) {
          auto f = static_cast<PatronField>(i);
          if (f != PatronField::kPassword) {
            record[std::string(fieldInfo(f).name)] = p->values[i];
          }
        }
        record["status"] = std::string(statusName(p->status));
        record["owner_job"] = p->ownerJob;
        record["last_seen_at"] = p->lastSeenAt;
        record["inactive_since"] = p->inactiveSince;
        record["loans"] = nlohmann::json::array();
        soci::rowset<soci::row> loans =
            (sql_->prepare << "SELECT l.id, c.barcode, l.checked_out_at, l.due_date FROM loans l "
                              "LEFT JOIN copies c ON c.id = l.copy_id WHERE l.patron_id = :id AND "
                              "l.status = 'open'",
             soci::use(id));
        for (const auto& r : loans) {
          record["loans"].push_back({{"loan_id", getInt(r, 0)},
                                     {"copy", getStr(r, 1)},
                                     {"checked_out_at", getStr(r, 2)},
                                     {"due", getStr(r, 3)}});
        }
        record["fines"] = nlohmann::json::array();
        soci::rowset<soci::row> fines =
            (sql_->prepare << "SELECT id, amount_cents, paid_cents, reason, created_at FROM fines "
                              "WHERE patron_id = :id",
             soci::use(id));
        for (const auto& r : fines) {
          record["fines"].push_back({{"fine_id", getInt(r, 0)},
                                     {"amount_cents", getInt(r, 1)},
                                     {"paid_cents", getInt(r, 2)},
                                     {"reason", getStr(r, 3)},
                                     {"created_at", getStr(r, 4)}});
        }
        std::string text = record.dump();
        std::string districtId = p->get(PatronField::kDistrictId);
        std::string barcode = p->get(PatronField::kBarcode);
        *sql_ << "INSERT INTO deleted_patrons (patron_id, district_id, barcode, record, run_id, "
                 "rule_name, deleted_at) VALUES (:i, :d, :b, :r, :run, :rule, :t)",
            soci::use(id), soci::use(districtId), soci::use(barcode), soci::use(text),
            soci::use(runId), soci::use(d.rule), soci::use(d.deletedAt);
        *sql_ << "UPDATE copies SET status = 'lost' WHERE id IN (SELECT copy_id FROM loans WHERE "
                 "patron_id = :id AND status = 'open')",
            soci::use(id);
        *sql_ << "UPDATE loans SET status = 'lost', lost_at = :t WHERE patron_id = :id AND status "
                 "= 'open'",
            soci::use(d.deletedAt), soci::use(id);
        *sql_ << "DELETE FROM patrons WHERE id = :id", soci::use(id);
      }
      return {};
    });
  }

  Result<void> clearBarcode(std::int64_t patronId) override {
    return guard("clearing a barcode", [&]() -> Result<void> {
      long long id = patronId;
      *sql_ << "UPDATE patrons SET barcode = NULL WHERE id = :id", soci::use(id);
      return {};
    });
  }

  Result<bool> sourceFileSeen(const std::string& job, const std::string& fingerprint) override {
    return guard("reading source files", [&]() -> Result<bool> {
      long long n = 0;
      *sql_ << "SELECT COUNT(*) FROM source_files WHERE job = :j AND fingerprint = :f",
          soci::use(job), soci::use(fingerprint), soci::into(n);
      return n > 0;
    });
  }

  Result<void> recordSourceFile(const std::string& job, const std::string& fingerprint,
                                std::int64_t runId, const std::string& seenAt) override {
    return guard("recording a source file", [&]() -> Result<void> {
      long long id = runId;
      *sql_
          << "INSERT INTO source_files (job, fingerprint, seen_at, run_id) VALUES (:j, :f, :t, :r)",
          soci::use(job), soci::use(fingerprint), soci::use(seenAt), soci::use(id);
      return {};
    });
  }

  // A lease held by another holder is free when the holder is dead, or when it expired
  // and the holder is not seen alive on this host (a long SQLite run holds the write lock
  // and cannot renew; its live holder keeps the lease all the same).
  static bool leaseIsFree(const std::string& holder, const std::string& expires,
                          const std::string& nowUtc, const HolderCheck& holderState) {
    HolderState state = holderState ? holderState(holder) : HolderState::kElsewhere;
    return state == HolderState::kDead || (state == HolderState::kElsewhere && expires <= nowUtc);
  }

  // The lease's holder and expiry, or nothing when no one holds it.
  std::optional<std::pair<std::string, std::string>> leaseRow(const std::string& name) {
    std::string holder, expires;
    soci::indicator hi = soci::i_ok, ei = soci::i_ok;
    *sql_ << "SELECT holder, expires_at FROM leases WHERE name = :n", soci::use(name),
        soci::into(holder, hi), soci::into(expires, ei);
    if (!sql_->got_data()) {
      return std::nullopt;
    }
    return std::make_pair(holder, expires);
  }

  Result<bool> acquireLease(const std::string& name, const std::string& holder,
                            const std::string& nowIso, const std::string& untilIso,
                            const HolderCheck& holderState) override {
    return guard("taking a lease", [&]() -> Result<bool> {
      auto row = leaseRow(name);
      if (!row) {
        try {
          *sql_ << "INSERT INTO leases (name, holder, expires_at) VALUES (:n, :h, :u)",
              soci::use(name), soci::use(holder), soci::use(untilIso);
          return true;
        } catch (const soci::soci_error&) {
          return false;  // another holder took it first (primary key)
        }
      }
      if (row->first == holder) {
        return renewHeld(name, holder, untilIso, holder);
      }
      if (!leaseIsFree(row->first, row->second, nowIso, holderState)) {
        return false;
      }
      // Taken over only as it was judged, in one statement: of two instances, one wins.
      soci::statement up =
          (sql_->prepare << "UPDATE leases SET holder = :h, expires_at = :u "
                            "WHERE name = :n AND holder = :old AND expires_at = :oldu",
           soci::use(holder), soci::use(untilIso), soci::use(name), soci::use(row->first),
           soci::use(row->second));
      up.execute(true);
      return up.get_affected_rows() > 0;
    });
  }

  Result<bool> renewLease(const std::string& name, const std::string& holder,
                          const std::string& untilIso, const std::string& newHolder) override {
    return guard("renewing a lease", [&]() -> Result<bool> {
      return renewHeld(name, holder, untilIso, newHolder.empty() ? holder : newHolder);
    });
  }

  bool renewHeld(const std::string& name, const std::string& holder, const std::string& untilIso,
                 const std::string& newHolder) {
    soci::statement up =
        (sql_->prepare << "UPDATE leases SET holder = :nh, expires_at = :u "
                          "WHERE name = :n AND holder = :h",
         soci::use(newHolder), soci::use(untilIso), soci::use(name), soci::use(holder));
    up.execute(true);
    if (up.get_affected_rows() > 0) {
      return true;
    }
    // MySQL counts changed rows only: an update to the same values changes none.
    auto row = leaseRow(name);
    return row && row->first == newHolder && row->second == untilIso;
  }

  Result<void> releaseLease(const std::string& name, const std::string& holder) override {
    return guard("releasing a lease", [&]() -> Result<void> {
      *sql_ << "DELETE FROM leases WHERE name = :n AND holder = :h", soci::use(name),
          soci::use(holder);
      return {};
    });
  }

  sqlite3* sqlite() { return sqliteHandle(*sql_); }

  // SQLite's key scan is CPU-bound in SQLite itself (~0.5 s per million patrons), so two
  // connections scanning half each take about half the time on two cores. A second connection
  // sees exactly what this one sees only when this one holds the write lock (no one else can
  // commit: BEGIN IMMEDIATE) and has written nothing since it took it. Returns where to split
  // the ids in two, or nothing: a small table, no file (an in-memory database), or a
  // transaction that has written.
  static constexpr long long kSplitScanIds = 50000;
  struct KeyScanSplit {
    std::string file;      // the database file, for the second connection
    long long at;          // ids up to this one here, the rest on the second connection
    std::size_t upperIds;  // how many ids there can be above it
  };
  std::optional<KeyScanSplit> keyScanSplit() {
    sqlite3* db = sqlite();
    const char* file = sqlite3_db_filename(db, "main");
    if (file == nullptr || *file == '\0' || sqlite3_txn_state(db, "main") != SQLITE_TXN_WRITE ||
        sqlite3_total_changes64(db) != changesAtBegin_) {
      return std::nullopt;
    }
    // Two subqueries: SQLite reads MIN or MAX of the primary key from one end of the B-tree,
    // but scans the whole table for both in one SELECT.
    SqliteStatement st(db, "SELECT (SELECT MIN(id) FROM patrons), (SELECT MAX(id) FROM patrons)");
    if (!st.ok() || !st.next() || st.columnNull(0)) {
      return std::nullopt;
    }
    long long lo = st.columnInt(0), hi = st.columnInt(1);
    if (hi - lo < kSplitScanIds) {
      return std::nullopt;
    }
    long long at = lo + (hi - lo) / 2;
    return KeyScanSplit{file, at, static_cast<std::size_t>(hi - at)};
  }

  // Runs `scan` on a connection of its own to `file` (the calling thread may be another one:
  // nothing here touches this store's connection); returns scan's error, or why the
  // connection could not be opened.
  static std::string scanOnSecondConnection(const std::string& file,
                                            const std::function<std::string(sqlite3*)>& scan) {
    sqlite3* db = nullptr;
    // Never creates a file: the database exists, this connection has it open.
    int rc =
        sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    std::string error;
    if (rc != SQLITE_OK) {
      error = "could not open a second connection: ";
      error += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    } else {
      sqlite3_busy_timeout(db, 10000);
      sqlite3_exec(db, "PRAGMA cache_size = -2048", nullptr, nullptr, nullptr);
      try {
        error = scan(db);
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    sqlite3_close(db);
    return error;
  }

  // Stored keys read on the second connection, kept until the first connection's are out.
  struct ScannedKeys {
    struct Row {  // 24 bytes
      long long id;
      std::uint32_t keyEnd, barcodeEnd, hashEnd;
      bool inactive, owned, seen;
    };
    std::vector<Row> rows;
    std::string bytes;
    std::string error;
    std::function<void(SqliteStatement&)> add(std::size_t expectedIds) {
      // Ids can be sparse (a hand-set id far above the rest): the reservation is a guess.
      const std::size_t expected = std::min<std::size_t>(expectedIds, 4'000'000);
      rows.reserve(expected);
      bytes.reserve(expected * 32);  // a short key and barcode, a 16-digit hash
      return [this](SqliteStatement& st) {
        Row r{};
        r.id = st.columnInt(0);
        r.inactive = st.columnInt(4) != 0;
        r.owned = st.columnInt(5) != 0;
        r.seen = st.columnInt(6) != 0;
        bytes += st.columnView(1);
        r.keyEnd = static_cast<std::uint32_t>(bytes.size());
        bytes += st.columnView(2);
        r.barcodeEnd = static_cast<std::uint32_t>(bytes.size());
        bytes += st.columnView(3);
        r.hashEnd = static_cast<std::uint32_t>(bytes.size());
        rows.push_back(r);
      };
    }
    template <typename Deliver>
    void replay(Deliver& deliver) const {
      std::uint32_t from = 0;
      std::string_view all(bytes);
      for (const Row& r : rows) {
        StoredPatronKey k;
        k.id = r.id;
        k.key = all.substr(from, r.keyEnd - from);
        k.barcode = all.substr(r.keyEnd, r.barcodeEnd - r.keyEnd);
        k.contentHash = all.substr(r.barcodeEnd, r.hashEnd - r.barcodeEnd);
        from = r.hashEnd;
        deliver(k, r.inactive, r.owned, r.seen);
      }
    }
  };

  // SQLite: statements of kRowsPerInsert rows each. Per-statement work (AUTOINCREMENT's
  // bookkeeping above all) is then paid once per hundred rows (docs/performance.md). The rows
  // of a statement get consecutive ids.
  static constexpr size_t kRowsPerInsert = 100;
  Result<void> sqliteInsert(std::vector<Patron>& patrons, const std::vector<PatronField>& fields,
                            const std::string& cols, size_t perRow) {
    auto prepare = [&](size_t rows) {
      std::string q = "INSERT INTO patrons (" + cols + ") VALUES ";
      for (size_t r = 0; r < rows; ++r) {
        q += r ? ", (?" : "(?";
        for (size_t i = 1; i < perRow; ++i) {
          q += ", ?";
        }
        q += ")";
      }
      return std::make_unique<SqliteStatement>(sqlite(), q);
    };
    if (insertColumns_ != cols) {
      insertMany_.reset();
      insertColumns_ = cols;
    }
    std::unique_ptr<SqliteStatement> one;
    for (size_t start = 0; start < patrons.size();) {
      size_t rows = patrons.size() - start >= kRowsPerInsert ? kRowsPerInsert : 1;
      auto& st = rows > 1 ? insertMany_ : one;
      if (!st) {
        st = prepare(rows);
      }
      if (!st->ok()) {
        Error e{"DB", "adding patrons: " + st->error(), "sqlite3"};
        st.reset();  // prepared again next time
        return e;
      }
      int i = 1;
      for (size_t r = start; r < start + rows; ++r) {
        const Patron& p = patrons[r];
        for (PatronField f : fields) {
          st->text(i++, p.get(f), nullWhenEmpty(f));
        }
        bindMeta(*st, i, p);
        st->text(i++, p.createdAt);
      }
      if (!st->step()) {
        if (rows > 1) {
          // The statement changed nothing: row by row, to name the patron at fault.
          for (size_t r = start; r < start + rows; ++r) {
            std::vector<Patron> single{patrons[r]};
            if (auto e = sqliteInsert(single, fields, cols, perRow); !e) {
              return e;
            }
          }
          return Error{"DB", "adding patrons: " + st->error(), "sqlite3"};
        }
        return Error{
            "DB",
            "adding patron " + patrons[start].get(PatronField::kDistrictId) + ": " + st->error(),
            "sqlite3"};
      }
      auto last = sqlite3_last_insert_rowid(sqlite());
      for (size_t r = 0; r < rows; ++r) {
        patrons[start + r].id = last - static_cast<std::int64_t>(rows - 1 - r);
      }
      start += rows;
    }
    return {};
  }

  // SQLite rewrites an index entry for every indexed column an UPDATE assigns, even to the
  // value it has: a patron whose district ID and barcode stay the same is updated without
  // them, so a run that changes 10,000 names dirties ~10,000 table pages instead of ~19,000
  // table and index pages (half the commit's WAL and checkpoint; docs/performance.md).
  Result<void> sqliteUpdate(const std::vector<Patron>& patrons,
                            const std::vector<PatronField>& cols, bool stripPrefix) {
    auto isKey = [](PatronField f) {
      return f == PatronField::kDistrictId || f == PatronField::kBarcode;
    };
    const bool writesKeys = std::any_of(cols.begin(), cols.end(), isKey);
    auto prepare = [&](bool withKeys) {
      std::string q = "UPDATE patrons SET ";
      for (PatronField f : cols) {
        if (withKeys || !isKey(f)) {
          q += columnName(f) + " = ?, ";
        }
      }
      for (const char* m : kMetaColumns) {
        q += std::string(m) + " = ?, ";
      }
      if (stripPrefix) {
        q += "username = " + withoutInactivePrefix("username") + ", ";
      }
      q.resize(q.size() - 2);
      q += " WHERE id = ?";
      return std::make_unique<SqliteStatement>(sqlite(), q);
    };
    std::unique_ptr<SqliteStatement> withKeys, withoutKeys, stored;
    for (const auto& p : patrons) {
      bool keysAsStored = false;
      if (writesKeys) {
        if (!stored) {
          stored = std::make_unique<SqliteStatement>(
              sqlite(), "SELECT district_id, barcode FROM patrons WHERE id = ?");
        }
        stored->integer(1, p.id);
        if (stored->next()) {
          keysAsStored = stored->columnView(0) == p.get(PatronField::kDistrictId) &&
                         stored->columnView(1) == p.get(PatronField::kBarcode);
        }
        if (!stored->error().empty()) {
          return Error{"DB", "updating patrons: " + stored->error(), "sqlite3"};
        }
        stored->reset();
      }
      const bool keys = writesKeys && !keysAsStored;
      auto& st = keys ? withKeys : withoutKeys;
      if (!st) {
        st = prepare(keys);
      }
      if (!st->ok()) {
        return Error{"DB", "updating patrons: " + st->error(), "sqlite3"};
      }
      int i = 1;
      for (PatronField f : cols) {
        if (keys || !isKey(f)) {
          st->text(i++, p.get(f), nullWhenEmpty(f));
        }
      }
      bindMeta(*st, i, p);
      st->integer(i++, p.id);
      if (!st->step()) {
        return Error{"DB",
                     "updating patron " + p.get(PatronField::kDistrictId) + ": " + st->error(),
                     "sqlite3"};
      }
    }
    return {};
  }

  // Binds by reference: status and the seen flag are literals, the rest lives in `p`.
  static void bindMeta(SqliteStatement& st, int& i, const Patron& p) {
    st.text(i++, statusName(p.status));
    st.text(i++, p.inactiveSince, true);
    st.text(i++, p.ownerJob);
    st.text(i++, p.contentHash);
    st.text(i++, p.lastSeenAt, true);
    st.text(i++, p.seenInLastFull ? "1" : "0");
    st.text(i++, p.updatedAt, true);
  }

  static void useMeta(soci::statement& st, const Patron& p, std::vector<soci::indicator>& ind,
                      std::vector<std::string>& scratch) {
    scratch.push_back(std::string(statusName(p.status)));
    ind.push_back(soci::i_ok);
    st.exchange(soci::use(scratch.back(), ind.back()));
    ind.push_back(p.inactiveSince.empty() ? soci::i_null : soci::i_ok);
    st.exchange(soci::use(p.inactiveSince, ind.back()));
    for (const std::string* v : {&p.ownerJob, &p.contentHash, &p.lastSeenAt}) {
      ind.push_back(v == &p.lastSeenAt && v->empty() ? soci::i_null : soci::i_ok);
      st.exchange(soci::use(*v, ind.back()));
    }
    scratch.push_back(p.seenInLastFull ? "1" : "0");
    ind.push_back(soci::i_ok);
    st.exchange(soci::use(scratch.back(), ind.back()));
    ind.push_back(p.updatedAt.empty() ? soci::i_null : soci::i_ok);
    st.exchange(soci::use(p.updatedAt, ind.back()));
  }

  // PostgreSQL and MySQL: one statement per batch of rows, never one round trip per row.
  template <typename Sql, typename Bind>
  Result<void> multiRow(const std::vector<Patron>& patrons, Sql sqlFor, Bind bind, size_t perRow) {
    const size_t batch =
        std::max<size_t>(1, 30000 / perRow);  // under PostgreSQL's 65535 parameters
    for (size_t start = 0; start < patrons.size(); start += batch) {
      size_t rows = std::min(batch, patrons.size() - start);
      std::vector<soci::indicator> ind;
      std::vector<std::string> scratch;
      ind.reserve(rows * perRow);  // use() keeps references: never reallocate
      scratch.reserve(rows * 3);
      soci::statement st(*sql_);
      st.alloc();
      for (size_t r = 0; r < rows; ++r) {
        bind(st, patrons[start + r], ind, scratch);
      }
      st.prepare(sqlFor(rows));
      st.define_and_bind();
      st.execute(true);
    }
    return {};
  }

 private:
  bool tableExists(const std::string& table) {
    long long n = 0;
    switch (backend_) {
      case DbBackend::kSqlite3:
        *sql_ << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :t",
            soci::use(table), soci::into(n);
        break;
      case DbBackend::kPostgresql:
        *sql_ << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                 "current_schema() AND table_name = :t",
            soci::use(table), soci::into(n);
        break;
      case DbBackend::kMysql:
        *sql_ << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                 "AND table_name = :t",
            soci::use(table), soci::into(n);
        break;
    }
    return n > 0;
  }

  static std::string nowIso() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return buf;
  }

  DbBackend backend_;
  std::unique_ptr<soci::session> sql_;
  sqlite3_int64 changesAtBegin_ = -1;  // SQLite: rows changed on this connection at BEGIN
  std::unique_ptr<CirculationStore> circulation_;
  std::unique_ptr<OutboxStore> outbox_;
  // The multi-row INSERT for the columns in `insertColumns_`, kept from one batch to the next:
  // preparing a statement of thousands of parameters takes about a millisecond, and a
  // million-row import writes 200 batches. Declared after sql_: finalized before it closes.
  std::string insertColumns_;
  std::unique_ptr<SqliteStatement> insertMany_;
};

std::string quoteParam(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

// SQLite's defaults serialize every call on a connection mutex and count every allocation
// under a global one: together a quarter of a bulk import's time. patrond never shares a
// connection between threads at once (each worker and the loop open their own), which is
// what multi-thread mode requires. Set once, before SQLite initializes; if something
// initialized it first, the defaults stay (slower, never wrong).
void configureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

}  // namespace

std::string sqliteFile(const std::string& connection) {
  return connection.rfind("db=", 0) == 0 ? connection.substr(3, connection.find(' ') - 3)
                                         : connection;
}

Result<std::unique_ptr<PatronStore>> openStore(const DatabaseConfig& config, OpenMode mode) {
  auto s = openSession(config, mode);
  if (!s) {
    return s.error();
  }
  return std::unique_ptr<PatronStore>(std::make_unique<SociStore>(config.backend, std::move(*s)));
}

Result<std::unique_ptr<soci::session>> openSession(const DatabaseConfig& config, OpenMode mode) {
  std::string conn = config.connection;
  if (!config.password.empty()) {
    auto secret = config::readSecret(config.password);
    if (!secret) {
      return Error{"DB", "database password: " + secret.error().describe(), "database"};
    }
    conn += " password=" + quoteParam(*secret);
  }
  try {
    std::unique_ptr<soci::session> s;
    switch (config.backend) {
      case DbBackend::kSqlite3: {
        std::string file = sqliteFile(conn);
        if (mode == OpenMode::kExisting && !std::filesystem::exists(file)) {
          return Error{"DB_MISSING",
                       "the database file " + std::filesystem::absolute(file).string() +
                           " does not exist: run 'patrond db migrate' to create it",
                       "database.connection"};
        }
        auto dir = std::filesystem::path(file).parent_path();
        if (!dir.empty() && !std::filesystem::exists(dir)) {
          return Error{"DB", "the database folder " + dir.string() + " does not exist",
                       "database.connection"};
        }
        configureSqlite();
        s = std::make_unique<soci::session>(soci::sqlite3, conn);
        // First: every later statement, the journal mode included, waits for a busy lock
        // (an import in another process) instead of failing.
        *s << "PRAGMA busy_timeout = 10000";
        *s << "PRAGMA journal_mode = WAL";
        *s << "PRAGMA synchronous = NORMAL";
        *s << "PRAGMA cache_size = " + std::to_string(kSqliteCacheKib);
        *s << "PRAGMA temp_store = MEMORY";
        break;
      }
      case DbBackend::kPostgresql:
        s = std::make_unique<soci::session>(soci::postgresql, conn);
        *s << "SET client_min_messages = warning";
        break;
      case DbBackend::kMysql:
        s = std::make_unique<soci::session>(soci::mysql, conn + " charset=utf8mb4");
        *s << "SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES,NO_ZERO_DATE'";
        break;
    }
    return s;
  } catch (const std::exception& e) {
    return Error{"DB", "cannot connect: " + redactSecrets(e.what()), backendName(config.backend)};
  }
}

}  // namespace patrond::sql
