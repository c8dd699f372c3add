#include "daemon/cli.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <streambuf>
#include <string_view>

#include "daemon/alert_commands.h"
#include "daemon/circulation_commands.h"
#include "daemon/cli_support.h"
#include "daemon/commands.h"
#include "daemon/db_commands.h"
#include "daemon/homeroom_commands.h"
#include "daemon/librarian_commands.h"
#include "daemon/notice_commands.h"
#include "daemon/patron_commands.h"
#include "daemon/service.h"
#include "daemon/status_command.h"
#include "engine/text.h"

#ifdef _WIN32
#include "windows-service/win_service.h"
#endif

namespace patrond::daemon {

namespace {

using Action = std::function<int(App&)>;

// Where every command's options land while CLI11 parses; the chosen command's callback sets
// `action`, which reads them once the configuration is loaded.
struct CliArgs {
  GlobalOptions g;
  Action action;
  bool needsConfig = true;
  bool configKeys = false;  // check-config --keys
  std::string backupPath;
  ImportArgs imp;
  std::string sourceJob, runsJob;
  int runsLimit = 20;
  std::int64_t runId = 0;
  bool errorsOnly = false, withPatrons = false;
  std::string patronKey, statusText;
  PatronFilter filter;
  PatronSetArgs patronSet;
  PatronDeleteArgs patronDelete;
  std::string homeroomSite;
  HomeroomSetArgs homeroomSet;
  std::string itemsFile, itemsEncoding = "utf-8";
  bool itemsDry = false;
  CheckoutArgs checkout;
  std::string copy, condition, finePatron, fineAmount;
  LibrarianArgs librarian;
  std::string noticeName, noticeHomeroom;
  bool noticeDry = false, noticeForce = false;
  std::string outboxStatus;
  int outboxLimit = 100, alertsLimit = 50;
  std::string statusJob, setupData, setupStarter;
};

void addGlobals(CLI::App& app, GlobalOptions& g) {
  app.add_option("--config", g.configPath,
                 "configuration file (default: $PATROND_CONFIG, else " + defaultConfigPath() + ")")
      ->type_name("PATH");
  app.add_option("--as-of", g.asOf, "use this time instead of now: \"YYYY-MM-DD[ HH:MM]\"")
      ->type_name("TIME");
  app.add_flag("--json", g.json, "print one JSON document on stdout");
}

// run, check-config, db.
void addServiceCommands(CLI::App& cli, CliArgs& s) {
#ifdef _WIN32
  auto* run = cli.add_subcommand(
      "run", "run the service until stopped (net stop patrond, or Ctrl+C at a console)");
#else
  auto* run = cli.add_subcommand("run", "run the service until SIGTERM/SIGINT; SIGHUP reloads");
#endif
  run->callback([&] {
    s.action = [](App& a) {
#ifdef _WIN32
      int rc = 0;
      if (winsvc::runUnderScm([&](winsvc::StopRegistrar reg) { return runService(a, reg); }, rc)) {
        return rc;
      }
#endif
      return runService(a);
    };
  });

  auto* check =
      cli.add_subcommand("check-config", "validate the configuration and show what runs when");
  check->add_flag("--keys", s.configKeys,
                  "print every key of patrond.yaml and the mapping files with its doc line (no "
                  "configuration is read)");
  check->callback([&] {
    s.action = cmdCheckConfig;
    if (s.configKeys) {
      s.needsConfig = false;
      s.action = cmdConfigKeys;
    }
  });

  auto* db = cli.add_subcommand("db", "database maintenance");
  db->require_subcommand(1);
  db->add_subcommand("migrate", "create or upgrade the schema")->callback([&] {
    s.action = cmdDbMigrate;
  });
  db->add_subcommand("status", "backend, schema version, pending migrations, size (reads only)")
      ->callback([&] { s.action = cmdDbStatus; });
  auto* backup = db->add_subcommand(
      "backup", "a consistent copy of the SQLite database, also while the service runs");
  backup->add_option("PATH", s.backupPath, "the new file (must not exist)")->required();
  backup->callback([&] { s.action = [&](App& a) { return cmdDbBackup(a, s.backupPath); }; });
}

// A run number: digits only, no sign, and no silent clamp of one too large.
CLI::Validator runIdValidator() {
  return CLI::Validator(
      [](std::string& v) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        return ec == std::errc() && end == v.data() + v.size() && n > 0 && v[0] != '+'
                   ? std::string()
                   : "RUN_ID must be a run number like 42 (see 'patrond runs'), not '" +
                         escapeControl(utf8Truncate(v, 40)) + "'";
      },
      "RUN_ID");
}

// import, test-source, runs, summary.
void addImportCommands(CLI::App& cli, CliArgs& s) {
  ImportArgs& imp = s.imp;
  auto* importCmd = cli.add_subcommand("import", "run an import job now");
  importCmd->add_option("JOB", imp.job, "the import job's name")->required();
  auto* full = importCmd->add_flag("--full", imp.full, "full update (default)");
  importCmd->add_flag("--incremental", imp.incremental, "incremental update")->excludes(full);
  importCmd->add_option("--file", imp.file, "read this file instead of the job's source");
  importCmd->add_flag("--dry-run", imp.dryRun, "compute the whole summary, change nothing");
  importCmd
      ->add_option("--max-percent", imp.maxPercent, "lift the lifecycle's max_percent for this run")
      ->check(CLI::Range(0, 100));
  importCmd->callback([&] { s.action = [&](App& a) { return cmdImport(a, s.imp); }; });

  auto* test = cli.add_subcommand("test-source", "connect to a job's source and check its file");
  test->add_option("JOB", s.sourceJob)->required();
  test->callback([&] { s.action = [&](App& a) { return cmdTestSource(a, s.sourceJob); }; });

  auto* runs = cli.add_subcommand("runs", "run history, newest first");
  runs->add_option("--job", s.runsJob, "only this job");
  runs->add_option("--limit", s.runsLimit, "at most this many (default 20)")
      ->check(limitValidator(100000));
  runs->callback([&] { s.action = [&](App& a) { return cmdRuns(a, s.runsJob, s.runsLimit); }; });

  auto* summary = cli.add_subcommand("summary", "one run's job summary");
  summary->add_option("RUN_ID", s.runId)->required()->check(runIdValidator(), "RUN_ID");
  summary->add_flag("--errors-only", s.errorsOnly, "only error messages");
  summary->add_flag("--patrons", s.withPatrons,
                    "each patron the run added, updated (which fields), reactivated, inactivated "
                    "or deleted");
  summary->callback([&] {
    s.action = [&](App& a) { return cmdSummary(a, s.runId, s.errorsOnly, s.withPatrons); };
  });
}

// patrons, homerooms.
void addPatronAndHomeroomCommands(CLI::App& cli, CliArgs& s) {
  auto* patrons =
      cli.add_subcommand("patrons", "look at patrons, pin their homerooms, delete them by hand");
  patrons->require_subcommand(1);
  auto* pshow = patrons->add_subcommand("show", "one patron by district id or barcode");
  pshow->add_option("KEY", s.patronKey)->required();
  pshow->callback([&] { s.action = [&](App& a) { return cmdPatronsShow(a, s.patronKey); }; });
  auto* plist = patrons->add_subcommand("list", "patrons matching the filters");
  plist->add_option("--site", s.filter.site, "only this site's patrons (its code, as in sites:)");
  plist->add_option("--status", s.statusText, "active or inactive")
      ->check(CLI::IsMember({"active", "inactive"}));
  plist->add_option("--homeroom", s.filter.homeroom, "only this homeroom's patrons");
  plist->add_option("--type", s.filter.patronType, "only this patron type (e.g. Student)");
  plist
      ->add_option("--limit", s.filter.limit,
                   "at most this many, by last name (the count printed is of those shown)")
      ->check(limitValidator(10000000));
  plist->callback([&] {
    if (!s.statusText.empty()) {
      s.filter.status = s.statusText == "active" ? PatronStatus::kActive : PatronStatus::kInactive;
    }
    s.action = [&](App& a) { return cmdPatronsList(a, s.filter); };
  });
  addPatronCommands(*patrons, s.patronSet, s.patronDelete, s.action);

  auto* homerooms = cli.add_subcommand("homerooms", "homerooms and their teachers");
  homerooms->require_subcommand(1);
  auto* hlist = homerooms->add_subcommand("list", "homerooms with teacher and student count");
  hlist->add_option("--site", s.homeroomSite);
  hlist->callback([&] { s.action = [&](App& a) { return cmdHomeroomsList(a, s.homeroomSite); }; });
  HomeroomSetArgs& hs = s.homeroomSet;
  auto* hset = homerooms->add_subcommand("set", "set a homeroom's teacher, library day or notices");
  hset->add_option("SITE", hs.site)->required();
  hset->add_option("NAME", hs.name)->required();
  auto* hEmail = hset->add_option("--teacher-email", hs.teacherEmail, "\"\" to clear");
  auto* hTeacher = hset->add_option("--teacher-name", hs.teacherName);
  hset->add_option("--library-day", hs.libraryDay, "monday .. sunday");
  hset->add_option("--notices", hs.notices)->check(CLI::IsMember({"on", "off"}));
  hset->callback([&, hEmail, hTeacher] {
    s.homeroomSet.emailGiven = hEmail->count() > 0;
    s.homeroomSet.nameGiven = hTeacher->count() > 0;
    s.action = [&](App& a) { return cmdHomeroomsSet(a, s.homeroomSet); };
  });
}

// items, circ, fines (and the librarian's commands on them).
void addCirculationCommands(CLI::App& cli, CliArgs& s) {
  auto* items = cli.add_subcommand("items", "textbook and library copies");
  items->require_subcommand(1);
  auto* iimport = items->add_subcommand("import", "load copies from CSV (SPEC section 7)");
  iimport->add_option("FILE", s.itemsFile)->required();
  iimport->add_option("--encoding", s.itemsEncoding,
                      "utf-8 (default), windows-1252, iso-8859-1, macroman, utf-16");
  iimport->add_flag("--dry-run", s.itemsDry, "report what would change, change nothing");
  iimport->callback([&] {
    s.action = [&](App& a) { return cmdItemsImport(a, s.itemsFile, s.itemsEncoding, s.itemsDry); };
  });

  auto* circ = cli.add_subcommand("circ", "circulation");
  circ->require_subcommand(1);
  CheckoutArgs& co = s.checkout;
  auto* checkout = circ->add_subcommand("checkout", "check a copy out");
  checkout->add_option("PATRON", co.patron, "district id or barcode")->required();
  checkout->add_option("COPY", co.copy, "copy barcode")->required();
  checkout->add_option("--due", co.due, "due date YYYY-MM-DD (default: today + loan_days)");
  auto* overrideFlag =
      checkout->add_flag("--override", co.override, "check out despite policy blocks (recorded)");
  auto* by =
      checkout->add_option("--by", co.by, "who overrides (recorded; default: the login name)")
          ->needs(overrideFlag);
  checkout->callback([&, by] {
    s.checkout.byGiven = by->count() > 0;
    s.action = [&](App& a) { return cmdCheckout(a, s.checkout); };
  });
  auto* checkin = circ->add_subcommand("checkin", "check a copy in");
  checkin->add_option("COPY", s.copy)->required();
  checkin->callback([&] { s.action = [&](App& a) { return cmdCheckin(a, s.copy); }; });
  auto* condition = circ->add_subcommand("condition", "set a copy's condition by hand");
  condition->add_option("COPY", s.copy)->required();
  condition->add_option("CONDITION", s.condition)->required();
  condition->callback(
      [&] { s.action = [&](App& a) { return cmdCondition(a, s.copy, s.condition); }; });
  circ->add_subcommand("sweep", "the daily policy sweep: overdue copies to lost")->callback([&] {
    s.action = cmdSweep;
  });

  auto* fines = cli.add_subcommand("fines", "fines");
  fines->require_subcommand(1);
  auto* pay = fines->add_subcommand("pay", "record a payment");
  pay->add_option("PATRON", s.finePatron, "district id or barcode")->required();
  pay->add_option("AMOUNT", s.fineAmount, "like 12.50")->required();
  pay->callback(
      [&] { s.action = [&](App& a) { return cmdFinesPay(a, s.finePatron, s.fineAmount); }; });

  addLibrarianCommands(cli, *items, *fines, s.librarian, s.action);
}

// notices, outbox, alerts.
void addNoticeCommands(CLI::App& cli, CliArgs& s) {
  auto* notices = cli.add_subcommand("notices", "overdue and other notices");
  notices->require_subcommand(1);
  auto* send = notices->add_subcommand("send", "build and deliver one notice set now");
  send->add_option("NAME", s.noticeName, "the notice's name in the configuration (notices[].name)")
      ->required();
  send->add_flag("--dry-run", s.noticeDry,
                 "build it and say what would be printed or queued; write and send nothing");
  send->add_flag("--force", s.noticeForce,
                 "e-mail: queue again even if already queued today (print runs always print)");
  send->callback([&] {
    s.action = [&](App& a) { return cmdNoticesSend(a, s.noticeName, s.noticeDry, s.noticeForce); };
  });
  auto* preview = notices->add_subcommand("preview", "print what would be sent");
  preview->add_option("NAME", s.noticeName, "the notice's name in the configuration")->required();
  preview->add_option("--homeroom", s.noticeHomeroom, "only this homeroom's notice");
  preview->callback([&] {
    s.action = [&](App& a) { return cmdNoticesPreview(a, s.noticeName, s.noticeHomeroom); };
  });

  auto* outbox = cli.add_subcommand("outbox", "the e-mail outbox");
  outbox->add_option("--status", s.outboxStatus)
      ->check(CLI::IsMember({"queued", "sending", "sent", "failed"}));
  outbox->add_option("--limit", s.outboxLimit, "newest first, at most this many (default 100)")
      ->check(limitValidator(1000000));
  outbox->callback([&, outbox] {
    if (outbox->get_subcommands().empty()) {
      s.action = [&](App& a) { return cmdOutbox(a, s.outboxStatus, s.outboxLimit); };
    }
  });
  auto* deliver = outbox->add_subcommand(
      "deliver", "send the queued messages that are due now (what the service does every minute)");
  deliver->callback([&] { s.action = [](App& a) { return cmdOutboxDeliver(a); }; });

  auto* alerts = cli.add_subcommand(
      "alerts", "administrator alert incidents (monitoring.alerts), newest first");
  alerts->add_option("--limit", s.alertsLimit, "at most this many (default 50)")
      ->check(limitValidator(100000));
  alerts->callback([&, alerts] {
    if (alerts->get_subcommands().empty()) {
      s.action = [&](App& a) { return cmdAlerts(a, s.alertsLimit); };
    }
  });
  alerts
      ->add_subcommand("check",
                       "check now and queue the alert e-mail (what the service does every minute)")
      ->callback([&] { s.action = [](App& a) { return cmdAlertsCheck(a); }; });
}

// status.
void addStatusCommand(CLI::App& cli, CliArgs& s) {
  auto* status = cli.add_subcommand(
      "status",
      "health for monitoring tools (Nagios, Icinga, Zabbix): exit 0 OK, 1 WARNING, 2 CRITICAL, "
      "3 UNKNOWN");
  status->add_option("--job", s.statusJob, "only this import job")->type_name("JOB");
  status->callback([&] {
    s.needsConfig = false;  // a configuration that cannot be loaded is UNKNOWN (3), not usage (2)
    s.action = [&](App& a) { return cmdStatus(a, s.statusJob); };
  });
}

// service install|uninstall|start|setup (Windows).
void addWindowsServiceCommands(CLI::App& cli, CliArgs& s) {
  auto* service =
      cli.add_subcommand("service", "Windows only: register, start or remove the service");
  service->require_subcommand(1);
  for (const char* verb : {"install", "uninstall", "start"}) {
    std::string v = verb;
    service->add_subcommand(verb, "Windows only: " + std::string(verb) + " the service")
        ->callback([&, v] {
          s.needsConfig = false;
#ifdef _WIN32
          s.action = [v](App& a) {
            return v == "install"     ? winsvc::install(a.options().configPath)
                   : v == "uninstall" ? winsvc::uninstall()
                                      : winsvc::start();
          };
#else
          s.action = [v](App&) {
            return fail(kExitUsage,
                        "'service " + v +
                            "' is for Windows; on Linux systemd runs the service: systemctl " +
                            (v == "uninstall" ? std::string("disable --now") : "enable --now") +
                            " patrond");
          };
#endif
        });
  }

  // What the installer runs (as SYSTEM) after copying the files: the data folder, its
  // starter configuration when it has none, and the service account's rights on it.
  auto* setup = service->add_subcommand(
      "setup",
      "Windows only: prepare the data folder (the MSI runs this): starter config, folders, rights");
  setup->add_option("--data", s.setupData, "the data folder (%ProgramData%\\patrond)")
      ->required()
      ->type_name("DIR");
  setup->add_option("--starter", s.setupStarter, "the starter configuration files to copy")
      ->required()
      ->type_name("DIR");
  setup->callback([&] {
    s.needsConfig = false;
#ifdef _WIN32
    s.action = [&](App&) { return winsvc::setupDataFolder(s.setupData, s.setupStarter); };
#else
    s.action = [](App&) {
      return fail(kExitUsage,
                  "'service setup' is for Windows; on Linux the Debian package prepares "
                  "/etc/patrond and /var/lib/patrond");
    };
#endif
  });
}

// Counts what goes to stdout (and passes it on), so that a --json command that failed
// without printing its document still prints one (SPEC section 2: --json prints one JSON
// document on stdout).
class CountingBuf final : public std::streambuf {
 public:
  explicit CountingBuf(std::streambuf* out) : out_(out) {}
  std::size_t count() const { return count_; }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) {
      return traits_type::not_eof(c);
    }
    ++count_;
    return out_->sputc(static_cast<char>(c));
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    count_ += static_cast<std::size_t>(n);
    return out_->sputn(s, n);
  }
  int sync() override { return out_->pubsync(); }

 private:
  std::streambuf* out_;
  std::size_t count_ = 0;
};

// {"ok": false, "error": ..., "exit_code": N}: what a --json command that failed prints when
// it printed nothing itself (circulation and notices print their own, with the error code).
void printJsonError(int exitCode, const std::string& message) {
  // A message may quote what was typed, which need not be UTF-8: replaced, never a throw.
  std::cout << nlohmann::json{{"ok", false}, {"error", message}, {"exit_code", exitCode}}.dump(
                   2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
}

// Runs `command` with stdout counted; with `json`, a failure that printed nothing on stdout
// gets the JSON error document.
int withJsonErrors(bool json, const std::function<int()>& command) {
  if (!json) {
    return command();
  }
  CountingBuf counting(std::cout.rdbuf());
  std::streambuf* original = std::cout.rdbuf(&counting);
  int rc = kExitOk;
  try {
    rc = command();
  } catch (...) {
    std::cout.rdbuf(original);
    if (counting.count() == 0) {
      printJsonError(kExitFailed, "internal error (see the message on stderr)");
    }
    throw;
  }
  std::cout.flush();
  std::cout.rdbuf(original);
  if (rc != kExitOk && counting.count() == 0) {
    printJsonError(
        rc, lastFailure().empty() ? "failed (exit " + std::to_string(rc) + ")" : lastFailure());
  }
  return rc;
}

bool jsonAsked(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") {
      return true;
    }
  }
  return false;
}

// A command line CLI11 refused: say what was typed wrong and how to get help.
int usageError(const CLI::App& cli, const CLI::ParseError& e, bool json) {
  std::string message = escapeControl(e.what());
  if (std::string unknown = unknownCommandMessage(cli); !unknown.empty()) {
    // "A subcommand is required" would hide what was typed.
    message = unknown;
  }
  std::cerr << "patrond: " << message << "\n";
  std::cerr << "Run 'patrond --help' (or 'patrond COMMAND --help') for usage.\n";
  // Monitoring plugins: a usage error is UNKNOWN (3), never CRITICAL (2), and the tool shows
  // stdout.
  if (cli.get_subcommand("status")->parsed()) {
    return statusUnknown(json, "usage: " + escapeControl(e.what()));
  }
  if (json) {
    printJsonError(kExitUsage, message);
  }
  return kExitUsage;
}

}  // namespace

namespace {
// The chosen command, after its configuration is loaded when it needs one.
int runAction(CLI::App& cli, CliArgs& s, App& app);
}  // namespace

int runCli(int argc, char** argv) {
  CLI::App cli{"patrond: keeps library patrons in step with the student information system"};
  cli.set_version_flag("--version", std::string("patrond ") + PATROND_VERSION);
  cli.require_subcommand(1);
  // Global options may stand before or after the subcommand (SPEC section 2).
  cli.fallthrough();
  CliArgs s;
  addGlobals(cli, s.g);
  addServiceCommands(cli, s);
  addImportCommands(cli, s);
  addPatronAndHomeroomCommands(cli, s);
  addCirculationCommands(cli, s);
  addNoticeCommands(cli, s);
  addStatusCommand(cli, s);
  addWindowsServiceCommands(cli, s);
  addHelpFooters(cli);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    return usageError(cli, e, s.g.json || jsonAsked(argc, argv));
  }
  App app(s.g);
  return withJsonErrors(s.g.json, [&] { return runAction(cli, s, app); });
}

namespace {
int runAction(CLI::App& cli, CliArgs& s, App& app) {
  if (s.needsConfig) {
    bool checking = cli.get_subcommand("check-config")->parsed();
    if (int rc = app.loadConfig(true, checking); rc != kExitOk) {
      // --json: check-config's document of the diagnostics, for every command.
      if (s.action && s.g.json) {
        nlohmann::json j{{"ok", false}, {"errors", nlohmann::json::array()}};
        for (const auto& d : app.diagnostics()) {
          j[d.warning ? "warnings" : "errors"].push_back(d.format());
        }
        // Not every refusal is a diagnostic (a template, the time zone, --as-of).
        if (j["errors"].empty()) {
          j["errors"].push_back(lastFailure().empty() ? "the configuration did not load"
                                                      : lastFailure());
        }
        // The keys every other failure has too, so one check serves a script.
        j["error"] = j["errors"][0];
        j["exit_code"] = rc;
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      }
      return rc;
    }
  }
  return s.action(app);
}
}  // namespace

}  // namespace patrond::daemon
