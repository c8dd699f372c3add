#include "engine/config.h"

#include <set>

#include "engine/homerooms.h"
#include "engine/monitoring.h"

namespace patrond {

PatronField matchField(MatchOn m) {
  switch (m) {
    case MatchOn::kBarcode:
      return PatronField::kBarcode;
    case MatchOn::kUsername:
      return PatronField::kUsername;
    case MatchOn::kDistrictId:
      break;
  }
  return PatronField::kDistrictId;
}

const ImportJob* Config::findJob(std::string_view name) const {
  for (const auto& j : imports) {
    if (j.name == name) {
      return &j;
    }
  }
  return nullptr;
}

const Site* Config::findSite(std::string_view code) const {
  for (const auto& s : sites) {
    if (s.code == code) {
      return &s;
    }
  }
  return nullptr;
}

std::vector<Condition> defaultConditions() {
  return {{"new", 100},  {"good", 75},   {"fair", 50},   {"poor", 25},
          {"usable", 0}, {"damaged", 0}, {"unusable", 0}};
}

namespace {

void checkPolicyTree(const Config& c, const PolicyTree& tree, const std::string& base,
                     std::vector<ConfigIssue>& out) {
  std::set<std::string> types;
  for (const auto& s : c.sites) {
    types.insert(s.type);
  }
  auto checkLevel = [&](const PolicyLevel& level, const std::string& path) {
    for (const auto& [cond, n] : level.demoteAfter) {
      if (cond != "new" && cond != "good" && cond != "fair") {
        out.push_back({path + ".conditioning.demote_after." + cond,
                       "demotion walks new > good > fair > poor: '" + cond +
                           "' cannot be demoted automatically"});
      }
    }
  };
  checkLevel(tree.district, base + ".district");
  for (const auto& [type, level] : tree.siteTypes) {
    if (!types.count(type)) {
      out.push_back(
          {base + ".site_types." + type, "no configured site has type '" + type + "'", true});
    }
    checkLevel(level, base + ".site_types." + type);
  }
  for (const auto& [code, level] : tree.sites) {
    if (!c.findSite(code)) {
      out.push_back({base + ".sites." + code, "site '" + code + "' is not configured"});
    }
    checkLevel(level, base + ".sites." + code);
  }
}

// One import job: its source, mapping and lifecycle rules.
void checkImportJob(const ImportJob& j, const std::string& p, std::vector<ConfigIssue>& out) {
  if (j.source.directory.empty() == !j.source.sftp.has_value()) {
    out.push_back({p + ".source", "give exactly one of 'directory' or 'sftp'"});
  }
  if (j.source.sftp) {
    const SftpConfig& s = *j.source.sftp;
    if (s.knownHosts.empty()) {
      out.push_back({p + ".source.sftp.known_hosts",
                     "known_hosts is required: SSH host keys are always verified"});
    }
    if (s.password.empty() && s.privateKey.empty()) {
      out.push_back(
          {p + ".source.sftp", "give password_file, password_env or private_key to authenticate"});
    }
    if (s.url.rfind("sftp://", 0) != 0) {
      out.push_back({p + ".source.sftp.url", "the url must start with sftp://"});
    }
  }
  const Mapping& m = j.mapping;
  PatronField key = matchField(m.matchOn);
  bool keyMapped = false;
  for (const auto& [f, src] : m.fields) {
    keyMapped = keyMapped || f == key;
    if (!m.header && src.columnNumber <= 0) {
      out.push_back({p + ".mapping.fields." + std::string(fieldInfo(f).name),
                     "with header: false, fields name 1-based column numbers"});
    }
  }
  if (!keyMapped && j.source.format == SourceFormat::kCsv) {
    out.push_back({p + ".mapping.match_on", "match_on field '" + std::string(fieldInfo(key).name) +
                                                "' is not mapped to a column"});
  }
  if (j.lifecycle) {
    const LifecycleConfig& l = *j.lifecycle;
    bool needsAllow =
        (l.deleteInactive && l.deleteInactive->when == DeleteInactiveWhen::kUnrestricted);
    if (needsAllow && !j.options.allowDeleteWithTransactions) {
      out.push_back({p + ".lifecycle.delete_inactive.when",
                     "'unrestricted' needs options.allow_delete_with_transactions: true"});
    }
    if (l.deleteWithTransactions && !j.options.allowDeleteWithTransactions) {
      out.push_back({p + ".lifecycle.delete_with_transactions",
                     "needs options.allow_delete_with_transactions: true"});
    }
  }
}

// One notice: names, delivery, addresses, sites, report windows.
void checkNotice(const Config& c, const NoticeConfig& n, const std::string& p,
                 std::vector<ConfigIssue>& out) {
  if (!n.name.empty() && n.name.front() == '_') {
    // "_alerts" holds the administrators' alerts in the outbox (monitoring.alerts).
    out.push_back({p + ".name", "notice names starting with '_' are reserved for patrond"});
  }
  if (n.deliver == Delivery::kEmail && !c.smtp) {
    out.push_back({p + ".deliver", "deliver: email needs an 'smtp' section"});
  }
  if (n.deliver == Delivery::kPrint && n.printDir.empty()) {
    out.push_back({p + ".print_dir", "deliver: print needs print_dir"});
  }
  for (const auto& a : n.copyTo) {
    if (!plausibleEmail(a)) {
      out.push_back({p + ".copy_to", "'" + a + "' is not an e-mail address"});
    }
  }
  if (!n.fallbackTo.empty() && !plausibleEmail(n.fallbackTo)) {
    out.push_back({p + ".fallback_to", "'" + n.fallbackTo + "' is not an e-mail address"});
  }
  for (const auto& s : n.sites) {
    if (!c.findSite(s)) {
      out.push_back({p + ".sites", "site '" + s + "' is not configured"});
    }
  }
  if (n.report == NoticeReport::kDueSoon && !n.dueWithinDays) {
    out.push_back({p + ".due_within_days", "report: due_soon needs due_within_days"});
  }
  if (n.minDaysOverdue && n.maxDaysOverdue && *n.minDaysOverdue > *n.maxDaysOverdue) {
    out.push_back({p + ".max_days_overdue", "max_days_overdue is below min_days_overdue"});
  }
}

void checkMonitoring(const Config& c, std::vector<ConfigIssue>& out) {
  const MonitoringConfig& m = c.monitoring;
  if (!m.metrics.empty()) {
    if (auto addr = parseListenAddress(m.metrics); !addr) {
      out.push_back({"monitoring.metrics", "expected HOST:PORT such as 127.0.0.1:9464, got '" +
                                               m.metrics.substr(0, 64) + "'"});
    } else if (!isLoopbackHost(addr->host)) {
      out.push_back({"monitoring.metrics",
                     "'" + m.metrics +
                         "' is not a loopback address: anyone who can reach it reads the "
                         "metrics (put a firewall or a TLS proxy in front)",
                     true});
    }
  }
  if (m.alerts) {
    if (m.alerts->to.empty()) {
      out.push_back({"monitoring.alerts.to", "alerts need at least one address in 'to'"});
    }
    for (const auto& a : m.alerts->to) {
      if (!plausibleEmail(a)) {
        out.push_back({"monitoring.alerts.to", "'" + a + "' is not an e-mail address"});
      }
    }
    if (!c.smtp) {
      out.push_back({"monitoring.alerts", "alerts are e-mail: they need an 'smtp' section"});
    }
  }
}

}  // namespace

std::vector<ConfigIssue> validateConfig(const Config& c) {
  std::vector<ConfigIssue> out;
  if (c.database.backend != DbBackend::kSqlite3 && c.database.connection.empty()) {
    out.push_back({"database.connection", "a connection string is required for this backend"});
  }

  std::set<std::string> codes;
  for (size_t i = 0; i < c.sites.size(); ++i) {
    if (!codes.insert(c.sites[i].code).second) {
      out.push_back({"sites[" + std::to_string(i) + "].code",
                     "site code '" + c.sites[i].code + "' appears twice"});
    }
  }

  std::set<std::string> jobs;
  for (size_t i = 0; i < c.imports.size(); ++i) {
    const ImportJob& j = c.imports[i];
    std::string p = "imports[" + std::to_string(i) + "]";
    if (!jobs.insert(j.name).second) {
      out.push_back({p + ".name", "import job '" + j.name + "' appears twice"});
    }
    checkImportJob(j, p, out);
  }

  for (size_t i = 0; i < c.homerooms.size(); ++i) {
    if (!c.findSite(c.homerooms[i].site)) {
      out.push_back({"homerooms[" + std::to_string(i) + "].site",
                     "site '" + c.homerooms[i].site + "' is not configured"});
    }
  }

  std::set<std::string> notices;
  for (size_t i = 0; i < c.notices.size(); ++i) {
    const NoticeConfig& n = c.notices[i];
    std::string p = "notices[" + std::to_string(i) + "]";
    if (!notices.insert(n.name).second) {
      out.push_back({p + ".name", "notice '" + n.name + "' appears twice"});
    }
    checkNotice(c, n, p, out);
  }

  checkPolicyTree(c, c.textbookPolicies, "textbook_policies", out);
  checkPolicyTree(c, c.libraryPolicies, "library_policies", out);
  checkMonitoring(c, out);
  return out;
}
}  // namespace patrond
