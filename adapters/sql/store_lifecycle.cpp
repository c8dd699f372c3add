// The lifecycle: the job's patrons in scope, inactivation, and deletion with its archive record.

#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "adapters/sql/columns.h"
#include "adapters/sql/soci_store_impl.h"
#include "engine/patron_archive.h"

namespace patrond::sql {
namespace {

nlohmann::json toJson(const ArchiveFields& fields) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : fields) {
    std::visit([&out, &name = name](const auto& v) { out[name] = v; }, value);
  }
  return out;
}

// The archive's JSON object (deleted_patrons.record).
std::string archiveJson(const ArchiveRecord& record) {
  nlohmann::json out = toJson(record.fields);
  for (const auto& [name, list] : record.lists) {
    out[name] = nlohmann::json::array();
    for (const ArchiveFields& item : list) {
      out[name].push_back(toJson(item));
    }
  }
  return out.dump();
}

// What the lifecycle reads of each of a job's patrons (forEachJobPatron); the last seen time
// is the job's last full run while the patron was in it.
constexpr Column kJobPatronColumns[] = {
    {"id", "p.id"},
    {"district_id", "p.district_id"},
    {"barcode", "p.barcode"},
    {"username", "p.username"},
    {"patron_type", "p.patron_type"},
    {"access_level", "p.access_level"},
    {"persona", "p.persona"},
    {"grade", "p.grade"},
    {"grad_year", "p.grad_year"},
    {"birthdate", "p.birthdate"},
    {"status", "p.status"},
    {"last_seen_at",
     "CASE WHEN p.seen_in_last_full = 1 AND j.last_full_run_at IS NOT NULL THEN "
     "j.last_full_run_at ELSE p.last_seen_at END"},
    {"inactive_since", "p.inactive_since"},
    {"open_loans", "COALESCE(l.n, 0)"},
    {"unpaid_cents", "COALESCE(f.owed, 0)"}};

}  // namespace

Result<std::int64_t> SociStore::countInScope(const std::string& job, const LifecycleScope& scope) {
  return guard("counting the job's patrons", [&]() -> Result<std::int64_t> {
    std::string q = "SELECT COUNT(*) FROM patrons WHERE owner_job = :job";
    std::vector<const std::string*> values;
    int n = 0;
    for (auto [column, list] :
         {std::pair{"patron_type", &scope.patronTypes},
          std::pair{"access_level", &scope.accessLevels}, std::pair{"persona", &scope.personas}}) {
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

Result<void> SociStore::forEachJobPatron(const std::string& job, const LifecycleFilter& filter,
                                         const std::function<void(JobPatron&&)>& each) {
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
        "SELECT " + columnList(kJobPatronColumns) +
        " FROM patrons p "
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
      auto str = [&r](std::size_t column) { return getStr(r, column); };
      JobPatron p;
      p.id = getInt(r, at(kJobPatronColumns, "id"));
      p.districtId = str(at(kJobPatronColumns, "district_id"));
      p.barcode = str(at(kJobPatronColumns, "barcode"));
      p.username = str(at(kJobPatronColumns, "username"));
      p.patronType = str(at(kJobPatronColumns, "patron_type"));
      p.accessLevel = str(at(kJobPatronColumns, "access_level"));
      p.persona = str(at(kJobPatronColumns, "persona"));
      p.grade = str(at(kJobPatronColumns, "grade"));
      p.gradYear = str(at(kJobPatronColumns, "grad_year"));
      p.birthdate = str(at(kJobPatronColumns, "birthdate"));
      p.status = str(at(kJobPatronColumns, "status")) == "inactive" ? PatronStatus::kInactive
                                                                    : PatronStatus::kActive;
      p.lastSeenAt = str(at(kJobPatronColumns, "last_seen_at"));
      p.inactiveSince = str(at(kJobPatronColumns, "inactive_since"));
      p.openLoans = getInt(r, at(kJobPatronColumns, "open_loans"));
      p.unpaidCents = getInt(r, at(kJobPatronColumns, "unpaid_cents"));
      each(std::move(p));
    }
    return {};
  });
}

Result<void> SociStore::inactivatePatrons(const std::vector<Inactivation>& list) {
  if (list.empty()) {
    return {};
  }
  return guard("inactivating patrons", [&]() -> Result<void> {
    long long id = 0;
    int clear = 0, rename = 0, dropPassword = 0;
    std::string since, username;
    soci::indicator usernameInd = soci::i_ok;
    soci::statement read = (sql_->prepare << "SELECT username FROM patrons WHERE id = :id",
                            soci::use(id), soci::into(username, usernameInd));
    soci::statement st =
        (sql_->prepare << "UPDATE patrons SET status = 'inactive', inactive_since = :t, "
                          "homeroom = CASE WHEN :c = 1 AND homeroom_pinned = 0 THEN '' ELSE "
                          "homeroom END, "
                          "username = CASE WHEN :r = 1 THEN :u ELSE username END, "
                          "password_hash = CASE WHEN :p = 1 THEN NULL ELSE password_hash END "
                          "WHERE id = :id",
         soci::use(since), soci::use(clear), soci::use(rename), soci::use(username),
         soci::use(dropPassword), soci::use(id));
    for (const auto& a : list) {
      id = a.id;
      since = a.inactiveSince;
      clear = a.clearHomeroom ? 1 : 0;
      dropPassword = a.prefixUsername ? 1 : 0;
      rename = 0;
      if (a.prefixUsername && read.execute(true) && usernameInd == soci::i_ok) {
        std::string renamed = inactiveUsername(username);  // a NULL username stays NULL
        rename = renamed != username ? 1 : 0;
        username = std::move(renamed);
      }
      st.execute(true);
    }
    return {};
  });
}

Result<void> SociStore::deletePatrons(const std::vector<Deletion>& list) {
  if (list.empty()) {
    return {};
  }
  return guard("deleting patrons", [&]() -> Result<void> {
    for (const auto& d : list) {
      long long id = d.id;
      long long runId = d.runId;
      soci::indicator runInd = d.runId == 0 ? soci::i_null : soci::i_ok;  // by hand: no run
      std::optional<Patron> p;
      soci::rowset<soci::row> rs =
          (sql_->prepare << selectPatrons() + " WHERE p.id = :id", soci::use(id));
      for (const auto& r : rs) {
        p = patronFromRow(r);
      }
      if (!p) {
        continue;
      }
      std::vector<ArchivedLoan> loans;
      soci::rowset<soci::row> loanRows =
          (sql_->prepare << "SELECT l.id, c.barcode, l.checked_out_at, l.due_date FROM loans l "
                            "LEFT JOIN copies c ON c.id = l.copy_id WHERE l.patron_id = :id AND "
                            "l.status = 'open'",
           soci::use(id));
      for (const auto& r : loanRows) {
        loans.push_back({getInt(r, 0), getStr(r, 1), getStr(r, 2), getStr(r, 3)});
      }
      std::vector<ArchivedFine> fines;
      soci::rowset<soci::row> fineRows =
          (sql_->prepare << "SELECT id, amount_cents, paid_cents, reason, created_at FROM fines "
                            "WHERE patron_id = :id",
           soci::use(id));
      for (const auto& r : fineRows) {
        fines.push_back({getInt(r, 0), getInt(r, 1), getInt(r, 2), getStr(r, 3), getStr(r, 4)});
      }
      std::string text = archiveJson(archiveRecord(*p, loans, fines));
      std::string districtId = p->get(PatronField::kDistrictId);
      std::string barcode = p->get(PatronField::kBarcode);
      *sql_ << "INSERT INTO deleted_patrons (patron_id, district_id, barcode, record, run_id, "
               "rule_name, deleted_at) VALUES (:i, :d, :b, :r, :run, :rule, :t)",
          soci::use(id), soci::use(districtId), soci::use(barcode), soci::use(text),
          soci::use(runId, runInd), soci::use(d.rule), soci::use(d.deletedAt);
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

}  // namespace patrond::sql
