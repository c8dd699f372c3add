#pragma once
// What a command runs with: global options, the loaded configuration, and the store, time
// zone and log it needs (made by the composition root, daemon/wiring.h). Main thread.

#include <memory>
#include <optional>
#include <string>

#include "daemon/wiring.h"
#include "engine/config.h"
#include "engine/ports/clock.h"
#include "engine/ports/log.h"
#include "engine/ports/patron_store.h"
#include "engine/ports/time_zone.h"

namespace patrond::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRefused = 3;

// The exit code of a command that stops on `e` (SPEC section 2): from the one table of error
// codes (engine/error_code.h).
inline int exitCodeFor(const Error& e) {
  return static_cast<int>(e.code.exitClass());
}

struct GlobalOptions {
  std::string configPath;
  std::string asOf;
  bool json = false;
};

std::string defaultConfigPath();

class App {
 public:
  explicit App(GlobalOptions options);

  // Loads and validates the configuration; prints diagnostics to stderr. Returns 0 or 2.
  // With `readSecrets` (check-config) every secret is read now; what cannot be is an error.
  int loadConfig(bool printWarnings = true, bool readSecrets = false);
  // Opens the database, migrates it, marks runs a dead process left open. 0, 1 or 2.
  // With `quiet`, failures are logged rather than printed (the service retries).
  int openDatabase(bool quiet = false);
  // For commands that change the library but do not fill it (circulation, fines, patrons and
  // homerooms set, notices, outbox, alerts): as openDatabase, and a SQLite file that was not
  // there gets a warning on stderr naming it (a typo in database.connection would otherwise
  // pass for an empty library).
  int openDatabaseToChange();
  // For "no patron with ..." answers: when the open database has no patrons at all, a hint
  // that no import has run into it (or database.connection names another one); else "".
  std::string noPatronsHint();
  // For commands that only read: never creates nor migrates the database. A missing SQLite
  // file or a schema that is not current is exit 2, saying to run `patrond db migrate`.
  // With `problem`, a failure is not printed: its message is stored there.
  int openExistingDatabase(std::string* problem = nullptr);
  // The service's loop connection: reopened when the last use failed (the database was
  // restarted or unreachable). Null while the database cannot be reached.
  PatronStore* serviceStore();
  void storeFailed() { storeBroken_ = true; }
  // Why the last openDatabase failed ("" after a success), for the service's STATUS=.
  const std::string& databaseProblem() const { return databaseProblem_; }

  const GlobalOptions& options() const { return options_; }
  const Config& config() const { return *config_; }
  const std::vector<ConfigDiagnostic>& diagnostics() const { return diagnostics_; }
  PatronStore& store() { return *store_; }
  const TimeZone& zone() const { return *zone_; }
  std::shared_ptr<const TimeZone> sharedZone() const { return zone_; }
  Log& log() { return *log_; }
  std::shared_ptr<Log> sharedLog() { return log_; }
  // --as-of, else the system clock.
  UtcTime now() const;
  CivilTime localNow() const { return zone_->toLocal(now()); }
  std::string localNowIso() const { return formatIso(localNow()); }
  bool json() const { return options_.json; }

  // For the service's SIGHUP: swap in a configuration loaded elsewhere.
  void replaceConfig(Config config);
  // Console (stderr) on or off; `journal`: records go to the journal instead of syslog.
  void setupLog(bool console, bool journal = false);

 private:
  // After open and migrate: sites synced, runs of a dead process marked interrupted.
  int prepareStore(bool quiet);
  // Opens (creating a missing SQLite file) and migrates the database.
  int openAndMigrate(bool quiet);
  // Drops the store; logs (quiet) or prints the error, and keeps it for STATUS=. Exit 1.
  int failDatabase(const Error& e, bool quiet);

  GlobalOptions options_;
  std::optional<Config> config_;
  std::vector<ConfigDiagnostic> diagnostics_;
  std::unique_ptr<PatronStore> store_;
  std::shared_ptr<const TimeZone> zone_;
  std::shared_ptr<Log> log_;
  std::optional<UtcTime> asOf_;
  bool storeBroken_ = false;
  std::string databaseProblem_;
};

// The clock a command runs on: --as-of when given, else the system clock.
class AppClock final : public Clock {
 public:
  explicit AppClock(const App& app) : app_(app) {}
  UtcTime now() const override { return app_.now(); }

 private:
  const App& app_;
};

// The system clock, for work on the worker thread.
class SystemClock final : public Clock {
 public:
  UtcTime now() const override {
    return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
  }
};

// Prints an error line "patrond: ..." to stderr and returns the code. The message is kept
// (lastFailure) for the JSON error document of a --json command that printed none.
int fail(int code, const std::string& message);
const std::string& lastFailure();
// A --site that is not in the configuration's sites: (codes are case-sensitive): the usage
// error every command with --site gives, naming the configured codes.
int unknownSite(App& app, const std::string& site);
// The configured site codes, "LHS, JMS, WES".
std::string siteCodes(const App& app);
// A command's failure from the engine: exit code by its code (USAGE 2, REFUSED 3, anything
// else 1), with --json also {"ok": false, "code", "error"} on stdout. "no patron with ..." in
// a database with no patrons says that too (App::noPatronsHint).
int failWith(App& app, const Error& e);
// "host:pid:boot.pidns.start" of this process, the holder name of its leases: the boot id,
// pid namespace and start time tell it from a later process that got the same pid.
std::string leaseHolder();
// The same for another running process of this host (tests).
std::string leaseHolderOf(long pid);
// Whether a lease holder is this process or another running one on this host (alive), a
// process on this host that is gone (dead: its leases are taken over at once), or elsewhere
// (another host or pid namespace: trusted until its lease expires).
HolderState holderState(const std::string& holder);

}  // namespace patrond::daemon
