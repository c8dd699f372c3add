#include "daemon/service.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <csignal>
#include <sstream>

#include "adapters/config/yaml_config.h"
#include "daemon/systemd_notify.h"
#include "engine/schedule.h"

namespace patrond::daemon {

namespace asio = boost::asio;

namespace {

// Turns the configuration's schedules into one timer for the earliest event; re-armed after
// each event and on reload. Idle between events: no polling.
class Scheduler {
 public:
  Scheduler(asio::io_context& io, App& app) : timer_(io), app_(app) {}

  void arm() {
    timer_.cancel();
    UtcTime now = app_.now();
    std::optional<std::pair<UtcTime, std::string>> next;
    for (const auto& job : app_.config().imports) {
      if (auto r = nextRun(job.schedule, now, app_.zone())) {
        if (!next || r->at < next->first) {
          next = {r->at,
                  "import " + job.name + " (" + std::string(updateTypeName(r->update)) + ")"};
        }
      }
    }
    for (const auto& n : app_.config().notices) {
      if (n.schedule) {
        if (auto at = nextNoticeRun(*n.schedule, now, app_.zone())) {
          if (!next || *at < next->first) {
            next = {*at, "notice " + n.name};
          }
        }
      }
    }
    if (!next) {
      app_.log().info("scheduler: nothing scheduled");
      return;
    }
    app_.log().info("scheduler: next " + next->second + " at " +
                    formatIso(app_.zone().toLocal(next->first)));
    timer_.expires_at(std::chrono::system_clock::time_point(next->first));
    std::string what = next->second;
    timer_.async_wait([this, what](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      app_.log().info("scheduler: " + what + " is due");
      arm();
    });
  }

  void cancel() { timer_.cancel(); }

 private:
  asio::system_timer timer_;
  App& app_;
};

}  // namespace

int runService(App& app, std::function<void(std::function<void()>)> registerStop) {
  app.setupLog(!systemd::underSystemd());
  if (int rc = app.openDatabase(); rc != kExitOk) {
    return rc;
  }
  asio::io_context io;
  Scheduler scheduler(io, app);
  asio::signal_set signals(io, SIGINT, SIGTERM);
#ifdef SIGHUP
  signals.add(SIGHUP);
#endif
  asio::steady_timer watchdog(io);
  int exitCode = kExitOk;

  auto stop = [&](const std::string& why) {
    app.log().info("stopping (" + why + ")");
    systemd::stopping();
    scheduler.cancel();
    watchdog.cancel();
    signals.cancel();
    io.stop();
  };
  if (registerStop) {
    registerStop([&] { asio::post(io, [&] { stop("service control manager"); }); });
  }

  std::function<void()> waitSignal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) {
        return;
      }
#ifdef SIGHUP
      if (sig == SIGHUP) {
        systemd::reloading();
        app.log().info("SIGHUP: reloading " + app.options().configPath);
        auto result = config::loadConfig(app.options().configPath);
        if (result.ok()) {
          app.replaceConfig(std::move(*result.config));
          app.setupLog(!systemd::underSystemd());
          app.log().info("configuration reloaded");
          scheduler.arm();
        } else {
          for (const auto& d : result.diagnostics) {
            if (!d.warning) {
              app.log().error("reload: " + d.format());
            }
          }
          app.log().error("reload refused: the new configuration has errors; keeping the old one");
        }
        systemd::ready("running");
        waitSignal();
        return;
      }
#endif
      stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
    });
  };
  waitSignal();

  // Lives as long as the loop: the timer's handler calls it again and again.
  std::function<void()> ping;
  if (auto interval = systemd::watchdogInterval()) {
    auto period = *interval / 2;
    ping = [&, period] {
      systemd::watchdogPing();
      watchdog.expires_after(period);
      watchdog.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) {
          ping();
        }
      });
    };
    ping();
  }

  scheduler.arm();
  std::ostringstream ready;
  ready << "running: " << app.config().imports.size() << " import job(s), "
        << app.config().notices.size() << " notice(s)";
  app.log().info(ready.str());
  systemd::ready(ready.str());
  io.run();
  app.log().info("stopped");
  return exitCode;
}

}  // namespace patrond::daemon
