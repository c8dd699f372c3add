#include "daemon/service.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <sstream>

#include "daemon/asio_time.h"
#include "daemon/job_runner.h"
#include "daemon/metrics_endpoint.h"
#include "daemon/service_metrics.h"
#include "daemon/source_monitor.h"
#include "daemon/systemd_notify.h"
#include "daemon/wiring.h"
#include "engine/display_time.h"
#include "engine/monitoring.h"
#include "engine/schedule.h"
#include "engine/scheduler.h"
#include "engine/service_cycle.h"
#include "engine/text.h"

namespace patrond::daemon {

namespace asio = boost::asio;

namespace {

// Where the service's records go (SPEC section 11): under systemd with no logging.file, to
// the journal; when journald is not there (a container, CI), to stderr, and the log says so.
// Under systemd with a logging.file, stderr is off (the journal would hold every line twice).
void setupServiceLog(App& app) {
  bool systemd = systemd::underSystemd() || stderrIsJournal();
  bool wantJournal = systemd && app.config().logging.file.empty();
  bool journal = wantJournal && journalReachable();
  app.setupLog(!systemd || (wantJournal && !journal), journal);
  if (wantJournal && !journal) {
    app.log().warning(
        "started by systemd but journald is not reachable (no /run/systemd/journal/socket): "
        "logging to stderr");
  }
}

// STATUS= once the service is ready (and its log line at start).
std::string readyStatus(const App& app) {
  std::ostringstream s;
  s << "running: " << app.config().imports.size() << " import job(s), "
    << app.config().notices.size() << " notice(s)";
  return s.str();
}

// STATUS= while running (refreshed every minute): each job's last run and its next one.
// "running: students completed 2026-10-15T02:00:04-05:00, next 2026-10-16T02:00:00-05:00; ..."
std::string runningStatus(App& app) {
  std::ostringstream s;
  s << "running:";
  PatronStore* store = app.serviceStore();
  const char* sep = " ";
  for (const auto& job : app.config().imports) {
    s << sep << job.name << " ";
    sep = "; ";
    auto runs = store ? store->listRuns(job.name, 1)
                      : Result<std::vector<ImportRun>>(std::vector<ImportRun>{});
    if (!runs) {
      app.storeFailed();
      s << "(database unreachable)";
    } else if (runs->empty()) {
      s << "no run yet";
    } else {
      const ImportRun& r = runs->front();
      s << runStatusName(r.status) << " " << displayTime(r.startedAt, app.zone());
    }
    if (auto next = nextRun(job.schedule, app.now(), app.zone())) {
      s << ", next " << rfc3339(next->at, app.zone());
    }
  }
  if (app.config().imports.empty()) {
    s << " no import jobs";
  }
  return utf8Truncate(s.str(), 1000);
}

// STATUS= while the database cannot be opened: the backend, the next retry and why.
std::string waitingStatus(const App& app, Seconds retry) {
  DbBackend b = app.config().database.backend;
  const char* backend = b == DbBackend::kPostgresql ? "postgresql"
                        : b == DbBackend::kMysql    ? "mysql"
                                                    : "sqlite3";
  return std::string("waiting for the database (") + backend + ", retry in " +
         std::to_string(retry.count()) + "s: " + utf8Truncate(app.databaseProblem(), 200) + ")";
}

// The scheduler's host (engine/scheduler.h): what the service's configuration says, and
// running an event means queueing a task on the worker. Loop thread only.
class ServiceScheduler final : public SchedulerHost {
 public:
  ServiceScheduler(App& app, JobRunner& runner) : app_(app), runner_(runner) {}

  const Config& config() const override { return app_.config(); }
  const TimeZone& zone() const override { return app_.zone(); }
  Log& log() override { return app_.log(); }

  Result<std::optional<std::string>> lastRunStart(const std::string& job) override {
    PatronStore* store = app_.serviceStore();
    if (!store) {
      return Error{"DB", "the database is not open", ""};  // logged by serviceStore
    }
    auto runs = store->listRuns(job, 1);
    if (!runs) {
      app_.storeFailed();
      return runs.error();
    }
    if (runs->empty()) {
      return std::optional<std::string>();
    }
    return std::optional<std::string>(runs->front().startedAt);
  }

  void dispatch(const ScheduledEvent& e, const std::string& trigger) override {
    using Kind = ScheduledEvent::Kind;
    if (e.kind == Kind::kSweep) {
      sweepNow(trigger, "sweep@" + e.local);
      return;
    }
    bool notice = e.kind == Kind::kNotice;
    JobTask task = notice ? newTask(app_, "(notice " + e.name + ")", trigger, NoticeWork{e.name})
                          : newTask(app_, e.name, trigger, ImportWork{e.update, "", "", {}});
    task.slotLease = (notice ? "notice:" : "schedule:") + e.name + "@" + e.local;
    if (!runner_.enqueue(std::move(task))) {
      app_.log().warning("scheduler: " + (notice ? "notice " + e.name : "import " + e.name) +
                         " is still running; the " + rfc3339(e.at, app_.zone()) +
                         " run is skipped");
    }
  }

  // Sends what the outbox has due (retries included), on the worker, when e-mail is set up.
  void deliverOutbox(std::map<std::string, std::string> sourceProblems) {
    if (!app_.config().smtp) {
      return;
    }
    JobTask task = newTask(app_, "(outbox)", "outbox", OutboxWork{std::move(sourceProblems)});
    runner_.enqueue(std::move(task));  // false: a delivery is still going; it continues
  }

  // The circulation sweep on the worker. `slotLease` (scheduled runs): one instance per slot.
  // At start (no slot) it catches up on a sweep missed while the service was down; it is
  // idempotent, so a second one changes nothing.
  void sweepNow(const std::string& trigger, const std::string& slotLease) {
    JobTask task = newTask(app_, "(circulation sweep)", trigger, SweepWork{});
    task.slotLease = slotLease;
    if (!runner_.enqueue(std::move(task))) {
      app_.log().warning("scheduler: the circulation sweep is still running; skipped");
    }
  }

 private:
  App& app_;
  JobRunner& runner_;
};

// The service: one event loop (Asio) with the scheduler and the service's cycle (engine:
// the database wait, the outbox and metrics ticks, the systemd watchdog; both tested on
// simulated time), the folder and SFTP monitors, the metrics endpoint and signals; import,
// notice and sweep tasks run on the JobRunner's worker. Only the loop's thread touches these
// members.
class ServiceLoop final : private ServiceCycleHost {
 public:
  explicit ServiceLoop(App& app)
      : app_(app),
        runner_(io_, app.sharedLog()),
        time_(io_),
        tasks_(app, runner_),
        scheduler_(time_, tasks_),
        cycle_(time_, *this, watchdogInterval()),
        signals_(io_, SIGINT, SIGTERM),
        metrics_(app.now()) {
#ifdef SIGHUP
    signals_.add(SIGHUP);
#endif
  }

  int run(const std::function<void(std::function<void()>)>& registerStop) {
    if (registerStop) {
      registerStop([this] { asio::post(io_, [this] { stop("service control manager"); }); });
    }
    waitSignal();
    runner_.onFinished([this](const JobTask& task, const ImportCallResult& result) {
      metrics_.taskFinished(task, result);
      if (cycle_.isReady() && endpoint_.running()) {
        metrics_.refresh(app_, sourceProblems());
        publish();
      }
    });
    cycle_.start();
    scheduler_.arm();
    startMonitors();
    startMetrics();
    cycle_.startTicks();
    // What check-config warns about (clear-text SMTP, unchecked certificates, world-readable
    // secrets) is in the service's log too.
    for (const auto& d : app_.diagnostics()) {
      if (d.warning) {
        app_.log().warning(d.format());
      }
    }
    app_.log().info(readyStatus(app_));
    // An exception out of a handler would end the service (and systemd would restart it in a
    // loop): it is logged and the loop goes on.
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception& e) {
        app_.log().error(std::string("internal error in the service loop: ") + e.what() +
                         "; continuing");
      }
    }
    app_.log().info("stopped");
    return kExitOk;
  }

 private:
  static std::optional<std::chrono::milliseconds> watchdogInterval() {
    if (auto interval = systemd::watchdogInterval()) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(*interval);
    }
    return std::nullopt;
  }

  // ServiceCycleHost: what the cycle decides, done here.
  bool openDatabase() override {
    return app_.serviceStore() != nullptr;
  }

  // READY is sent only once the database is open; until then STATUS says what the service
  // waits for, and when it tries again. SIGTERM still works while it waits.
  void waitingForDatabase(std::chrono::seconds retryIn) override {
    app_.log().error("the database cannot be reached; retrying in " +
                     std::to_string(retryIn.count()) + "s");
    systemd::waiting(waitingStatus(app_, retryIn), retryIn);
  }

  void ready() override {
    app_.log().info("the database is open; ready");
    systemd::ready(readyStatus(app_));
    systemd::status(runningStatus(app_));
    scheduler_.runMissed();
    scheduler_.runMissedNotices();
    tasks_.sweepNow("start", "");
  }

  // Sends what the outbox has due (retries, alerts), and refreshes STATUS.
  void outboxDue(bool ready) override {
    tasks_.deliverOutbox(sourceProblems());
    if (ready) {
      systemd::status(runningStatus(app_));
    }
  }

  // The metrics snapshot: every 15 seconds, and after each task (onFinished above).
  void metricsDue() override {
    if (endpoint_.running()) {
      metrics_.refresh(app_, sourceProblems());
      publish();
    }
  }

  void watchdogPing() override {
    systemd::watchdogPing();
  }

  void stopMonitors() {
    for (auto& m : monitors_) {
      m->stop();
    }
    for (auto& m : remotes_) {
      m->stop();
    }
  }

  void startMonitors() {
    stopMonitors();
    monitors_.clear();
    remotes_.clear();
    for (const auto& job : app_.config().imports) {
      if (job.onNewFile == OnNewFile::kNone || job.source.format != SourceFormat::kCsv) {
        continue;
      }
      if (job.source.sftp) {
        remotes_.push_back(std::make_unique<RemoteMonitor>(time_, app_, runner_, job.name));
        remotes_.back()->start();
      } else {
        monitors_.push_back(std::make_unique<SourceMonitor>(io_, time_, app_, runner_, job.name));
        monitors_.back()->start();
      }
    }
  }

  std::map<std::string, std::string> sourceProblems() const {
    std::map<std::string, std::string> out;
    for (const auto& m : monitors_) {
      if (!m->problem().empty()) {
        out[m->job()] = m->problem();
      }
    }
    for (const auto& m : remotes_) {
      if (!m->problem().empty()) {
        out[m->job()] = m->problem();
      }
    }
    return out;
  }

  // GET /metrics and /health (monitoring.metrics), answered from a snapshot the loop keeps.
  void publish() {
    auto [code, body] = metrics_.healthJson();
    endpoint_.publish(metrics_.metricsText(), code, std::move(body));
  }

  void startMetrics() {
    const std::string& wanted = app_.config().monitoring.metrics;
    if (wanted == metricsAddress_ && (endpoint_.running() || wanted.empty())) {
      return;
    }
    endpoint_.stop();
    metricsAddress_ = wanted;
    auto addr = parseListenAddress(wanted);
    if (!addr) {
      return;
    }
    if (auto r = endpoint_.start(addr->host, addr->port, app_.log()); !r) {
      app_.log().error(r.error().describe());
      return;
    }
    publish();
    app_.log().info("metrics: serving GET /metrics and GET /health on " + wanted);
  }

  void stop(const std::string& why) {
    app_.log().info("stopping (" + why + ")");
    systemd::stopping();
    scheduler_.cancel();
    cycle_.stop();
    endpoint_.stop();
    stopMonitors();
    // A run in progress rolls back (recorded as interrupted) before the worker ends.
    runner_.stop();
    signals_.cancel();
    io_.stop();
  }

  void waitSignal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) {
        return;
      }
#ifdef SIGHUP
      if (sig == SIGHUP) {
        reload();
        waitSignal();
        return;
      }
#endif
      stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
    });
  }

  // SIGHUP: the new configuration replaces the old one only if it has no errors.
  void reload() {
    systemd::reloading();
    app_.log().info("SIGHUP: reloading " + app_.options().configPath);
    auto result = loadConfigFile(app_.options().configPath);
    std::vector<std::string> templateErrors;
    if (result.ok()) {
      templateErrors = templateProblems(*result.config);
    }
    if (result.ok() && templateErrors.empty()) {
      app_.replaceConfig(std::move(*result.config));
      setupServiceLog(app_);
      app_.log().info("configuration reloaded");
      scheduler_.arm();
      startMonitors();
      startMetrics();
    } else {
      for (const auto& d : result.diagnostics) {
        if (!d.warning) {
          app_.log().error("reload: " + d.format());
        }
      }
      for (const auto& t : templateErrors) {
        app_.log().error("reload: " + t);
      }
      app_.log().error("reload refused: the new configuration has errors; keeping the old one");
    }
    if (cycle_.isReady()) {
      systemd::ready(readyStatus(app_));
    } else {
      systemd::status(waitingStatus(app_, cycle_.retryEvery()));
    }
  }

  App& app_;
  asio::io_context io_;
  JobRunner runner_;
  AsioTimeSystem time_;
  ServiceScheduler tasks_;
  Scheduler scheduler_;
  ServiceCycle cycle_;
  std::vector<std::unique_ptr<SourceMonitor>> monitors_;
  std::vector<std::unique_ptr<RemoteMonitor>> remotes_;
  asio::signal_set signals_;
  ServiceMetrics metrics_;
  MetricsEndpoint endpoint_;
  std::string metricsAddress_;
};

}  // namespace

int runService(App& app, const std::function<void(std::function<void()>)>& registerStop) {
  setupServiceLog(app);
  return ServiceLoop(app).run(registerStop);
}

}  // namespace patrond::daemon
