// What the service does besides imports: notices[], textbook_policies and library_policies,
// monitoring (docs/configuration.md).
#include <filesystem>
#include <system_error>

#include "adapters/config/sections.h"
#include "engine/monitoring.h"

namespace patrond::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Keys<NoticeConfig> noticeKeysTable() {
  using N = NoticeConfig;
  auto list = [](const char* name, std::vector<std::string> N::*member, const char* doc) {
    return custom<N>(name, doc,
                     [name, member](Loader& L, const YAML::Node& n, const std::string& path, N& c) {
                       L.strList(n, name, path, c.*member);
                     });
  };
  return {
      key("name", &N::name, Text{true}, "the notice's name"),
      key("report", &N::report,
          OneOf<NoticeReport>{{{"overdue", NoticeReport::kOverdue},
                               {"due_soon", NoticeReport::kDueSoon},
                               {"checked_out", NoticeReport::kCheckedOut},
                               {"fines", NoticeReport::kFines}}},
          "what the notice lists"),
      later<N>("schedule", "{days | before_library_day, at}"),
      key("deliver", &N::deliver,
          OneOf<Delivery>{{{"email", Delivery::kEmail}, {"print", Delivery::kPrint}}},
          "e-mail, or printable files"),
      custom<N>("print_dir", "where printable notices are written",
                [](Loader& L, const YAML::Node& n, const std::string& path, N& c) {
                  L.filePath(n, "print_dir", path, c.printDir);
                }),
      list("sites", &N::sites, "only these sites"),
      list("exclude_homerooms", &N::excludeHomerooms, "homerooms left out"),
      list("copy_to", &N::copyTo, "addresses that get a copy"),
      key("fallback_to", &N::fallbackTo, Text{}, "the address for homerooms without a teacher"),
      key("min_days_overdue", &N::minDaysOverdue, Range{0, 3650}, "overdue at least this long"),
      key("max_days_overdue", &N::maxDaysOverdue, Range{0, 3650}, "overdue at most this long"),
      key("due_within_days", &N::dueWithinDays, Range{0, 365}, "due_soon: due within this"),
      custom<N>("materials", "textbook, library or both",
                [](Loader& L, const YAML::Node& n, const std::string& path, N& c) {
                  if (!n["materials"]) {
                    return;
                  }
                  L.strList(n, "materials", path, c.materials);
                  for (const auto& m : c.materials) {
                    if (m != "textbook" && m != "library") {
                      L.error(n["materials"], path + ".materials",
                              "'" + m + "' is not one of textbook library");
                    }
                  }
                }),
      key("send_to", &N::sendTo,
          OneOf<SendTo>{
              {{"homeroom_teacher", SendTo::kHomeroomTeacher}, {"patron", SendTo::kPatron}}},
          "the homeroom teacher, or each patron"),
      key("subject", &N::subject, Text{}, "the e-mail's subject (a template)"),
      custom<N>("template", "the notice's template file",
                [](Loader& L, const YAML::Node& n, const std::string& path, N& c) {
                  L.filePath(n, "template", path, c.templatePath);
                  std::error_code templateError;
                  if (!c.templatePath.empty() &&
                      !std::filesystem::exists(c.templatePath, templateError)) {
                    L.error(n["template"], path + ".template",
                            "template file " + c.templatePath + " does not exist");
                  }
                }),
  };
}

void loadDemoteAfter(Loader& L, const YAML::Node& d, const std::string& cp, PolicyLevel& p) {
  if (!d.IsMap()) {
    L.error(d, cp + ".demote_after", "expected {condition: count}");
    return;
  }
  L.remember(cp + ".demote_after", d.Mark());
  for (auto it = d.begin(); it != d.end(); ++it) {
    int v = 0;
    L.get(d, it->first.Scalar(), cp + ".demote_after", v, Range{1, 25});
    L.remember(cp + ".demote_after." + it->first.Scalar(), it->first.Mark());
    if (v > 0) {
      p.demoteAfter[it->first.Scalar()] = v;
    }
  }
}

const Keys<PolicyLevel>& conditioningKeys() {
  using P = PolicyLevel;
  static const Keys<P> keys{
      key("enabled", &P::conditioningEnabled, Flag{}, "copies are demoted as they circulate"),
      custom<P>("demote_after", "condition: loans before a copy drops to the next",
                [](Loader& L, const YAML::Node& c, const std::string& cp, P& p) {
                  if (YAML::Node d = c["demote_after"]) {
                    loadDemoteAfter(L, d, cp, p);
                  }
                }),
  };
  return keys;
}

const Keys<PolicyLevel>& policyKeys() {
  using P = PolicyLevel;
  static const Keys<P> keys{
      key("loan_days", &P::loanDays, Range{1, 3650}, "days a loan lasts"),
      key("max_checkouts", &P::maxCheckouts, Range{1, 999}, "copies a patron may hold"),
      key("overdue_to_lost_days", &P::overdueToLostDays, Range{1, 3650},
          "days overdue before a copy counts as lost"),
      key("block_on_fines_or_overdues", &P::blockOnFinesOrOverdues, Flag{},
          "fines or overdue copies block checkouts"),
      key("charge_lost", &P::chargeLost, Flag{}, "a lost copy is charged"),
      custom<P>("conditioning", "{enabled, demote_after}",
                [](Loader& L, const YAML::Node& n, const std::string& path, P& p) {
                  if (YAML::Node c = n["conditioning"]) {
                    L.section(c, path + ".conditioning", conditioningKeys(), p);
                  }
                }),
  };
  return keys;
}

void loadPolicyLevel(Loader& L, const YAML::Node& n, const std::string& path, PolicyLevel& p) {
  L.section(n, path, policyKeys(), p);
}

const Keys<AlertsConfig>& alertKeys() {
  using A = AlertsConfig;
  static const Keys<A> keys{
      custom<A>("to", "the administrators' addresses",
                [](Loader& L, const YAML::Node& a, const std::string& ap, A& alerts) {
                  L.strList(a, "to", ap, alerts.to);
                  if (!a["to"]) {
                    L.error(a, ap + ".to", "required key 'to' is missing");
                  }
                }),
      custom<A>("on", "run_failed, guard_stopped, source_unreachable, delivery_failed",
                [](Loader& L, const YAML::Node& a, const std::string& ap, A& alerts) {
                  YAML::Node on = a["on"];
                  if (!on) {
                    return;
                  }
                  std::vector<std::string> names;
                  L.strList(a, "on", ap, names);
                  alerts.on.clear();
                  for (size_t i = 0; i < names.size(); ++i) {
                    if (auto k = alertKindByName(names[i])) {
                      alerts.on.push_back(*k);
                    } else {
                      L.error(on.IsSequence() ? on[i] : on, ap + ".on",
                              "unknown alert '" + names[i].substr(0, 64) +
                                  "' (one of run_failed, guard_stopped, source_unreachable, "
                                  "delivery_failed)");
                    }
                  }
                }),
      key("repeat_after", &A::repeatAfter, Span{minutes(5), hours(24 * 30)},
          "how soon an alert still open is sent again"),
  };
  return keys;
}

const Keys<MonitoringConfig>& monitoringKeys() {
  using M = MonitoringConfig;
  static const Keys<M> keys{
      key("grace", &M::grace, Span{seconds(0), hours(24 * 7)},
          "how late a scheduled run may be before it counts as missed"),
      key("metrics", &M::metrics, Text{}, "HOST:PORT of the /metrics and /health server"),
      later<M>("alerts", "{to, on, repeat_after}: administrator alerts by e-mail"),
  };
  return keys;
}

}  // namespace

void loadNotice(Loader& L, const YAML::Node& n, const std::string& path, NoticeConfig& c) {
  static const Keys<NoticeConfig> keys = noticeKeysTable();
  if (!L.section(n, path, keys, c)) {
    return;
  }
  if (YAML::Node s = n["schedule"]) {
    NoticeSchedule ns;
    loadNoticeSchedule(L, s, path + ".schedule", ns);
    c.schedule = ns;
  }
}

void loadPolicyTree(Loader& L, const YAML::Node& n, const std::string& path, PolicyTree& t) {
  if (!L.mapping(n, path, {"district", "site_types", "sites"})) {
    return;
  }
  if (n["district"]) {
    loadPolicyLevel(L, n["district"], path + ".district", t.district);
  }
  for (auto [key, target] : {std::pair{"site_types", &t.siteTypes}, std::pair{"sites", &t.sites}}) {
    YAML::Node m = n[key];
    if (!m) {
      continue;
    }
    std::string mp = path + "." + key;
    if (!m.IsMap()) {
      L.error(m, mp, "expected a mapping");
      continue;
    }
    for (auto it = m.begin(); it != m.end(); ++it) {
      std::string kp = mp + "." + it->first.Scalar();
      L.remember(kp, it->first.Mark());
      loadPolicyLevel(L, it->second, kp, (*target)[it->first.Scalar()]);
    }
  }
}

void loadMonitoring(Loader& L, const YAML::Node& m, MonitoringConfig& c) {
  if (!L.section(m, "monitoring", monitoringKeys(), c)) {
    return;
  }
  YAML::Node a = m["alerts"];
  AlertsConfig alerts;
  if (!a || !L.section(a, "monitoring.alerts", alertKeys(), alerts)) {
    return;
  }
  c.alerts = std::move(alerts);
}

void describeServiceKeys(std::vector<KeyDoc>& out) {
  describeKeys(out, "textbook_policies", policyKeys());
  describeKeys(out, "textbook_policies.conditioning", conditioningKeys());
  describeKeys(out, "monitoring", monitoringKeys());
  describeKeys(out, "monitoring.alerts", alertKeys());
}

}  // namespace patrond::config
