// What the service does besides imports: notices[], textbook_policies and library_policies,
// monitoring (docs/configuration.md).
#include <filesystem>
#include <map>
#include <system_error>

#include "adapters/config/sections.h"
#include "engine/monitoring.h"

namespace patrond::config {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const Keys<NoticeConfig>& noticeKeys() {
  using N = NoticeConfig;
  auto list = [](const char* name, std::vector<std::string> N::*member, const char* doc) {
    return custom<N>(name, doc,
                     [name, member](Loader& L, const YAML::Node& n, const std::string& path, N& c) {
                       L.strList(n, name, path, c.*member);
                     });
  };
  static const Keys<N> keys{
      key("name", &N::name, Text{true},
          "text, required: the notice's name, unique (names starting with _ are reserved)"),
      key("report", &N::report,
          OneOf<NoticeReport>{{{"overdue", NoticeReport::kOverdue},
                               {"due_soon", NoticeReport::kDueSoon},
                               {"checked_out", NoticeReport::kCheckedOut},
                               {"fines", NoticeReport::kFines}}},
          "overdue, due_soon, checked_out or fines: what the notice lists (default overdue)"),
      later<N>("schedule", "{days | before_library_day, at}: when it runs (default: only by hand)"),
      key("deliver", &N::deliver,
          OneOf<Delivery>{{{"email", Delivery::kEmail}, {"print", Delivery::kPrint}}},
          "email (needs smtp) or print (needs print_dir): how it goes out (default email)"),
      custom<N>("print_dir", "a folder: where printable notices are written (needed by print)",
                [](Loader& L, const YAML::Node& n, const std::string& path, N& c) {
                  L.filePath(n, "print_dir", path, c.printDir);
                }),
      list("sites", &N::sites, "a list of site codes: only these sites (default all)"),
      list("exclude_homerooms", &N::excludeHomerooms,
           "a list of homerooms (NAME or SITE/NAME) left out (default none)"),
      list("copy_to", &N::copyTo, "a list of addresses: a copy (Cc) of every message"),
      key("fallback_to", &N::fallbackTo, Text{},
          "an address: where homerooms with no teacher e-mail go (default: not sent)"),
      key("min_days_overdue", &N::minDaysOverdue, Range{0, 3650},
          "0..3650: overdue at least this many days (default no minimum)"),
      key("max_days_overdue", &N::maxDaysOverdue, Range{0, 3650},
          "0..3650: overdue at most this many days (an extension; default no maximum)"),
      key("due_within_days", &N::dueWithinDays, Range{0, 365},
          "0..365: due_soon lists copies due within this many days (required by due_soon)"),
      custom<N>("materials", "a list of textbook, library: which copies (default both)",
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
          "homeroom_teacher or patron: the teacher, or each student (default homeroom_teacher)"),
      key("subject", &N::subject, Text{},
          "text, a template: the e-mail's subject (default: the report's built-in one)"),
      custom<N>("template", "a file that must exist: the notice's template (default built in)",
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
  return keys;
}

// demote_after: the file names the conditions, each with its count.
const Keys<PolicyLevel>& demoteAfterKeys() {
  using P = PolicyLevel;
  static const Keys<P> keys{
      custom<P>("<condition>",
                "1..25: loans counted at this condition (new, good or fair) before a copy drops "
                "to the next (default: never)",
                [](Loader& L, const YAML::Node& d, const std::string& dp, P& p) {
                  for (auto it = d.begin(); it != d.end(); ++it) {
                    int v = 0;
                    L.get(d, it->first.Scalar(), dp, v, Range{1, 25});
                    L.remember(dp + "." + it->first.Scalar(), it->first.Mark());
                    if (v > 0) {
                      p.demoteAfter[it->first.Scalar()] = v;
                    }
                  }
                }),
  };
  return keys;
}

const Keys<PolicyLevel>& conditioningKeys() {
  using P = PolicyLevel;
  static const Keys<P> keys{
      key("enabled", &P::conditioningEnabled, Flag{},
          "true or false: copies are demoted as they circulate (default false)"),
      custom<P>("demote_after", "{condition: count}: loans before a copy drops to the next",
                [](Loader& L, const YAML::Node& c, const std::string& cp, P& p) {
                  if (YAML::Node d = c["demote_after"]) {
                    L.section(d, cp + ".demote_after", demoteAfterKeys(), p);
                  }
                }),
  };
  return keys;
}

const Keys<PolicyLevel>& policyKeys() {
  using P = PolicyLevel;
  static const Keys<P> keys{
      key("loan_days", &P::loanDays, Range{1, 3650},
          "1..3650: days a loan lasts (default 180 for textbooks, 14 for library copies)"),
      key("max_checkouts", &P::maxCheckouts, Range{1, 999},
          "1..999: copies of the kind a patron may hold (default no limit)"),
      key("overdue_to_lost_days", &P::overdueToLostDays, Range{1, 3650},
          "1..3650: days overdue before the sweep marks a copy lost (default never)"),
      key("block_on_fines_or_overdues", &P::blockOnFinesOrOverdues, Flag{},
          "true or false: fines or overdue copies block checkouts (default false)"),
      key("charge_lost", &P::chargeLost, Flag{},
          "true or false: a lost copy is charged its value (default false)"),
      custom<P>("conditioning", "{enabled, demote_after}: copies demoted as they circulate",
                [](Loader& L, const YAML::Node& n, const std::string& path, P& p) {
                  if (YAML::Node c = n["conditioning"]) {
                    L.section(c, path + ".conditioning", conditioningKeys(), p);
                  }
                }),
  };
  return keys;
}

// site_types and sites: the file names the types and codes, each with a policy level.
Key<PolicyTree> policyLevels(const std::string& name,
                             std::map<std::string, PolicyLevel> PolicyTree::*member,
                             std::string doc) {
  return custom<PolicyTree>(
      name, std::move(doc),
      [name, member](Loader& L, const YAML::Node& n, const std::string& path, PolicyTree& t) {
        YAML::Node m = n[name];
        if (!m) {
          return;
        }
        std::string mp = path + "." + name;
        if (!m.IsMap()) {
          L.error(m, mp, "expected a mapping");
          return;
        }
        for (auto it = m.begin(); it != m.end(); ++it) {
          std::string kp = mp + "." + it->first.Scalar();
          L.remember(kp, it->first.Mark());
          L.section(it->second, kp, policyKeys(), (t.*member)[it->first.Scalar()]);
        }
      });
}

const Keys<PolicyTree>& policyTreeKeys() {
  using T = PolicyTree;
  static const Keys<T> keys{
      custom<T>("district",
                "the district's policy (<level>: district, site_types.<type>, sites.<code>)",
                [](Loader& L, const YAML::Node& n, const std::string& path, T& t) {
                  if (YAML::Node d = n["district"]) {
                    L.section(d, path + ".district", policyKeys(), t.district);
                  }
                }),
      policyLevels("site_types", &T::siteTypes,
                   "{<type>: <level> keys}: a site type's policy, over the district's"),
      policyLevels("sites", &T::sites, "{<code>: <level> keys}: a site's policy, over its type's"),
  };
  return keys;
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
  if (!L.section(n, path, noticeKeys(), c)) {
    return;
  }
  if (YAML::Node s = n["schedule"]) {
    NoticeSchedule ns;
    loadNoticeSchedule(L, s, path + ".schedule", ns);
    c.schedule = ns;
  }
}

void loadPolicyTree(Loader& L, const YAML::Node& n, const std::string& path, PolicyTree& t) {
  L.section(n, path, policyTreeKeys(), t);
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
  describeKeys(out, "notices[]", noticeKeys());
  describeNoticeScheduleKeys(out);
  for (const char* tree : {"textbook_policies", "library_policies"}) {
    std::string level = std::string(tree) + ".<level>";
    describeKeys(out, tree, policyTreeKeys());
    describeKeys(out, level, policyKeys());
    describeKeys(out, level + ".conditioning", conditioningKeys());
    describeKeys(out, level + ".conditioning.demote_after", demoteAfterKeys());
  }
  describeKeys(out, "monitoring", monitoringKeys());
  describeKeys(out, "monitoring.alerts", alertKeys());
}

}  // namespace patrond::config
