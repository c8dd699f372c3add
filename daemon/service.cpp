#include "daemon/service.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <csignal>
#include <sstream>

#include "adapters/config/yaml_config.h"
#include "adapters/log/journal.h"
#include "adapters/templates/mustache_renderer.h"
#include "daemon/job_runner.h"
#include "daemon/metrics_endpoint.h"
#include "daemon/service_metrics.h"
#include "daemon/source_monitor.h"
#include "daemon/systemd_notify.h"
#include "engine/display_time.h"
#include "engine/monitoring.h"
#include "engine/schedule.h"
#include "engine/text.h"

namespace patrond::daemon {

namespace asio = boost::asio;

namespace {

// The latest slot at or before `now` in the 24 hours before it, by walking `next(after)`
// (which gives the first slot after a time) and `at(slot)` (a slot's time).
template <typename Next, typename At>
auto latestSlot(UtcTime now, Next next, At at) -> decltype(next(now)) {
  decltype(next(now)) last;
  for (auto s = next(now - std::chrono::hours(24)); s && at(*s) <= now; s = next(at(*s))) {
    last = s;
  }
  return last;
}

// Where the service's records go (SPEC section 11): under systemd with no logging.file, to
// the journal; when journald is not there (a container, CI), to stderr, and the log says so.
// Under systemd with a logging.file, stderr is off (the journal would hold every line twice).
void setupServiceLog(App& app) {
  bool systemd = systemd::underSystemd() || logging::stderrIsJournal();
  bool wantJournal = systemd && app.config().logging.file.empty();
  bool journal = wantJournal && logging::journalReachable();
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

// One timer for all timed work: the earliest scheduled import or notice. Re-armed after
// each event and on reload. Idle between events: no polling.
class Scheduler {
 public:
  Scheduler(asio::io_context& io, App& app, JobRunner& runner)
      : timer_(io), app_(app), runner_(runner) {}

  void arm() {
    timer_.cancel();
    UtcTime now = app_.now();
    std::optional<Event> next;
    for (const auto& job : app_.config().imports) {
      if (auto r = nextRun(job.schedule, now, app_.zone())) {
        if (!next || r->at < next->at) {
          next = Event{r->at, job.name, r->update, formatIso(r->local), false};
        }
      }
    }
    for (const auto& n : app_.config().notices) {
      if (n.schedule) {
        if (auto at = nextNoticeRun(*n.schedule, now, app_.zone())) {
          if (!next || *at < next->at) {
            next = Event{*at, n.name, UpdateType::kFull, formatIso(app_.zone().toLocal(*at)), true};
          }
        }
      }
    }
    // The daily circulation sweep (overdue copies to lost) shares this one timer.
    if (auto r = nextSweep(app_.config().circulation, now, app_.zone());
        r && (!next || r->at < next->at)) {
      next = Event{r->at, "sweep", UpdateType::kFull, formatIso(r->local), false, true};
    }
    if (!next) {
      app_.log().info("scheduler: nothing scheduled");
      return;
    }
    app_.log().info("scheduler: next " + describe(*next) + " at " + shown(next->at));
    timer_.expires_at(std::chrono::system_clock::time_point(next->at));
    timer_.async_wait([this, ev = *next](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      fire(ev, "schedule");
      arm();
    });
  }

  // A scheduled run missed while the service was down (in the last 24 h) runs once now.
  void runMissed() {
    UtcTime now = app_.now();
    for (const auto& job : app_.config().imports) {
      auto last = latestSlot(
          now, [&](UtcTime after) { return nextRun(job.schedule, after, app_.zone()); },
          [](const ScheduledRun& r) { return r.at; });
      if (!last) {
        continue;
      }
      PatronStore* store = app_.serviceStore();
      if (!store) {
        return;  // logged; missed runs are checked again when the database is back
      }
      auto runs = store->listRuns(job.name, 1);
      if (!runs) {
        app_.storeFailed();
      }
      std::string slot = formatIso(last->local);
      if (runs && (runs->empty() || (*runs)[0].startedAt < slot)) {
        app_.log().info("scheduler: import " + job.name + " missed its run at " + shown(last->at) +
                        "; running it now");
        fire(Event{last->at, job.name, last->update, slot, false}, "missed");
      }
    }
  }

  // A notice slot missed while the service was down runs once now, when it fell earlier the
  // same district day: a Friday 07:00 notice goes out at 09:30 when the server is back by
  // then, not on Saturday. The slot's lease keeps a slot that did run from running again.
  void runMissedNotices() {
    UtcTime now = app_.now();
    CivilTime today = app_.zone().toLocal(now);
    for (const auto& n : app_.config().notices) {
      if (!n.schedule) {
        continue;
      }
      auto last = latestSlot(
          now, [&](UtcTime after) { return nextNoticeRun(*n.schedule, after, app_.zone()); },
          [](UtcTime t) { return t; });
      if (!last) {
        continue;
      }
      CivilTime slot = app_.zone().toLocal(*last);
      if (slot.year != today.year || slot.month != today.month || slot.day != today.day) {
        continue;
      }
      app_.log().info("scheduler: notice " + n.name + " was due at " + shown(*last) +
                      "; running it now unless it ran then");
      fire(Event{*last, n.name, UpdateType::kFull, formatIso(slot), true}, "missed");
    }
  }

  void cancel() { timer_.cancel(); }

 private:
  struct Event {
    UtcTime at;
    std::string name;
    UpdateType update;
    std::string local;
    bool notice;
    bool sweep = false;
  };

  // A time in a log message: the district's, with its offset (SPEC section 11).
  std::string shown(UtcTime t) const { return rfc3339(t, app_.zone()); }

  static std::string describe(const Event& e) {
    if (e.sweep) {
      return "circulation sweep";
    }
    return e.notice ? "notice " + e.name
                    : "import " + e.name + " (" + std::string(updateTypeName(e.update)) + ")";
  }

  void fire(const Event& e, const std::string& trigger) {
    if (e.sweep) {
      sweepNow(trigger, "sweep@" + e.local);
      return;
    }
    if (e.notice) {
      JobTask task = newTask(app_, "(notice " + e.name + ")", trigger);
      task.notice = e.name;
      task.slotLease = "notice:" + e.name + "@" + e.local;
      if (!runner_.enqueue(std::move(task))) {
        app_.log().warning("scheduler: notice " + e.name + " is still running; the " + shown(e.at) +
                           " run is skipped");
      }
      return;
    }
    fireImport(e, trigger);
  }

 public:
  // Sends what the outbox has due (retries included), on the worker, when e-mail is set up.
  void deliverOutbox(std::map<std::string, std::string> sourceProblems) {
    if (!app_.config().smtp) {
      return;
    }
    JobTask task = newTask(app_, "(outbox)", "outbox");
    task.deliverOutbox = true;
    task.sourceProblems = std::move(sourceProblems);
    runner_.enqueue(std::move(task));  // false: a delivery is still going; it continues
  }

  // The circulation sweep on the worker. `slotLease` (scheduled runs): one instance per slot.
  // At start (no slot) it catches up on a sweep missed while the service was down; it is
  // idempotent, so a second one changes nothing.
  void sweepNow(const std::string& trigger, const std::string& slotLease) {
    JobTask task = newTask(app_, "(circulation sweep)", trigger);
    task.sweep = true;
    task.slotLease = slotLease;
    if (!runner_.enqueue(std::move(task))) {
      app_.log().warning("scheduler: the circulation sweep is still running; skipped");
    }
  }

 private:
  void fireImport(const Event& e, const std::string& trigger) {
    JobTask task = newTask(app_, e.name, trigger);
    task.type = e.update;
    task.slotLease = "schedule:" + e.name + "@" + e.local;
    if (!runner_.enqueue(std::move(task))) {
      app_.log().warning("scheduler: import " + e.name + " is still running; the " + shown(e.at) +
                         " run is skipped");
    }
  }

  asio::system_timer timer_;
  App& app_;
  JobRunner& runner_;
};

// The service: one event loop (Asio) with the scheduler, the folder and SFTP monitors, the
// outbox and metrics ticks, the systemd watchdog and signals; import, notice and sweep tasks
// run on the JobRunner's worker. Only the loop's thread touches these members.
class ServiceLoop {
 public:
  explicit ServiceLoop(App& app)
      : app_(app),
        runner_(io_, app.sharedLog()),
        scheduler_(io_, app, runner_),
        signals_(io_, SIGINT, SIGTERM),
        watchdog_(io_),
        connectRetry_(io_),
        outboxTimer_(io_),
        metricsTimer_(io_),
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
    startWatchdog();
    runner_.onFinished([this](const JobTask& task, const ImportCallResult& result) {
      metrics_.taskFinished(task, result);
      if (ready_ && endpoint_.running()) {
        metrics_.refresh(app_, sourceProblems());
        publish();
      }
    });
    connect();
    scheduler_.arm();
    startMonitors();
    outboxTick();
    startMetrics();
    metricsTick();
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
        remotes_.push_back(std::make_unique<RemoteMonitor>(io_, app_, runner_, job.name));
        remotes_.back()->start();
      } else {
        monitors_.push_back(std::make_unique<SourceMonitor>(io_, app_, runner_, job.name));
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
    connectRetry_.cancel();
    outboxTimer_.cancel();
    metricsTimer_.cancel();
    endpoint_.stop();
    stopMonitors();
    // A run in progress rolls back (recorded as interrupted) before the worker ends.
    runner_.stop();
    watchdog_.cancel();
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
    auto result = config::loadConfig(app_.options().configPath);
    std::vector<std::string> templateErrors;
    if (result.ok()) {
      templateErrors = templates::templateProblems(*result.config);
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
    if (ready_) {
      systemd::ready(readyStatus(app_));
    } else {
      systemd::status(waitingStatus(app_, retryEvery_));
    }
  }

  void startWatchdog() {
    if (auto interval = systemd::watchdogInterval()) {
      watchdogPeriod_ = *interval / 2;
      ping();
    }
  }

  void ping() {
    systemd::watchdogPing();
    watchdog_.expires_after(watchdogPeriod_);
    watchdog_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        ping();
      }
    });
  }

  // The database may be down when the service starts (a school server booting before the
  // database server): wait for it, retrying, instead of exiting. SIGTERM still works.
  // READY is sent only once the database is open; until then STATUS says what the service
  // waits for, and when it tries again.
  void connect() {
    if (app_.serviceStore()) {
      if (!ready_) {
        ready_ = true;
        app_.log().info("the database is open; ready");
        systemd::ready(readyStatus(app_));
        systemd::status(runningStatus(app_));
      }
      scheduler_.runMissed();
      scheduler_.runMissedNotices();
      scheduler_.sweepNow("start", "");
      return;
    }
    std::string waiting = waitingStatus(app_, retryEvery_);
    app_.log().error("the database cannot be reached; retrying in " +
                     std::to_string(retryEvery_.count()) + "s");
    systemd::waiting(waiting, retryEvery_);
    connectRetry_.expires_after(retryEvery_);
    retryEvery_ = std::min(Seconds{60}, retryEvery_ * 2);
    connectRetry_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        connect();
      }
    });
  }

  // Every minute the outbox is checked for messages due (new ones, retries after backoff).
  void outboxTick() {
    scheduler_.deliverOutbox(sourceProblems());
    if (ready_) {
      systemd::status(runningStatus(app_));
    }
    outboxTimer_.expires_after(std::chrono::seconds(60));
    outboxTimer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        outboxTick();
      }
    });
  }

  // The metrics snapshot: every 15 seconds, and after each task (onFinished above).
  void metricsTick() {
    if (ready_ && endpoint_.running()) {
      metrics_.refresh(app_, sourceProblems());
      publish();
    }
    metricsTimer_.expires_after(std::chrono::seconds(15));
    metricsTimer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        metricsTick();
      }
    });
  }

  App& app_;
  asio::io_context io_;
  JobRunner runner_;
  Scheduler scheduler_;
  std::vector<std::unique_ptr<SourceMonitor>> monitors_;
  std::vector<std::unique_ptr<RemoteMonitor>> remotes_;
  asio::signal_set signals_;
  asio::steady_timer watchdog_;
  asio::steady_timer connectRetry_;
  asio::steady_timer outboxTimer_;
  asio::steady_timer metricsTimer_;
  std::chrono::steady_clock::duration watchdogPeriod_{};
  ServiceMetrics metrics_;
  MetricsEndpoint endpoint_;
  std::string metricsAddress_;
  Seconds retryEvery_{5};
  bool ready_ = false;
};

}  // namespace

int runService(App& app, std::function<void(std::function<void()>)> registerStop) {
  setupServiceLog(app);
  return ServiceLoop(app).run(registerStop);
}

}  // namespace patrond::daemon
