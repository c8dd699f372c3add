#include "engine/service_cycle.h"

#include <algorithm>

namespace patrond {

ServiceCycle::ServiceCycle(TimeSystem& time, ServiceCycleHost& host,
                           std::optional<std::chrono::milliseconds> watchdog)
    : host_(host),
      watchdogPeriod_(watchdog ? std::optional(*watchdog / 2) : std::nullopt),
      watchdog_(time.makeAlarm()),
      connectRetry_(time.makeAlarm()),
      outbox_(time.makeAlarm()),
      metrics_(time.makeAlarm()) {}

void ServiceCycle::start() {
  if (watchdogPeriod_) {
    ping();
  }
  connect();
}

void ServiceCycle::startTicks() {
  outboxTick();
  metricsTick();
}

void ServiceCycle::stop() {
  connectRetry_->cancel();
  outbox_->cancel();
  metrics_->cancel();
  watchdog_->cancel();
}

// The database may be down when the service starts (a school server booting before the
// database server): it waits for it, retrying, instead of exiting.
void ServiceCycle::connect() {
  if (host_.openDatabase()) {
    if (!ready_) {
      ready_ = true;
      host_.ready();
    }
    return;
  }
  armedRetry_ = retryEvery_;
  host_.waitingForDatabase(armedRetry_);
  connectRetry_->armAfter(armedRetry_, [this] { connect(); });
  retryEvery_ = std::min(kLongestRetry, retryEvery_ * 2);
}

void ServiceCycle::outboxTick() {
  host_.outboxDue(ready_);
  outbox_->armAfter(kOutboxEvery, [this] { outboxTick(); });
}

void ServiceCycle::metricsTick() {
  if (ready_) {
    host_.metricsDue();
  }
  metrics_->armAfter(kMetricsEvery, [this] { metricsTick(); });
}

void ServiceCycle::ping() {
  host_.watchdogPing();
  watchdog_->armAfter(*watchdogPeriod_, [this] { ping(); });
}

}  // namespace patrond
