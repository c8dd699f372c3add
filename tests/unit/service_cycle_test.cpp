// The service's cycle (engine/service_cycle.h) on simulated time: the database wait with its
// backoff, READY once, the outbox every minute, the metrics every 15 seconds once ready, the
// watchdog at half its interval, and nothing after stop. Hours pass without a sleep.
#include "engine/service_cycle.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/simulated_time.h"

namespace patrond {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const UtcTime kStart = UtcTime{} + seconds(1'791'000'000);

// Records each call with the simulated second it came at.
class Host final : public ServiceCycleHost {
 public:
  explicit Host(const Clock& clock) : clock_(clock) {}

  bool openDatabase() override {
    calls.push_back("open@" + at());
    return tries++ >= failFirst;
  }
  void waitingForDatabase(seconds retryIn) override {
    calls.push_back("waiting " + std::to_string(retryIn.count()) + "s@" + at());
  }
  void ready() override { calls.push_back("ready@" + at()); }
  void outboxDue(bool isReady) override {
    calls.push_back(std::string(isReady ? "outbox" : "outbox(not ready)") + "@" + at());
  }
  void metricsDue() override { calls.push_back("metrics@" + at()); }
  void watchdogPing() override { calls.push_back("ping@" + at()); }

  // The calls whose text starts with `prefix`.
  std::vector<std::string> only(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& c : calls) {
      if (c.rfind(prefix, 0) == 0) {
        out.push_back(c);
      }
    }
    return out;
  }

  int failFirst = 0;  // how many tries to open the database fail
  int tries = 0;
  std::vector<std::string> calls;

 private:
  std::string at() const { return std::to_string((clock_.now() - kStart).count()); }
  const Clock& clock_;
};

TEST(ServiceCycle, ADatabaseThatIsUpMakesTheServiceReadyAtOnceAndOnlyOnce) {
  test::SimulatedTime time(kStart);
  Host host(time);
  ServiceCycle cycle(time, host, std::nullopt);
  cycle.start();
  cycle.startTicks();
  EXPECT_TRUE(cycle.isReady());
  time.advance(std::chrono::hours(1));
  EXPECT_EQ(host.only("open"), std::vector<std::string>{"open@0"});
  EXPECT_EQ(host.only("ready"), std::vector<std::string>{"ready@0"});
  EXPECT_TRUE(host.only("waiting").empty());
}

TEST(ServiceCycle, ADatabaseThatIsDownIsRetriedAfter5_10_20_40AndThenEvery60Seconds) {
  test::SimulatedTime time(kStart);
  Host host(time);
  host.failFirst = 7;
  ServiceCycle cycle(time, host, std::nullopt);
  cycle.start();
  cycle.startTicks();
  EXPECT_FALSE(cycle.isReady());
  // What a reload while it waits reports: the wait armed now, not the next one.
  EXPECT_EQ(cycle.retryEvery(), seconds(5));
  time.advance(seconds(5));
  EXPECT_EQ(cycle.retryEvery(), seconds(10));
  time.advance(seconds(395));
  EXPECT_EQ(host.only("open"),
            (std::vector<std::string>{"open@0", "open@5", "open@15", "open@35", "open@75",
                                      "open@135", "open@195", "open@255"}));
  EXPECT_EQ(
      host.only("waiting"),
      (std::vector<std::string>{"waiting 5s@0", "waiting 10s@5", "waiting 20s@15", "waiting 40s@35",
                                "waiting 60s@75", "waiting 60s@135", "waiting 60s@195"}));
  EXPECT_EQ(host.only("ready"), std::vector<std::string>{"ready@255"});
  EXPECT_TRUE(cycle.isReady());
  // Once open, it is not tried again.
  time.advance(std::chrono::hours(2));
  EXPECT_EQ(host.only("open").size(), 8u);
}

TEST(ServiceCycle, TheOutboxIsCheckedEveryMinuteFromStartAndTheMetricsOnlyOnceReady) {
  test::SimulatedTime time(kStart);
  Host host(time);
  host.failFirst = 3;  // open at 35 s
  ServiceCycle cycle(time, host, std::nullopt);
  cycle.start();
  cycle.startTicks();
  time.advance(seconds(185));
  EXPECT_EQ(host.only("outbox"), (std::vector<std::string>{"outbox(not ready)@0", "outbox@60",
                                                           "outbox@120", "outbox@180"}));
  EXPECT_EQ(host.only("ready"), std::vector<std::string>{"ready@35"});
  // The metrics tick runs every 15 s from start; before the database opened (15 and 30 s) it
  // has nothing to read.
  std::vector<std::string> metrics;
  for (int s = 45; s <= 180; s += 15) {
    metrics.push_back("metrics@" + std::to_string(s));
  }
  EXPECT_EQ(host.only("metrics"), metrics);
}

TEST(ServiceCycle, TheWatchdogIsPingedAtHalfItsInterval) {
  test::SimulatedTime time(kStart);
  Host host(time);
  ServiceCycle cycle(time, host, milliseconds(20'000));
  cycle.start();
  time.advance(seconds(35));
  EXPECT_EQ(host.only("ping"),
            (std::vector<std::string>{"ping@0", "ping@10", "ping@20", "ping@30"}));
  // Without systemd's watchdog: never.
  test::SimulatedTime other(kStart);
  Host quiet(other);
  ServiceCycle none(other, quiet, std::nullopt);
  none.start();
  none.startTicks();
  other.advance(std::chrono::hours(1));
  EXPECT_TRUE(quiet.only("ping").empty());
}

TEST(ServiceCycle, AfterStopNothingIsCalledAndNoAlarmIsLeft) {
  test::SimulatedTime time(kStart);
  Host host(time);
  host.failFirst = 100;
  ServiceCycle cycle(time, host, milliseconds(20'000));
  cycle.start();
  cycle.startTicks();
  time.advance(seconds(30));
  cycle.stop();
  EXPECT_EQ(time.armed(), 0u);
  auto before = host.calls.size();
  time.advance(std::chrono::hours(24));
  EXPECT_EQ(host.calls.size(), before);
}

}  // namespace
}  // namespace patrond
