#include "adapters/sql/soci_store.h"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <ctime>
#include <filesystem>

#include "adapters/config/yaml_config.h"
#include "adapters/sql/schema.h"
#include "engine/text.h"

namespace patrond::sql {
namespace {

const char* backendName(DbBackend b) {
  switch (b) {
    case DbBackend::kSqlite3:
      return "sqlite3";
    case DbBackend::kPostgresql:
      return "postgresql";
    case DbBackend::kMysql:
      return "mysql";
  }
  return "sqlite3";
}

std::string columnName(PatronField f) {
  return f == PatronField::kPassword ? "password_hash" : std::string(fieldInfo(f).name);
}

// Columns that are unique keys store "" as NULL so several patrons may lack them.
bool nullWhenEmpty(PatronField f) {
  return f == PatronField::kDistrictId || f == PatronField::kBarcode;
}

std::string getStr(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) {
    return {};
  }
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_string:
      return r.get<std::string>(i);
    case soci::dt_integer:
      return std::to_string(r.get<int>(i));
    case soci::dt_long_long:
      return std::to_string(r.get<long long>(i));
    case soci::dt_unsigned_long_long:
      return std::to_string(r.get<unsigned long long>(i));
    case soci::dt_double:
      return std::to_string(r.get<double>(i));
    case soci::dt_date: {
      std::tm t = r.get<std::tm>(i);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
      return buf;
    }
    default:
      return {};
  }
}

long long getInt(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) {
    return 0;
  }
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return r.get<int>(i);
    case soci::dt_long_long:
      return r.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(r.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<long long>(r.get<double>(i));
    case soci::dt_string: {
      std::string s = r.get<std::string>(i);
      return s.empty() ? 0 : std::stoll(s);
    }
    default:
      return 0;
  }
}

class SociStore final : public PatronStore {
 public:
  SociStore(DbBackend backend, std::unique_ptr<soci::session> sql)
      : backend_(backend), sql_(std::move(sql)) {
    for (size_t i = 0; i < kPatronFieldCount; ++i) {
      std::string c = columnName(static_cast<PatronField>(i));
      columns_ += c + ", ";
      placeholders_ += ":" + c + ", ";
    }
    columns_ += "status, owner_job, last_seen_at, inactive_since, content_hash, created_at, updated_at";
    placeholders_ += ":status, :owner_job, :last_seen_at, :inactive_since, :content_hash, :created_at, :updated_at";
  }

  template <typename F>
  auto guard(const char* what, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const soci::soci_error& e) {
      return Error{"DB", std::string(what) + ": " + redactSecrets(e.what()), backendName(backend_)};
    } catch (const std::exception& e) {
      return Error{"DB", std::string(what) + ": " + redactSecrets(e.what()), backendName(backend_)};
    }
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
    auto current = schemaVersion();
    if (!current) {
      return current.error();
    }
    if (*current > kSchemaVersion) {
      return Error{"DB", "the database schema (version " + std::to_string(*current) +
                             ") is newer than this patrond (" + std::to_string(kSchemaVersion) +
                             "): upgrade patrond", backendName(backend_)};
    }
    return guard("migrating the schema", [&]() -> Result<int> {
      if (!tableExists("schema_version")) {
        *sql_ << render("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at {TS}){OPTS}", backend_);
      }
      for (const auto& m : migrations(backend_)) {
        if (m.version <= *current) {
          continue;
        }
        // MySQL commits DDL implicitly; the version row is written last so a failed
        // migration is retried from its start.
        soci::transaction tx(*sql_);
        for (const auto& s : m.statements) {
          *sql_ << s;
        }
        std::string now = nowIso();
        *sql_ << "INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)",
            soci::use(m.version), soci::use(now);
        tx.commit();
      }
      return kSchemaVersion;
    });
  }

  Result<void> begin() override {
    return guard("BEGIN", [&]() -> Result<void> {
      sql_->begin();
      return {};
    });
  }
  Result<void> commit() override {
    return guard("COMMIT", [&]() -> Result<void> {
      sql_->commit();
      return {};
    });
  }
  Result<void> rollback() override {
    return guard("ROLLBACK", [&]() -> Result<void> {
      sql_->rollback();
      return {};
    });
  }

  Result<void> syncSites(const std::vector<Site>& sites) override {
    return guard("saving sites", [&]() -> Result<void> {
      soci::transaction tx(*sql_);
      *sql_ << "DELETE FROM sites";
      for (const auto& s : sites) {
        *sql_ << "INSERT INTO sites (code, name, site_type) VALUES (:c, :n, :t)", soci::use(s.code),
            soci::use(s.name), soci::use(s.type);
      }
      tx.commit();
      return {};
    });
  }

  Result<std::int64_t> openRun(const ImportRun& run) override {
    return guard("recording the run", [&]() -> Result<std::int64_t> {
      std::string type(updateTypeName(run.type));
      int dry = run.dryRun ? 1 : 0;
      std::string lease = "import:" + run.job;
      std::string status(runStatusName(RunStatus::kRunning));
      std::string sqlText =
          "INSERT INTO import_runs (job, run_type, status, started_at, file, dry_run, trigger_kind, "
          "lease_name) VALUES (:job, :type, :status, :started, :file, :dry, :trig, :lease)";
      return insertReturningId("import_runs", sqlText, [&](soci::statement& st) {
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
      long long n[10] = {c.read, c.added, c.updated, c.unchanged, c.reactivated,
                         c.skipped, c.errors, c.warnings, c.inactivated, c.deleted};
      int ran = run.lifecycleRan ? 1 : 0;
      *sql_ << "UPDATE import_runs SET status = :st, finished_at = :fin, file = :file, n_read = :a, "
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
        text = m.text;
        st.execute(true);
      }
      return {};
    });
  }

  Result<int> markInterruptedRuns(const std::string& finishedAt, const std::string& nowUtc) override {
    return guard("marking interrupted runs", [&]() -> Result<int> {
      soci::statement st = (sql_->prepare << "UPDATE import_runs SET status = 'interrupted', "
                                             "finished_at = :now WHERE status = 'running' AND NOT EXISTS "
                                             "(SELECT 1 FROM leases l WHERE l.name = import_runs.lease_name "
                                             "AND l.expires_at > :now2)",
                            soci::use(finishedAt), soci::use(nowUtc));
      st.execute(true);
      return static_cast<int>(st.get_affected_rows());
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
    std::int64_t* n[10] = {&c.read, &c.added, &c.updated, &c.unchanged, &c.reactivated,
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
      soci::rowset<soci::row> rs = job.empty() ? (sql_->prepare << q)
                                               : (sql_->prepare << q, soci::use(job));
      for (const auto& r : rs) {
        out.push_back(runFromRow(r));
      }
      return out;
    });
  }

  Result<std::optional<ImportRun>> findRun(std::int64_t id) override {
    return guard("reading the run", [&]() -> Result<std::optional<ImportRun>> {
      long long lid = id;
      soci::rowset<soci::row> rs =
          (sql_->prepare << std::string("SELECT ") + kRunColumns + " FROM import_runs WHERE id = :id",
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
      std::string q = "SELECT severity, line_no, patron_key, code, message_text FROM run_messages "
                      "WHERE run_id = :id";
      if (errorsOnly) {
        q += " AND severity = 'error'";
      }
      q += " ORDER BY id";
      soci::rowset<soci::row> rs = (sql_->prepare << q, soci::use(id));
      for (const auto& r : rs) {
        RunMessage m;
        std::string s = getStr(r, 0);
        m.severity = s == "error" ? Severity::kError : s == "warning" ? Severity::kWarning : Severity::kInfo;
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
                            "ORDER BY id DESC", soci::use(job));
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
    return p;
  }

  Result<std::optional<Patron>> findPatron(const std::string& key) override {
    return guard("finding the patron", [&]() -> Result<std::optional<Patron>> {
      soci::rowset<soci::row> rs =
          (sql_->prepare << "SELECT id, " + columns_ +
                                " FROM patrons WHERE district_id = :k OR barcode = :k2 ORDER BY "
                                "CASE WHEN district_id = :k3 THEN 0 ELSE 1 END",
           soci::use(key), soci::use(key), soci::use(key));
      for (const auto& r : rs) {
        return std::optional<Patron>(patronFromRow(r));
      }
      return std::optional<Patron>();
    });
  }

  std::string whereClause(const PatronFilter& f) const {
    std::string w = " WHERE 1 = 1";
    if (!f.site.empty()) {
      w += " AND site = :site";
    }
    if (!f.homeroom.empty()) {
      w += " AND homeroom = :homeroom";
    }
    if (!f.patronType.empty()) {
      w += " AND patron_type = :ptype";
    }
    if (f.status) {
      w += " AND status = :status";
    }
    if (!f.ownerJob.empty()) {
      w += " AND owner_job = :owner";
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
      std::string q = "SELECT id, " + columns_ + " FROM patrons" + whereClause(f) +
                      " ORDER BY last_name, first_name, id";
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
      st.prepare("SELECT COUNT(*) FROM patrons" + whereClause(f));
      st.define_and_bind();
      st.execute(true);
      return static_cast<std::int64_t>(n);
    });
  }

  Result<void> forEachPatronKey(PatronField matchOn, const std::vector<PatronField>& preserve,
                                const std::function<void(StoredPatronKey&&)>& each) override {
    return guard("reading patron keys", [&]() -> Result<void> {
      std::string q = "SELECT id, " + columnName(matchOn) +
                      ", barcode, status, owner_job, content_hash, last_seen_at";
      for (PatronField f : preserve) {
        q += ", " + columnName(f);
      }
      q += " FROM patrons";
      soci::rowset<soci::row> rs = (sql_->prepare << q);
      for (const auto& r : rs) {
        StoredPatronKey k;
        k.id = getInt(r, 0);
        k.key = getStr(r, 1);
        k.barcode = getStr(r, 2);
        k.status = getStr(r, 3) == "inactive" ? PatronStatus::kInactive : PatronStatus::kActive;
        k.ownerJob = getStr(r, 4);
        k.contentHash = getStr(r, 5);
        k.lastSeenAt = getStr(r, 6);
        for (size_t i = 0; i < preserve.size(); ++i) {
          k.preserved.push_back(getStr(r, 7 + i));
        }
        each(std::move(k));
      }
      return {};
    });
  }

  // Binds one patron's columns (in columns_ order) to a prepared statement by reference.
  struct PatronBinding {
    PatronValues values;
    std::array<soci::indicator, kPatronFieldCount> ind{};
    std::string status, owner, lastSeen, inactiveSince, hash, created, updated;
    soci::indicator inactiveInd = soci::i_ok;
    long long id = 0;

    void bind(soci::statement& st) {
      for (size_t i = 0; i < kPatronFieldCount; ++i) {
        st.exchange(soci::use(values[i], ind[i]));
      }
      st.exchange(soci::use(status));
      st.exchange(soci::use(owner));
      st.exchange(soci::use(lastSeen));
      st.exchange(soci::use(inactiveSince, inactiveInd));
      st.exchange(soci::use(hash));
      st.exchange(soci::use(created));
      st.exchange(soci::use(updated));
    }
    void load(const Patron& p) {
      values = p.values;
      for (size_t i = 0; i < kPatronFieldCount; ++i) {
        ind[i] = nullWhenEmpty(static_cast<PatronField>(i)) && values[i].empty() ? soci::i_null
                                                                                 : soci::i_ok;
      }
      status = std::string(statusName(p.status));
      owner = p.ownerJob;
      lastSeen = p.lastSeenAt;
      inactiveSince = p.inactiveSince;
      inactiveInd = p.inactiveSince.empty() ? soci::i_null : soci::i_ok;
      hash = p.contentHash;
      created = p.createdAt;
      updated = p.updatedAt;
      id = p.id;
    }
  };

  Result<void> insertPatrons(std::vector<Patron>& patrons) override {
    return guard("adding patrons", [&]() -> Result<void> {
      PatronBinding b;
      std::string q = "INSERT INTO patrons (" + columns_ + ") VALUES (" + placeholders_ + ")";
      long long newId = 0;
      if (backend_ == DbBackend::kPostgresql) {
        q += " RETURNING id";
      }
      soci::statement st(*sql_);
      st.alloc();
      b.bind(st);
      if (backend_ == DbBackend::kPostgresql) {
        st.exchange(soci::into(newId));
      }
      st.prepare(q);
      st.define_and_bind();
      for (auto& p : patrons) {
        b.load(p);
        st.execute(true);
        if (backend_ != DbBackend::kPostgresql) {
          sql_->get_last_insert_id("patrons", newId);
        }
        p.id = newId;
      }
      return {};
    });
  }

  Result<void> updatePatrons(const std::vector<Patron>& patrons) override {
    return guard("updating patrons", [&]() -> Result<void> {
      PatronBinding b;
      std::string set;
      for (size_t i = 0; i < kPatronFieldCount; ++i) {
        std::string c = columnName(static_cast<PatronField>(i));
        set += c + " = :" + c + ", ";
      }
      set += "status = :status, owner_job = :owner_job, last_seen_at = :last_seen_at, "
             "inactive_since = :inactive_since, content_hash = :content_hash, "
             "created_at = :created_at, updated_at = :updated_at";
      soci::statement st(*sql_);
      st.alloc();
      b.bind(st);
      st.exchange(soci::use(b.id));
      st.prepare("UPDATE patrons SET " + set + " WHERE id = :id");
      st.define_and_bind();
      for (const auto& p : patrons) {
        b.load(p);
        st.execute(true);
      }
      return {};
    });
  }

  Result<void> touchPatrons(const std::vector<std::int64_t>& ids, const std::string& lastSeenAt,
                            const std::string& job) override {
    return guard("marking patrons seen", [&]() -> Result<void> {
      long long id = 0;
      soci::statement st = (sql_->prepare << "UPDATE patrons SET last_seen_at = :t, owner_job = :j "
                                             "WHERE id = :id",
                            soci::use(lastSeenAt), soci::use(job), soci::use(id));
      for (auto v : ids) {
        id = v;
        st.execute(true);
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

  Result<bool> acquireLease(const std::string& name, const std::string& holder,
                            const std::string& nowIso, const std::string& untilIso) override {
    return guard("taking a lease", [&]() -> Result<bool> {
      // Take it over when free, expired or already ours; one statement so two instances
      // cannot both win.
      soci::statement up = (sql_->prepare << "UPDATE leases SET holder = :h, expires_at = :u "
                                             "WHERE name = :n AND (holder = :h2 OR expires_at <= :now)",
                            soci::use(holder), soci::use(untilIso), soci::use(name),
                            soci::use(holder), soci::use(nowIso));
      up.execute(true);
      if (up.get_affected_rows() > 0) {
        return true;
      }
      try {
        *sql_ << "INSERT INTO leases (name, holder, expires_at) VALUES (:n, :h, :u)",
            soci::use(name), soci::use(holder), soci::use(untilIso);
        return true;
      } catch (const soci::soci_error&) {
        return false;  // another holder has it (primary key)
      }
    });
  }

  Result<void> releaseLease(const std::string& name, const std::string& holder) override {
    return guard("releasing a lease", [&]() -> Result<void> {
      *sql_ << "DELETE FROM leases WHERE name = :n AND holder = :h", soci::use(name),
          soci::use(holder);
      return {};
    });
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

  template <typename Bind>
  Result<std::int64_t> insertReturningId(const char* table, std::string q, Bind bind) {
    long long id = 0;
    soci::statement st(*sql_);
    st.alloc();
    bind(st);
    if (backend_ == DbBackend::kPostgresql) {
      q += " RETURNING id";
      st.exchange(soci::into(id));
    }
    st.prepare(q);
    st.define_and_bind();
    st.execute(true);
    if (backend_ != DbBackend::kPostgresql) {
      sql_->get_last_insert_id(table, id);
    }
    return static_cast<std::int64_t>(id);
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
  std::string columns_, placeholders_;
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

}  // namespace

Result<std::unique_ptr<PatronStore>> openStore(const DatabaseConfig& config) {
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
        std::string file = conn.rfind("db=", 0) == 0 ? conn.substr(3, conn.find(' ') - 3) : conn;
        auto dir = std::filesystem::path(file).parent_path();
        if (!dir.empty() && !std::filesystem::exists(dir)) {
          return Error{"DB", "the database folder " + dir.string() + " does not exist", "database.connection"};
        }
        s = std::make_unique<soci::session>(soci::sqlite3, conn);
        *s << "PRAGMA journal_mode = WAL";
        *s << "PRAGMA synchronous = NORMAL";
        *s << "PRAGMA busy_timeout = 10000";
        break;
      }
      case DbBackend::kPostgresql:
        s = std::make_unique<soci::session>(soci::postgresql, conn);
        *s << "SET client_min_messages = warning";
        break;
      case DbBackend::kMysql:
        s = std::make_unique<soci::session>(soci::mysql, conn + " charset=utf8mb4");
        *s << "SET SESSION sql_mode = 'ANSI_QUOTES,STRICT_ALL_TABLES,NO_ZERO_DATE'";
        break;
    }
    return std::unique_ptr<PatronStore>(std::make_unique<SociStore>(config.backend, std::move(s)));
  } catch (const std::exception& e) {
    return Error{"DB", "cannot connect: " + redactSecrets(e.what()), backendName(config.backend)};
  }
}

}  // namespace patrond::sql
