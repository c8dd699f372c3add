// Import runs and their messages, jobs' last full runs, and the ledger of imported source files.

#include <nlohmann/json.hpp>

#include "adapters/sql/columns.h"
#include "adapters/sql/row_batch.h"
#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

namespace {

constexpr Column kRunColumns[] = {{"id"},          {"job"},           {"run_type"},
                                  {"status"},      {"started_at"},    {"finished_at"},
                                  {"file"},        {"dry_run"},       {"trigger_kind"},
                                  {"n_read"},      {"n_added"},       {"n_updated"},
                                  {"n_unchanged"}, {"n_reactivated"}, {"n_skipped"},
                                  {"n_errors"},    {"n_warnings"},    {"n_inactivated"},
                                  {"n_deleted"},   {"lifecycle_ran"}, {"lifecycle_reason"}};

// Each of a run's counts and its column.
struct CountColumn {
  std::size_t column;
  std::int64_t RunCounts::*count;
};
constexpr CountColumn kCountColumns[] = {
    {at(kRunColumns, "n_read"), &RunCounts::read},
    {at(kRunColumns, "n_added"), &RunCounts::added},
    {at(kRunColumns, "n_updated"), &RunCounts::updated},
    {at(kRunColumns, "n_unchanged"), &RunCounts::unchanged},
    {at(kRunColumns, "n_reactivated"), &RunCounts::reactivated},
    {at(kRunColumns, "n_skipped"), &RunCounts::skipped},
    {at(kRunColumns, "n_errors"), &RunCounts::errors},
    {at(kRunColumns, "n_warnings"), &RunCounts::warnings},
    {at(kRunColumns, "n_inactivated"), &RunCounts::inactivated},
    {at(kRunColumns, "n_deleted"), &RunCounts::deleted}};

std::string selectRuns() {
  return "SELECT " + columnList(kRunColumns) + " FROM import_runs";
}

}  // namespace

ImportRun SociStore::runFromRow(const soci::row& r) {
  auto str = [&r](std::size_t column) { return getStr(r, column); };
  ImportRun run;
  run.id = getInt(r, at(kRunColumns, "id"));
  run.job = str(at(kRunColumns, "job"));
  run.type =
      str(at(kRunColumns, "run_type")) == "full" ? UpdateType::kFull : UpdateType::kIncremental;
  run.status = runStatusByName(str(at(kRunColumns, "status"))).value_or(RunStatus::kRunning);
  run.startedAt = str(at(kRunColumns, "started_at"));
  run.finishedAt = str(at(kRunColumns, "finished_at"));
  run.file = str(at(kRunColumns, "file"));
  run.dryRun = getInt(r, at(kRunColumns, "dry_run")) != 0;
  run.trigger = str(at(kRunColumns, "trigger_kind"));
  for (const CountColumn& c : kCountColumns) {
    run.counts.*c.count = getInt(r, c.column);
  }
  run.lifecycleRan = getInt(r, at(kRunColumns, "lifecycle_ran")) != 0;
  run.lifecycleReason = str(at(kRunColumns, "lifecycle_reason"));
  return run;
}

Result<std::int64_t> SociStore::openRun(const ImportRun& run) {
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

Result<void> SociStore::closeRun(const ImportRun& run, const std::vector<RunMessage>& messages) {
  return guard("saving the run summary", [&]() -> Result<void> {
    std::string status(runStatusName(run.status));
    int ran = run.lifecycleRan ? 1 : 0;
    RowBatch update(*sql_);
    update.useCopy(std::move(status));
    update.use(run.finishedAt);
    update.use(run.file);
    std::string q = "UPDATE import_runs SET status = :st, finished_at = :fin, file = :file";
    for (const CountColumn& c : kCountColumns) {
      std::string name(kRunColumns[c.column].name);
      q += ", " + name + " = :" + name;
      update.useCopy(static_cast<long long>(run.counts.*c.count));
    }
    update.useCopy(static_cast<long long>(ran));
    update.use(run.lifecycleReason);
    update.useCopy(static_cast<long long>(run.id));
    update.execute(q + ", lifecycle_ran = :ran, lifecycle_reason = :why WHERE id = :id");
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

Result<int> SociStore::markInterruptedRuns(const std::string& finishedAt, const std::string& nowUtc,
                                           const HolderCheck& holderState) {
  return guard("marking interrupted runs", [&]() -> Result<int> {
    struct Dead {
      long long id;
      std::string lease, holder, expires;
    };
    std::vector<Dead> dead;
    soci::rowset<soci::row> rs =
        (sql_->prepare << "SELECT r.id, r.lease_name, l.holder, l.expires_at FROM import_runs r "
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

Result<std::vector<ImportRun>> SociStore::listRuns(const std::string& job, int limit) {
  return guard("listing runs", [&]() -> Result<std::vector<ImportRun>> {
    std::vector<ImportRun> out;
    std::string q = selectRuns();
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

Result<std::optional<ImportRun>> SociStore::findRun(std::int64_t id) {
  return guard("reading the run", [&]() -> Result<std::optional<ImportRun>> {
    long long lid = id;
    soci::rowset<soci::row> rs =
        (sql_->prepare << selectRuns() + " WHERE id = :id", soci::use(lid));
    for (const auto& r : rs) {
      return std::optional<ImportRun>(runFromRow(r));
    }
    return std::optional<ImportRun>();
  });
}

Result<std::vector<RunMessage>> SociStore::runMessages(std::int64_t runId, bool errorsOnly) {
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

namespace {

// A change list as stored: [[field, old, new], ...].
std::string changesJson(const std::vector<FieldChange>& changes) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& c : changes) {
    j.push_back({c.field, c.before, c.after});
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<FieldChange> changesFromJson(const std::string& text) {
  std::vector<FieldChange> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) {
    return out;
  }
  for (const auto& c : j) {
    if (c.is_array() && c.size() == 3 && c[0].is_string() && c[1].is_string() && c[2].is_string()) {
      out.push_back({c[0].get<std::string>(), c[1].get<std::string>(), c[2].get<std::string>()});
    }
  }
  return out;
}

}  // namespace

Result<void> SociStore::saveRunPatrons(std::int64_t runId, const std::vector<RunPatron>& entries) {
  return guard("saving the run's patrons", [&]() -> Result<void> {
    Rows rows;
    rows.reserve(entries.size());
    for (const auto& e : entries) {
      rows.push_back({std::to_string(runId), std::string(patronActionName(e.action)), e.key,
                      e.line > 0 ? Value(std::to_string(e.line)) : std::nullopt,
                      e.detail.empty() ? std::nullopt : Value(e.detail),
                      e.changes.empty() ? std::nullopt : Value(changesJson(e.changes))});
    }
    execMultiRow(*sql_,
                 "INSERT INTO run_patrons (run_id, action, patron_key, line_no, detail, changes) "
                 "VALUES ",
                 rows);
    return {};
  });
}

Result<std::vector<RunPatron>> SociStore::runPatrons(std::int64_t runId) {
  return guard("reading the run's patrons", [&]() -> Result<std::vector<RunPatron>> {
    std::vector<RunPatron> out;
    long long id = runId;
    soci::rowset<soci::row> rs =
        (sql_->prepare << "SELECT action, patron_key, line_no, detail, changes FROM run_patrons "
                          "WHERE run_id = :id ORDER BY id",
         soci::use(id));
    for (const auto& r : rs) {
      RunPatron p;
      p.action = patronActionByName(getStr(r, 0)).value_or(PatronAction::kUpdated);
      p.key = getStr(r, 1);
      p.line = getInt(r, 2);
      p.detail = getStr(r, 3);
      p.changes = changesFromJson(getStr(r, 4));
      out.push_back(std::move(p));
    }
    return out;
  });
}

Result<int> SociStore::trimRuns(const std::string& job, int keep) {
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
      *sql_ << "DELETE FROM run_patrons WHERE run_id = :id", soci::use(id);
      *sql_ << "DELETE FROM import_runs WHERE id = :id", soci::use(id);
    }
    return static_cast<int>(ids.size());
  });
}

Result<std::string> SociStore::jobLastFullRun(const std::string& job) {
  return guard("reading the job", [&]() -> Result<std::string> {
    soci::rowset<soci::row> rs =
        (sql_->prepare << "SELECT last_full_run_at FROM jobs WHERE name = :n", soci::use(job));
    for (const auto& r : rs) {
      return getStr(r, 0);
    }
    return std::string();
  });
}

Result<void> SociStore::setJobLastFullRun(const std::string& job, const std::string& at) {
  return guard("saving the job", [&]() -> Result<void> {
    soci::statement up = (sql_->prepare << "UPDATE jobs SET last_full_run_at = :t WHERE name = :n",
                          soci::use(at), soci::use(job));
    up.execute(true);
    if (up.get_affected_rows() == 0) {
      *sql_ << "INSERT INTO jobs (name, last_full_run_at) VALUES (:n, :t)", soci::use(job),
          soci::use(at);
    }
    return {};
  });
}

Result<bool> SociStore::sourceFileSeen(const std::string& job, const std::string& fingerprint) {
  return guard("reading source files", [&]() -> Result<bool> {
    long long n = 0;
    *sql_ << "SELECT COUNT(*) FROM source_files WHERE job = :j AND fingerprint = :f",
        soci::use(job), soci::use(fingerprint), soci::into(n);
    return n > 0;
  });
}

Result<void> SociStore::recordSourceFile(const std::string& job, const std::string& fingerprint,
                                         std::int64_t runId, const std::string& seenAt) {
  return guard("recording a source file", [&]() -> Result<void> {
    long long id = runId;
    *sql_ << "INSERT INTO source_files (job, fingerprint, seen_at, run_id) VALUES (:j, :f, :t, :r)",
        soci::use(job), soci::use(fingerprint), soci::use(seenAt), soci::use(id);
    return {};
  });
}

}  // namespace patrond::sql
