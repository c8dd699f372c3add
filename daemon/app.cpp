#include "daemon/app.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "adapters/log/boost_log.h"
#include "adapters/sql/soci_store.h"
#include "adapters/templates/mustache_renderer.h"
#include "adapters/timezone/tz_zone.h"
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

int fail(int code, const std::string& message) {
  std::cerr << "patrond: " << escapeControlKeepLines(message) << "\n";
  return code;
}

std::string leaseHolder() {
  char host[256] = "";
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

bool holderAlive(const std::string& holder) {
  auto colon = holder.rfind(':');
  std::string self = leaseHolder();
  if (colon == std::string::npos || holder.substr(0, colon) != self.substr(0, self.rfind(':'))) {
    return true;
  }
  pid_t pid = static_cast<pid_t>(std::atoi(holder.c_str() + colon + 1));
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

App::App(GlobalOptions options) : options_(std::move(options)) {
  if (options_.configPath.empty()) {
    options_.configPath = defaultConfigPath();
  }
}

int App::loadConfig(bool printWarnings) {
  auto result = config::loadConfig(options_.configPath);
  diagnostics_ = result.diagnostics;
  for (const auto& d : result.diagnostics) {
    if (!d.warning || printWarnings) {
      std::cerr << d.format() << "\n";
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
  if (auto problems = templates::templateProblems(*result.config); !problems.empty()) {
    for (const auto& p : problems) {
      std::cerr << p << "\n";
    }
    return fail(kExitUsage, "a notice template has errors");
  }
  auto zone = tz::makeZone(result.config->district.timezone);
  if (!zone) {
    return fail(kExitUsage, zone.error().describe());
  }
  zone_ = std::move(*zone);
  config_ = std::move(result.config);
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

void App::setupLog(bool console) {
  logging::LogSetup setup;
  setup.config = config_ ? config_->logging : LoggingConfig{};
  setup.console = console;
  if (!console) {
    // One-shot commands talk on stdout/stderr; the service log gets only the file and system
    // sinks so that a cron'd `patrond import` still leaves a trace.
    setup.config.system = setup.config.system && !options_.json;
  }
  log_ = logging::setupLog(setup);
}

void App::replaceConfig(Config config) {
  if (auto zone = tz::makeZone(config.district.timezone)) {
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

int App::openDatabase(bool quiet) {
  auto problem = [&](const Error& e) {
    store_.reset();
    if (quiet) {
      log_->error("database: " + e.describe());
      return kExitFailed;
    }
    return fail(kExitFailed, e.describe());
  };
  auto store = sql::openStore(config_->database);
  if (!store) {
    return problem(store.error());
  }
  store_ = std::move(*store);
  auto v = store_->migrate();
  if (!v) {
    return problem(v.error());
  }
  if (auto s = store_->syncSites(config_->sites); !s) {
    return problem(s.error());
  }
  auto n = store_->markInterruptedRuns(localNowIso(), utcIso(now()), holderAlive);
  if (!n) {
    return problem(n.error());
  }
  if (*n > 0) {
    log_->warning(std::to_string(*n) + " run(s) left open by a stopped process marked interrupted");
  }
  return kExitOk;
}

}  // namespace patrond::daemon
