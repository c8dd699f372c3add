#include "adapters/sql/soci_alerts.h"

#include "adapters/sql/soci_common.h"
#include "engine/monitoring.h"

namespace patrond::sql {
namespace {

constexpr const char* kColumns =
    "SELECT id, kind, subject_key, opened_at, last_sent_at, cleared_at, summary_text "
    "FROM alert_incidents";

AlertIncident incidentFromRow(const soci::row& r) {
  AlertIncident i;
  i.id = getInt(r, 0);
  i.kind = alertKindByName(getStr(r, 1)).value_or(AlertKind::kRunFailed);
  i.subject = getStr(r, 2);
  i.openedAt = getStr(r, 3);
  i.lastSentAt = getStr(r, 4);
  i.clearedAt = getStr(r, 5);
  i.text = getStr(r, 6);
  return i;
}

class SociAlerts final : public AlertStore, private SociPart {
 public:
  SociAlerts(DbBackend backend, soci::session& sql, PatronStore& tx) : SociPart(backend, sql, tx) {}

  Result<std::vector<AlertIncident>> openIncidents() override {
    return guard("reading the open alert incidents", [&]() -> Result<std::vector<AlertIncident>> {
      std::vector<AlertIncident> out;
      soci::rowset<soci::row> rs =
          (sql_.prepare << std::string(kColumns) + " WHERE cleared_at IS NULL ORDER BY id");
      for (const auto& r : rs) {
        out.push_back(incidentFromRow(r));
      }
      return out;
    });
  }

  Result<std::vector<AlertIncident>> recentIncidents(int limit) override {
    return guard("reading the alert incidents", [&]() -> Result<std::vector<AlertIncident>> {
      std::vector<AlertIncident> out;
      soci::rowset<soci::row> rs =
          (sql_.prepare << std::string(kColumns) + " ORDER BY id DESC LIMIT " +
                               std::to_string(std::max(1, limit)));
      for (const auto& r : rs) {
        out.push_back(incidentFromRow(r));
      }
      return out;
    });
  }

  Result<void> record(std::vector<AlertStep>& steps) override {
    return inTransaction<void>("recording alert incidents", [&]() -> Result<void> {
      for (auto& s : steps) {
        AlertIncident& i = s.incident;
        if (s.step == AlertStepKind::kOpen) {
          std::string kind(alertKindName(i.kind));
          i.id = insertReturningId(
              sql_, backend_, "alert_incidents",
              "INSERT INTO alert_incidents (kind, subject_key, opened_at, last_sent_at, "
              "summary_text) VALUES (:k, :s, :o, :l, :t)",
              [&](soci::statement& st) {
                st.exchange(soci::use(kind));
                st.exchange(soci::use(i.subject));
                st.exchange(soci::use(i.openedAt));
                st.exchange(soci::use(i.lastSentAt));
                st.exchange(soci::use(i.text));
              });
        } else {
          long long id = i.id;
          soci::indicator cleared = i.clearedAt.empty() ? soci::i_null : soci::i_ok;
          sql_ << "UPDATE alert_incidents SET last_sent_at = :l, cleared_at = :c, "
                  "summary_text = :t WHERE id = :id",
              soci::use(i.lastSentAt), soci::use(i.clearedAt, cleared), soci::use(i.text),
              soci::use(id);
        }
      }
      return {};
    });
  }
};

}  // namespace

std::unique_ptr<AlertStore> makeAlertStore(DbBackend backend, soci::session& sql, PatronStore& tx) {
  return std::make_unique<SociAlerts>(backend, sql, tx);
}

}  // namespace patrond::sql
