#include "daemon/commands.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "daemon/cli_support.h"
#include "daemon/environment_check.h"
#include "daemon/import_execution.h"
#include "daemon/json_output.h"
#include "daemon/patron_commands.h"
#include "daemon/wiring.h"
#include "engine/csv_reader.h"
#include "engine/display_time.h"
#include "engine/monitoring.h"
#include "engine/patron_import.h"
#include "engine/schedule.h"
#include "engine/text.h"

namespace patrond::daemon {

using nlohmann::json;

namespace {

std::string sourceText(const ImportJob& j) {
  std::string bundle = j.source.format == SourceFormat::kOneRoster ? " (OneRoster bundle)" : "";
  if (j.source.sftp) {
    // Credentials in a URL are refused when loading; masked here all the same.
    return "sftp " + redactSecrets(j.source.sftp->url) + " every " +
           formatDuration(j.source.sftp->pollEvery) + ", file " + j.source.file + bundle;
  }
  return "directory " + j.source.directory + ", file " + j.source.file + bundle;
}

// Environment warnings go to stderr (and into the JSON); errors end check-config with exit 2.
int reportEnvironment(const EnvironmentReport& env, bool asJson, json& j) {
  j["paths"] = json::object();
  for (const auto& [what, path] : env.paths) {
    j["paths"][what] = path;
  }
  for (const auto& w : env.warnings) {
    j["warnings"].push_back(w);
    std::cerr << "patrond: warning: " << escapeControl(w) << "\n";
  }
  if (env.errors.empty()) {
    return kExitOk;
  }
  j["ok"] = false;
  j["errors"] = env.errors;
  for (const auto& e : env.errors) {
    std::cerr << "patrond: " << escapeControl(e) << "\n";
  }
  std::cerr << "patrond: " << env.errors.size() << " problem(s) in the environment (checked as "
            << "the user running check-config)\n";
  if (asJson) {
    std::cout << j.dump(2) << "\n";
  }
  return kExitUsage;
}

}  // namespace

int cmdConfigKeys(App& app) {
  auto keys = configKeyReference();
  if (app.json()) {
    json j = json::array();
    for (const auto& k : keys) {
      j.push_back({{"key", k.path}, {"doc", k.doc}});
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::size_t width = 0;
  for (const auto& k : keys) {
    width = std::max(width, k.path.size());
  }
  for (const auto& k : keys) {
    std::cout << k.path << std::string(width - k.path.size() + 2, ' ') << k.doc << "\n";
  }
  return kExitOk;
}

int cmdCheckConfig(App& app) {
  const Config& c = app.config();
  UtcTime now = app.now();
  std::string zoneName = c.district.timezone.empty() ? "local time" : c.district.timezone;
  json j{{"ok", true},
         {"config", c.path},
         {"timezone", zoneName},
         {"jobs", json::array()},
         {"notices", json::array()},
         {"warnings", json::array()}};
  for (const auto& d : app.diagnostics()) {
    j["warnings"].push_back(d.format());
  }
  EnvironmentReport env = checkEnvironment(c);
  if (int rc = reportEnvironment(env, app.json(), j); rc != kExitOk) {
    return rc;
  }
  std::ostringstream o;
  o << "Configuration OK: " << c.path << "\n";
  for (const auto& [what, path] : env.paths) {
    o << "  " << what << ": " << escapeControl(path) << "\n";
  }
  o << "  district: " << (c.district.name.empty() ? "-" : c.district.name) << " (" << zoneName
    << "), " << c.sites.size() << " site(s)\n";
  for (const auto& job : c.imports) {
    auto next = nextRun(job.schedule, now, app.zone());
    json jj{{"name", job.name},
            {"source", sourceText(job)},
            {"mapping", job.mapping.path},
            {"next_run", next ? json(rfc3339(next->at, app.zone())) : json(nullptr)},
            {"next_update", next ? json(std::string(updateTypeName(next->update))) : json(nullptr)},
            {"lifecycle", job.lifecycle.has_value()}};
    j["jobs"].push_back(jj);
    o << "  import " << job.name << ": " << sourceText(job) << "\n";
    o << "    next run: ";
    if (next) {
      o << updateTypeName(next->update) << " at " << rfc3339(next->at, app.zone());
    } else {
      o << "none scheduled";
    }
    if (job.onNewFile != OnNewFile::kNone) {
      o << "; also on each new file";
    }
    o << "\n";
  }
  for (const auto& n : c.notices) {
    std::optional<UtcTime> next;
    if (n.schedule) {
      next = nextNoticeRun(*n.schedule, now, app.zone());
    }
    std::string nextText = next ? rfc3339(*next, app.zone()) : "";
    j["notices"].push_back({{"name", n.name},
                            {"deliver", n.deliver == Delivery::kEmail ? "email" : "print"},
                            {"next_run", next ? json(nextText) : json(nullptr)}});
    o << "  notice " << n.name << ": " << (n.deliver == Delivery::kEmail ? "e-mail" : "print")
      << ", next run: " << (next ? nextText : "none scheduled") << "\n";
  }
  if (auto sweep = nextSweep(c.circulation, now, app.zone())) {
    j["circulation_sweep"] = {{"at", formatTimeOfDay(c.circulation.sweepAt)},
                              {"next_run", rfc3339(sweep->at, app.zone())}};
    o << "  circulation sweep: daily at " << formatTimeOfDay(c.circulation.sweepAt)
      << ", next run: " << rfc3339(sweep->at, app.zone()) << "\n";
  }
  const MonitoringConfig& m = c.monitoring;
  json alerts = nullptr;
  std::string alertsText = "off (no monitoring.alerts)";
  if (m.alerts) {
    json kinds = json::array();
    std::string names;
    for (AlertKind k : m.alerts->on) {
      kinds.push_back(alertKindName(k));
      names += (names.empty() ? "" : ", ") + std::string(alertKindName(k));
    }
    std::string to;
    for (const auto& a : m.alerts->to) {
      to += (to.empty() ? "" : ", ") + a;
    }
    alerts = {{"to", m.alerts->to},
              {"on", kinds},
              {"repeat_after", formatDuration(m.alerts->repeatAfter)}};
    alertsText =
        "to " + to + " on " + names + ", again every " + formatDuration(m.alerts->repeatAfter);
  }
  j["monitoring"] = {{"grace", formatDuration(m.grace)},
                     {"metrics", m.metrics.empty() ? json(nullptr) : json(m.metrics)},
                     {"alerts", alerts}};
  o << "  monitoring: patrond status allows " << formatDuration(m.grace) << " past a slot; metrics "
    << (m.metrics.empty() ? "off" : "on " + m.metrics) << "; alerts " << alertsText << "\n";
  if (app.json()) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << o.str();
  }
  return kExitOk;
}

int cmdDbMigrate(App& app) {
  if (int rc = app.openDatabase(); rc != kExitOk) {
    return rc;
  }
  auto v = app.store().schemaVersion();
  if (!v) {
    return fail(kExitFailed, v.error().describe());
  }
  if (app.json()) {
    std::cout << json{{"schema_version", *v}}.dump() << "\n";
  } else {
    std::cout << "database schema is at version " << *v << "\n";
  }
  return kExitOk;
}

int cmdRuns(App& app, const std::string& job, int limit) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  if (!job.empty() && !app.config().findJob(job)) {
    return fail(kExitUsage, unknownJobMessage(app.config(), job));
  }
  auto runs = app.store().listRuns(job, limit);
  if (!runs) {
    return fail(kExitFailed, runs.error().describe());
  }
  if (app.json()) {
    json j = json::array();
    for (const auto& r : *runs) {
      j.push_back(runJson(r, app.zone()));
    }
    std::cout << j.dump(2) << "\n";
  } else if (runs->empty()) {
    std::cout << "no runs yet\n";
  } else {
    for (const auto& r : *runs) {
      std::cout << runLine(r, app.zone()) << "\n";
    }
  }
  return kExitOk;
}

int cmdSummary(App& app, std::int64_t runId, bool errorsOnly, bool withPatrons) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  auto run = app.store().findRun(runId);
  if (!run) {
    return fail(kExitFailed, run.error().describe());
  }
  if (!run->has_value()) {
    return fail(kExitUsage, "no run " + std::to_string(runId));
  }
  auto messages = app.store().runMessages(runId, errorsOnly);
  if (!messages) {
    return fail(kExitFailed, messages.error().describe());
  }
  std::vector<RunPatron> patrons;
  if (withPatrons) {
    auto read = app.store().runPatrons(runId);
    if (!read) {
      return fail(kExitFailed, read.error().describe());
    }
    patrons = std::move(*read);
  }
  if (app.json()) {
    json j = summaryJson(**run, *messages, app.zone());
    if (withPatrons) {
      addRunPatrons(j, **run, patrons);
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << summaryText(**run, *messages, app.zone());
    if (withPatrons) {
      std::cout << runPatronsText(**run, patrons);
    }
  }
  return kExitOk;
}

int cmdPatronsShow(App& app, const std::string& key) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  Patron patron;
  if (int rc = findPatron(app, key, patron); rc != kExitOk) {
    return rc;
  }
  CivilTime local = app.localNow();
  CivilTime today{local.year, local.month, local.day};
  auto circ = patronCirculation(app.store().circulation(), app.config(), borrowerOf(patron), today);
  if (!circ) {
    return fail(kExitFailed, circ.error().describe());
  }
  json j = patronJson(patron, app.zone());
  j["loans"] = json::array();
  for (const auto& l : circ->loans) {
    j["loans"].push_back(loanJson(l, today, app.zone()));
  }
  j["fine_balance"] = formatCents(circ->balanceCents);
  j["blocks"] = json::array();
  for (const auto& b : circ->blocks) {
    j["blocks"].push_back(blockJson(b));
  }
  if (app.json()) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  // Text output: values from the SIS are shown with their control characters escaped.
  std::cout << escapeControl(patron.get(PatronField::kLastName)) << ", "
            << escapeControl(patron.get(PatronField::kFirstName)) << " ("
            << statusName(patron.status) << ")\n";
  for (size_t i = 0; i < kPatronFieldCount; ++i) {
    auto f = static_cast<PatronField>(i);
    if (f != PatronField::kPassword && !patron.values[i].empty()) {
      std::cout << "  " << fieldInfo(f).name << ": " << escapeControl(patron.values[i])
                << (f == PatronField::kHomeroom && patron.homeroomPinned
                        ? " (pinned by hand: imports leave it)"
                        : "")
                << "\n";
    }
  }
  std::cout << "  last seen: "
            << (patron.lastSeenAt.empty() ? "-" : displayTime(patron.lastSeenAt, app.zone()))
            << "\n";
  if (!patron.inactiveSince.empty()) {
    std::cout << "  inactive since: " << displayTime(patron.inactiveSince, app.zone()) << "\n";
  }
  std::cout << "  import job: "
            << (patron.ownerJob.empty() ? "(added by hand)" : escapeControl(patron.ownerJob))
            << "\n";
  std::cout << "  loans: " << (circ->loans.empty() ? "none" : std::to_string(circ->loans.size()))
            << "\n";
  for (const auto& l : circ->loans) {
    int days = overdueDays(l.due, today);
    std::cout << "    " << escapeControl(l.copyBarcode) << " '" << escapeControl(l.title)
              << "' due " << l.due
              << (days > 0 ? " (" + std::to_string(days) + " days overdue)" : "")
              << (l.overridden ? ", blocks overridden by " +
                                     escapeControl(l.overrideBy.empty() ? "-" : l.overrideBy)
                               : "")
              << "\n";
  }
  std::cout << "  fine balance: " << formatCents(circ->balanceCents) << "\n";
  std::cout << "  checkout blocks: " << (circ->blocks.empty() ? "none" : "") << "\n";
  for (const auto& b : circ->blocks) {
    std::cout << "    " << b.code << ": " << escapeControl(b.text) << "\n";
  }
  return kExitOk;
}

int cmdPatronsList(App& app, const PatronFilter& filter) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  // Streamed: one patron in memory at a time, however many the district has. The JSON is
  // what json::dump(2) gives for the whole array (each element indented one level more).
  std::int64_t count = 0;
  auto listed = app.store().forEachPatron(filter, [&](const Patron& p) {
    if (app.json()) {
      std::string element = count == 0 ? "[\n  " : ",\n  ";
      for (char c : patronJson(p, app.zone()).dump(2)) {
        element += c;
        if (c == '\n') {
          element += "  ";
        }
      }
      std::cout << element;
    } else {
      std::cout << escapeControl(p.get(PatronField::kDistrictId)) << "  "
                << escapeControl(p.get(PatronField::kBarcode)) << "  "
                << escapeControl(p.get(PatronField::kLastName)) << ", "
                << escapeControl(p.get(PatronField::kFirstName)) << "  "
                << escapeControl(p.get(PatronField::kSite)) << "  "
                << escapeControl(p.get(PatronField::kHomeroom)) << "  " << statusName(p.status)
                << "\n";
    }
    ++count;
  });
  if (!listed) {
    if (count > 0) {
      std::cout << std::endl;  // the error goes to stderr after what was printed
    }
    return fail(kExitFailed, listed.error().describe());
  }
  if (app.json()) {
    std::cout << (count == 0 ? "[]\n" : "\n]\n");
  } else {
    std::cout << count << " patron(s)\n";
  }
  // Not an error: patrons of a site since removed from sites: can still be listed. But an
  // empty listing of a code that is not configured is most likely a typo or the wrong case.
  if (count == 0 && !filter.site.empty() && !app.config().findSite(filter.site)) {
    std::cerr << "patrond: note: site '" << escapeControl(filter.site)
              << "' is not in sites: (configured: " << siteCodes(app)
              << "; codes are case-sensitive)\n";
  }
  return kExitOk;
}

namespace {

void printOutcome(App& app, const ImportOutcome& o) {
  if (app.json()) {
    json j = summaryJson(o.run, o.messages, app.zone());
    if (o.run.id == 0) {
      j["run_id"] = nullptr;
    }
    std::cout << j.dump(2) << "\n";
    return;
  }
  constexpr size_t kShown = 50;
  std::vector<RunMessage> shown(
      o.messages.begin(),
      o.messages.begin() + static_cast<long>(std::min(kShown, o.messages.size())));
  std::cout << summaryText(o.run, shown, app.zone());
  if (o.messages.size() > kShown) {
    std::cout << "  ... " << (o.messages.size() - kShown) << " more message(s)";
    if (o.run.id > 0) {
      std::cout << ": patrond summary " << o.run.id;
    }
    std::cout << "\n";
  }
}

}  // namespace

int cmdTestSource(App& app, const std::string& jobName) {
  const ImportJob* job = app.config().findJob(jobName);
  if (!job) {
    return fail(kExitUsage, unknownJobMessage(app.config(), jobName));
  }
  json j{{"job", job->name}, {"ok", false}};
  std::string where, name;
  std::vector<std::string> skipped;  // matches an SFTP server has that are not taken
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  Error error;
  bool ok = false;
  if (job->source.sftp) {
    where = job->source.sftp->url;
    auto remote = openRemoteSource(*job->source.sftp, job->source.file);
    auto found = remote ? (*remote)->list() : Result<RemoteListing>(remote.error());
    if (found) {
      ok = true;
      name = found->files.front().name;
      size = found->files.front().size;
      mtime = found->files.front().mtime;
      skipped = found->skipped;
    } else {
      error = found.error();
    }
  } else {
    where = job->source.directory;
    auto path = sourcePath(*job);
    if (path && job->source.format == SourceFormat::kOneRoster) {
      // A bundle: it must open (a zip passes its limits) and hold a manifest; a folder's size
      // and time are its files' total and newest.
      auto bundle = openBundle(*path);
      if (!bundle) {
        path = bundle.error();
      } else if (!(*bundle)->has("manifest.csv")) {
        path = Error{"FILE_MISSING", "the OneRoster bundle has no manifest.csv", *path};
      }
    }
    if (path) {
      std::error_code ec;
      if (std::filesystem::is_directory(*path, ec)) {
        ok = true;
        for (const auto& e : std::filesystem::directory_iterator(*path, ec)) {
          auto st = statFile(e.path().string());
          size += st.size;
          mtime = std::max(mtime, st.mtimeNs / 1'000'000'000);
        }
      } else {
        auto st = statFile(*path);
        ok = st.exists;
        size = st.size;
        mtime = st.mtimeNs / 1'000'000'000;
      }
      name = std::filesystem::path(*path).filename().string();
    } else {
      error = path.error();
    }
  }
  std::string modified = rfc3339(UtcTime{Seconds{mtime}}, app.zone());
  if (ok) {
    j = {{"job", job->name}, {"ok", true},   {"source", where},
         {"file", name},     {"size", size}, {"modified", modified}};
    if (!skipped.empty()) {
      j["skipped"] = skipped;
    }
  } else {
    j = {{"job", job->name},
         {"ok", false},
         {"source", where},
         {"code", error.code.str()},
         {"error", error.describe()}};
  }
  if (app.json()) {
    std::cout << j.dump(2) << "\n";
  } else if (ok) {
    std::cout << "OK: " << where << ": " << escapeControl(name) << ", " << size
              << " bytes, modified " << modified << "\n";
    for (const auto& s : skipped) {
      std::cout << "skipped " << escapeControl(s) << "\n";
    }
  } else {
    std::cerr << "patrond: test-source " << job->name << " failed (" << error.code
              << "): " << escapeControl(error.describe()) << "\n";
  }
  return ok ? kExitOk : kExitFailed;
}

int cmdImport(App& app, const ImportArgs& args) {
  const ImportJob* job = app.config().findJob(args.job);
  if (!job) {
    return fail(kExitUsage, unknownJobMessage(app.config(), args.job));
  }
  if (int rc = app.openDatabase(); rc != kExitOk) {
    return rc;
  }
  ImportCall call;
  call.config = &app.config();
  call.job = job;
  call.type = args.incremental ? UpdateType::kIncremental : UpdateType::kFull;
  call.dryRun = args.dryRun;
  call.maxPercent = args.maxPercent;
  call.file = args.file;
  call.trigger = "cli";
  call.localNow = app.localNow();
  call.utcNow = app.now();
  auto result = executeImport(app.store(), call, app.log());
  if (result.busy) {
    return fail(kExitFailed, result.error);
  }
  printOutcome(app, result.outcome);
  return result.outcome.run.status == RunStatus::kCompleted ? kExitOk : kExitFailed;
}

}  // namespace patrond::daemon
