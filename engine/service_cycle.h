#pragma once
// The service's own rhythm (issue 16), apart from the Asio loop that drives it: at start it
// waits for the database, retrying after 5, 10, 20, 40 and then every 60 seconds, and is
// ready once it opens; the outbox is checked every minute (new messages, retries, alerts); the
// metrics snapshot is refreshed every 15 seconds once ready; the systemd watchdog is pinged
// at half its interval. The scheduler (engine/scheduler.h) is beside it on the same
// TimeSystem. Runs on the thread of its TimeSystem's loop: the service's event loop, or
// test::SimulatedTime in the unit tests, where minutes pass without a sleep.

#include <chrono>
#include <memory>
#include <optional>

#include "engine/ports/timer.h"

namespace patrond {

// What the cycle drives; the daemon's service loop implements it. Loop thread only.
class ServiceCycleHost {
 public:
  virtual ~ServiceCycleHost() = default;
  // Tries to open the database; true when it is open.
  virtual bool openDatabase() = 0;
  // The database could not be opened: say so, and when the next try is (`retryIn`).
  virtual void waitingForDatabase(std::chrono::seconds retryIn) = 0;
  // The database is open: called once (READY, missed runs, the start-up sweep).
  virtual void ready() = 0;
  // Every minute from start: queue an outbox delivery; `ready` says whether the database has
  // been opened yet.
  virtual void outboxDue(bool ready) = 0;
  // Every 15 seconds once ready: refresh the metrics snapshot.
  virtual void metricsDue() = 0;
  virtual void watchdogPing() = 0;
};

class ServiceCycle {
 public:
  static constexpr std::chrono::seconds kFirstRetry{5};
  static constexpr std::chrono::seconds kLongestRetry{60};
  static constexpr std::chrono::seconds kOutboxEvery{60};
  static constexpr std::chrono::seconds kMetricsEvery{15};

  // `watchdog`: systemd's WatchdogSec, when it set one.
  ServiceCycle(TimeSystem& time, ServiceCycleHost& host,
               std::optional<std::chrono::milliseconds> watchdog);

  // The watchdog and the first try to open the database.
  void start();
  // The outbox and metrics ticks (the first of each at once).
  void startTicks();
  // Cancels every alarm; nothing is called after it.
  void stop();

  bool isReady() const { return ready_; }
  // While the database is not open: the wait armed before the next try.
  std::chrono::seconds retryEvery() const { return armedRetry_; }

 private:
  void connect();
  void outboxTick();
  void metricsTick();
  void ping();

  ServiceCycleHost& host_;
  std::optional<std::chrono::milliseconds> watchdogPeriod_;
  std::unique_ptr<Alarm> watchdog_, connectRetry_, outbox_, metrics_;
  std::chrono::seconds retryEvery_ = kFirstRetry;  // the wait after the next failed try
  std::chrono::seconds armedRetry_ = kFirstRetry;
  bool ready_ = false;
};

}  // namespace patrond
