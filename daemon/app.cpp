#include "daemon/app.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "daemon/run_as.h"
#include "daemon/wiring.h"
#include "engine/text.h"

namespace patrond::daemon {

std::string defaultConfigPath() {
  if (const char* env = std::getenv("PATROND_CONFIG"); env && *env) {
    return env;
  }
#ifdef _WIN32
  const char* pd = std::getenv("ProgramData");
  return std::string(pd ? pd : "C:\\ProgramData") + "\\patrond\\patrond.yaml";
#else
  return "/etc/patrond/patrond.yaml";
#endif
}

namespace {
std::string& lastFailureMessage() {
  static std::string message;
  return message;
}
}  // namespace

int fail(int code, const std::string& message) {
  std::cerr << "patrond: " << escapeControlKeepLines(message) << "\n";
  lastFailureMessage() = message;
  return code;
}

std::string siteCodes(const App& app) {
  std::string known;
  for (const auto& s : app.config().sites) {
    known += (known.empty() ? "" : ", ") + s.code;
  }
  return known;
}

int unknownSite(App& app, const std::string& site) {
  return fail(kExitUsage, "site '" + escapeControl(site) + "' is not configured in " +
                              app.config().path + " (configured: " + siteCodes(app) + ")");
}

const std::string& lastFailure() {
  return lastFailureMessage();
}

std::string leaseHolderOf(long pid) {
  return hostName() + ":" + std::to_string(pid) + ":" + bootToken() + "." + processStartToken(pid);
}

std::string leaseHolder() {
  static const std::string holder = leaseHolderOf(currentPid());
  return holder;
}

HolderState holderState(const std::string& holder) {
  // host:pid[:boot.pidns.start]; anything else (a slot's "ran by ..." mark) is no process.
  auto colon = holder.find(':');
  if (colon == std::string::npos || holder.substr(0, colon) != hostName()) {
    return HolderState::kElsewhere;
  }
  auto second = holder.find(':', colon + 1);
  std::string pidText = holder.substr(
      colon + 1, second == std::string::npos ? std::string::npos : second - colon - 1);
  long pid = 0;
  auto [end, err] = std::from_chars(pidText.data(), pidText.data() + pidText.size(), pid);
  if (err != std::errc() || end != pidText.data() + pidText.size() || pid <= 0) {
    return HolderState::kElsewhere;
  }
  if (second != std::string::npos) {
    std::string token = holder.substr(second + 1);  // boot.pidns.start
    std::string boot = bootToken();
    if (token.compare(0, boot.size() + 1, boot + ".") != 0) {
      // Another boot (the host restarted: the holder is gone) or another pid namespace (a
      // container on the same host name: its pids mean nothing here).
      return token.compare(0, 12, boot.substr(0, 12)) != 0 ? HolderState::kDead
                                                           : HolderState::kElsewhere;
    }
    if (!processExists(pid)) {
      return HolderState::kDead;
    }
    std::string start = processStartToken(pid);
    // A pid taken by a later process is not the holder; /proc hidden from us: trust it.
    if (!start.empty() && start != token.substr(boot.size() + 1)) {
      return HolderState::kDead;
    }
    return HolderState::kAlive;
  }
  // An older "host:pid" holder: the pid alone.
  return processExists(pid) ? HolderState::kAlive : HolderState::kDead;
}

App::App(GlobalOptions options) : options_(std::move(options)) {
  if (options_.configPath.empty()) {
    options_.configPath = defaultConfigPath();
  }
}

int App::loadConfig(bool printWarnings, bool readSecrets) {
  auto result = loadConfigFile(options_.configPath, readSecrets);
  diagnostics_ = result.diagnostics;
  for (const auto& d : result.diagnostics) {
    if (!d.warning || printWarnings) {
      std::cerr << d.format() << "\n" << d.excerpt;
    }
  }
  if (!result.ok()) {
    size_t errors = 0;
    for (const auto& d : result.diagnostics) {
      errors += d.warning ? 0 : 1;
    }
    std::cerr << "patrond: " << errors << " error" << (errors == 1 ? "" : "s")
              << " in the configuration\n";
    return kExitUsage;
  }
  if (auto problems = templateProblems(*result.config); !problems.empty()) {
    for (const auto& p : problems) {
      std::cerr << p << "\n";
    }
    return fail(kExitUsage, "a notice template has errors");
  }
  auto zone = makeTimeZone(result.config->district.timezone);
  if (!zone) {
    return fail(kExitUsage, zone.error().describe());
  }
  zone_ = std::move(*zone);
  config_ = std::move(result.config);
  // Before anything is opened (the log file, the database): root becomes the state's owner.
  if (int rc = runAsStateOwner(*config_); rc != kExitOk) {
    return rc;
  }
  if (!options_.asOf.empty()) {
    auto t = parseCivilTime(options_.asOf);
    if (!t) {
      return fail(kExitUsage,
                  "--as-of: expected \"YYYY-MM-DD[ HH:MM]\", got '" + options_.asOf + "'");
    }
    auto instants = zone_->fromLocal(*t);
    asOf_ = instants.empty() ? toSysSeconds(*t) : instants.front();
  }
  if (!log_) {
    setupLog(false);
  }
  return kExitOk;
}

void App::setupLog(bool console, bool journal) {
  LogOptions setup;
  setup.config = config_ ? config_->logging : LoggingConfig{};
  setup.console = console;
  setup.journal = journal;
  setup.zone = zone_;
  if (!console) {
    // One-shot commands talk on stdout/stderr; the service log gets only the file and system
    // sinks so that a cron'd `patrond import` still leaves a trace.
    setup.config.system = setup.config.system && !options_.json;
  }
  try {
    log_ = makeLog(setup);
  } catch (const std::exception& e) {
    // Log setup never ends the process: the file is named, the other sinks still work.
    std::string problem = std::string("logging.file: ") + e.what() +
                          "; logging to the console and the system log only";
    std::cerr << "patrond: " << problem << "\n";
    setup.config.file.clear();
    log_ = makeLog(setup);
    log_->error(problem);
  }
}

void App::replaceConfig(Config config) {
  if (auto zone = makeTimeZone(config.district.timezone)) {
    zone_ = std::move(*zone);
  }
  config_ = std::move(config);
}

UtcTime App::now() const {
  if (asOf_) {
    return *asOf_;
  }
  return SystemClock().now();
}

PatronStore* App::serviceStore() {
  if (!store_ || storeBroken_) {
    if (openDatabase(true) != kExitOk) {
      return nullptr;
    }
    storeBroken_ = false;
  }
  return store_.get();
}

int App::failDatabase(const Error& e, bool quiet) {
  store_.reset();
  databaseProblem_ = e.describe();
  if (quiet) {
    log_->error("database: " + e.describe());
    return kExitFailed;
  }
  // A database (folder) that is not there is the configuration's fault: nothing was done.
  return fail(exitCodeFor(e), e.describe());
}

int App::openDatabase(bool quiet) {
  return openAndMigrate(quiet);
}

int App::openDatabaseToChange() {
  // SPEC section 2: every command that needs the database creates it. One that changes
  // a library it does not fill says so when the file was not there, so that a typo in
  // database.connection does not pass for an empty library.
  std::string created;
  if (config_->database.backend == DbBackend::kSqlite3) {
    std::string file = sqliteFile(config_->database.connection);
    std::error_code ec;
    if (!std::filesystem::exists(file, ec) && !ec) {
      created = file;
    }
  }
  int rc = openAndMigrate(false);
  if (rc == kExitOk && !created.empty()) {
    std::cerr << "patrond: warning: created a new, empty database " << escapeControl(created)
              << " (database.connection named a file that did not exist); if that is a typo, "
                 "correct database.connection in "
              << escapeControl(config_->path) << " and delete " << escapeControl(created) << "\n";
    log_->warning("created a new, empty database " + created +
                  " for a command that does not import patrons");
  }
  return rc;
}

int failWith(App& app, const Error& e) {
  std::string text = e.describe();
  if (e.code == ErrorCode::kUsage && e.message.rfind("no patron with", 0) == 0) {
    text += app.noPatronsHint();
  }
  if (app.json()) {
    // The keys of every --json failure (ok, error, exit_code), and the error's code.
    std::cout << nlohmann::json{{"ok", false},
                                {"code", e.code.str()},
                                {"error", text},
                                {"exit_code", exitCodeFor(e)}}
                     .dump(2)
              << "\n";
  }
  return fail(exitCodeFor(e), escapeControl(text));
}

std::string App::noPatronsHint() {
  if (!store_) {
    return "";
  }
  auto n = store_->patronCountBound();
  if (!n || *n > 0) {
    return "";
  }
  return "; the database has no patrons at all: import them first ('patrond import JOB'), or "
         "check database.connection in " +
         escapeControl(config_->path);
}

int App::openAndMigrate(bool quiet) {
  auto problem = [&](const Error& e) { return failDatabase(e, quiet); };
  auto store = openPatronStore(config_->database);
  if (!store) {
    return problem(store.error());
  }
  store_ = std::move(*store);
  auto v = store_->migrate();
  if (!v) {
    return problem(v.error());
  }
  return prepareStore(quiet);
}

int App::openExistingDatabase(std::string* problem) {
  // `problem`: keep the message for the caller (`status`) instead of printing it.
  auto report = [&](int code, const std::string& message) {
    if (problem) {
      *problem = message;
      return code;
    }
    return fail(code, message);
  };
  auto store = openPatronStore(config_->database, DbOpen::kExisting);
  if (!store) {
    return report(exitCodeFor(store.error()), store.error().describe());
  }
  store_ = std::move(*store);
  auto v = store_->schemaVersion();
  if (!v) {
    store_.reset();
    return report(kExitFailed, v.error().describe());
  }
  if (*v != PatronStore::kSchemaVersion) {
    store_.reset();
    const std::string ours = std::to_string(PatronStore::kSchemaVersion);
    if (*v > PatronStore::kSchemaVersion) {
      return report(kExitUsage, "the database schema (version " + std::to_string(*v) +
                                    ") is newer than this patrond (" + ours + "): upgrade patrond");
    }
    std::string what =
        *v == 0 ? "has no patrond schema yet"
                : "has schema version " + std::to_string(*v) + " (this patrond: " + ours + ")";
    return report(kExitUsage, "the database " + what +
                                  ": run 'patrond db migrate' (commands that only read never "
                                  "create or upgrade it)");
  }
  int rc = prepareStore(problem != nullptr);
  if (rc != kExitOk && problem) {
    *problem = databaseProblem_;
  }
  return rc;
}

int App::prepareStore(bool quiet) {
  auto problem = [&](const Error& e) { return failDatabase(e, quiet); };
  if (auto s = store_->syncSites(config_->sites); !s) {
    return problem(s.error());
  }
  auto n = store_->markInterruptedRuns(localNowIso(), utcIso(now()), holderState);
  if (!n) {
    return problem(n.error());
  }
  if (*n > 0) {
    log_->warning(std::to_string(*n) + " run(s) left open by a stopped process marked interrupted");
  }
  databaseProblem_.clear();
  return kExitOk;
}

}  // namespace patrond::daemon
