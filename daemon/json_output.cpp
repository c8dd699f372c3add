#include "daemon/json_output.h"

#include <sstream>

#include "engine/csv_reader.h"
#include "engine/display_time.h"
#include "engine/text.h"

namespace patrond::daemon {

using nlohmann::json;

namespace {

json countsJson(const RunCounts& c) {
  json out = json::object();
  for (const auto& [name, n] : namedCounts(c)) {
    out[std::string(name)] = n;
  }
  return out;
}

json nullIfEmpty(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}
}  // namespace

json runJson(const ImportRun& r, const TimeZone& zone) {
  const RunCounts& c = r.counts;
  return json{{"run_id", r.id},
              {"job", r.job},
              {"type", std::string(updateTypeName(r.type))},
              {"status", std::string(runStatusName(r.status))},
              {"dry_run", r.dryRun},
              {"started_at", displayTime(r.startedAt, zone)},
              {"finished_at", nullIfEmpty(displayTime(r.finishedAt, zone))},
              {"file", nullIfEmpty(r.file)},
              {"counts", countsJson(c)},
              {"lifecycle", {{"ran", r.lifecycleRan}, {"reason", nullIfEmpty(r.lifecycleReason)}}}};
}

json messageJson(const RunMessage& m) {
  return json{{"severity", std::string(severityName(m.severity))},
              {"line", m.line > 0 ? json(m.line) : json(nullptr)},
              {"key", nullIfEmpty(m.key)},
              {"code", m.code},
              {"text", m.text}};
}

json summaryJson(const ImportRun& run, const std::vector<RunMessage>& messages,
                 const TimeZone& zone) {
  json j = runJson(run, zone);
  j["messages"] = json::array();
  for (const auto& m : messages) {
    j["messages"].push_back(messageJson(m));
  }
  return j;
}

json patronJson(const Patron& p, const TimeZone& zone) {
  json j;
  for (size_t i = 0; i < kPatronFieldCount; ++i) {
    auto f = static_cast<PatronField>(i);
    if (f == PatronField::kPassword) {
      continue;  // a hash is still a secret
    }
    const std::string& v = p.values[i];
    if (f == PatronField::kGradYear) {
      j["grad_year"] = v.empty() ? json(nullptr) : json(std::stoi(v));
    } else {
      j[std::string(fieldInfo(f).name)] = nullIfEmpty(v);
    }
  }
  j["homeroom_pinned"] = p.homeroomPinned;
  j["status"] = std::string(statusName(p.status));
  j["owner_job"] = nullIfEmpty(p.ownerJob);
  j["last_seen_at"] = nullIfEmpty(displayTime(p.lastSeenAt, zone));
  j["inactive_since"] = nullIfEmpty(displayTime(p.inactiveSince, zone));
  return j;
}

std::string runLine(const ImportRun& r, const TimeZone& zone) {
  std::ostringstream o;
  const RunCounts& c = r.counts;
  o << "#" << r.id << "  " << escapeControl(r.job) << "  " << updateTypeName(r.type)
    << (r.dryRun ? " (dry run)" : "") << "  " << runStatusName(r.status) << "  "
    << displayTime(r.startedAt, zone) << "  read " << c.read << ", added " << c.added
    << ", updated " << c.updated << ", unchanged " << c.unchanged << ", reactivated "
    << c.reactivated << ", skipped " << c.skipped << ", errors " << c.errors << ", warnings "
    << c.warnings << ", inactivated " << c.inactivated << ", deleted " << c.deleted;
  return o.str();
}

std::string summaryText(const ImportRun& r, const std::vector<RunMessage>& messages,
                        const TimeZone& zone) {
  std::ostringstream o;
  const RunCounts& c = r.counts;
  // A dry run is not recorded and has no number.
  o << (r.id > 0 ? "Run " + std::to_string(r.id) : std::string("Dry run")) << ": "
    << escapeControl(r.job) << ", " << updateTypeName(r.type)
    << (r.dryRun ? " (dry run: nothing was changed)" : "") << ", " << runStatusName(r.status)
    << "\n";
  o << "  file:        " << (r.file.empty() ? "-" : escapeControl(r.file)) << "\n";
  o << "  started:     " << displayTime(r.startedAt, zone) << "\n";
  o << "  finished:    " << (r.finishedAt.empty() ? "-" : displayTime(r.finishedAt, zone)) << "\n";
  o << "  read " << c.read << ", added " << c.added << ", updated " << c.updated << ", unchanged "
    << c.unchanged << ", reactivated " << c.reactivated << ", skipped " << c.skipped << "\n";
  o << "  errors " << c.errors << ", warnings " << c.warnings << ", inactivated " << c.inactivated
    << ", deleted " << c.deleted << "\n";
  // An incremental run has a lifecycle line only when it had removals to make (a delta's
  // tobedeleted users): whether they went through, or which guard kept them.
  if (r.type == UpdateType::kFull || r.lifecycleRan || lifecycleStoppedByGuard(r)) {
    o << "  lifecycle:   "
      << (r.lifecycleRan ? "ran"
                         : "did not run" + (r.lifecycleReason.empty()
                                                ? std::string()
                                                : ": " + escapeControl(r.lifecycleReason)))
      << "\n";
  }
  for (const auto& m : messages) {
    o << "  " << severityName(m.severity);
    if (m.line > 0) {
      o << " line " << m.line;
    }
    if (!m.key.empty()) {
      o << " [" << escapeControl(m.key) << "]";
    }
    o << " " << m.code << ": " << escapeControl(m.text) << "\n";
  }
  return o.str();
}

namespace {
std::int64_t touched(const RunCounts& c) {
  return c.added + c.updated + c.reactivated + c.inactivated + c.deleted;
}
}  // namespace

void addRunPatrons(nlohmann::json& summary, const ImportRun& run,
                   const std::vector<RunPatron>& patrons) {
  json list = json::array();
  for (const auto& p : patrons) {
    json changes = json::array();
    for (const auto& c : p.changes) {
      changes.push_back({{"field", c.field}, {"old", c.before}, {"new", c.after}});
    }
    list.push_back({{"action", std::string(patronActionName(p.action))},
                    {"key", p.key},
                    {"line", p.line > 0 ? json(p.line) : json(nullptr)},
                    {"rule", nullIfEmpty(p.detail)},
                    {"changes", changes}});
  }
  summary["patrons"] = std::move(list);
  summary["patrons_total"] = touched(run.counts);
  summary["patrons_kept"] = patrons.size();
}

std::string runPatronsText(const ImportRun& run, const std::vector<RunPatron>& patrons) {
  std::ostringstream o;
  const std::int64_t total = touched(run.counts);
  o << "  patrons: " << total << " added, updated, reactivated, inactivated or deleted";
  if (static_cast<std::int64_t>(patrons.size()) < total) {
    o << "; detail kept for " << patrons.size()
      << (patrons.empty() ? " (options.summary: errors_and_warnings, or a run before detail was "
                            "kept)"
                          : " (the first " + std::to_string(kRunPatronCap) + " at most)");
  }
  o << "\n";
  for (const auto& p : patrons) {
    o << "    " << patronActionName(p.action) << " " << escapeControl(p.key);
    if (p.line > 0) {
      o << " (line " << p.line << ")";
    }
    if (!p.detail.empty()) {
      o << " by " << escapeControl(p.detail);
    }
    const char* sep = ": ";
    for (const auto& c : p.changes) {
      o << sep << c.field;
      if (c.before != kPasswordChanged || c.after != kPasswordChanged) {
        o << " " << escapeControl(quoteValue(c.before)) << " -> "
          << escapeControl(quoteValue(c.after));
      } else {
        o << " changed";
      }
      sep = ", ";
    }
    o << "\n";
  }
  return o.str();
}

nlohmann::json copyJson(const Copy& c) {
  return {{"copy", c.barcode},
          {"title", c.title},
          {"status", c.status},
          {"condition", c.condition},
          {"value", formatCents(c.valueCents)},
          {"purchase_price", formatCents(c.purchaseCents)},
          {"circulations", c.circulations},
          {"condition_circulations", c.conditionCirculations},
          {"site", c.site.empty() ? json(nullptr) : json(c.site)},
          {"textbook", c.textbook}};
}

nlohmann::json loanJson(const Loan& l, const CivilTime& today, const TimeZone& zone) {
  return {{"copy", l.copyBarcode},
          {"title", l.title},
          {"due", l.due},
          {"overdue_days", overdueDays(l.due, today)},
          {"checked_out_at", displayTime(l.checkedOutAt, zone)},
          {"textbook", l.textbook},
          {"overridden", l.overridden},
          {"override_by", l.overrideBy.empty() ? json(nullptr) : json(l.overrideBy)}};
}

nlohmann::json blockJson(const Block& b) {
  json j{{"code", b.code}, {"text", b.text}};
  if (!b.kind.empty()) {
    j["kind"] = b.kind;
  }
  return j;
}

}  // namespace patrond::daemon
