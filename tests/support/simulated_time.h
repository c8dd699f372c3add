#pragma once
// Simulated time (issue 16; after Envoy's SimulatedTimeSystem): the clock stands still until
// the test moves it, and alarms fire, in time order, as it passes them. Single-threaded, like
// the service loop it stands in for. Header-only and standard C++: the engine's unit tests use it.

#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "engine/ports/timer.h"

namespace patrond::test {

class SimulatedTime final : public TimeSystem {
 public:
  explicit SimulatedTime(UtcTime start) : now_(start) {}

  UtcTime now() const override { return std::chrono::time_point_cast<Seconds>(now_); }

  std::unique_ptr<Alarm> makeAlarm() override { return std::make_unique<SimAlarm>(*this); }

  // Moves the clock to `t`, firing every alarm due on the way, each with the clock at its time.
  // An alarm armed by a callback fires too if it falls before `t`.
  void advanceTo(UtcTime t) {
    runUntil(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
  }
  void advance(std::chrono::milliseconds d) { runUntil(now_ + d); }

  // How many alarms are armed.
  std::size_t armed() const { return due_.size(); }

 private:
  using Millis = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
  using Key = std::pair<Millis, std::uint64_t>;  // when, then the order armed

  class SimAlarm final : public Alarm {
   public:
    explicit SimAlarm(SimulatedTime& time) : time_(time) {}
    ~SimAlarm() override { cancel(); }
    void armAt(UtcTime when, std::function<void()> callback) override {
      arm(std::chrono::time_point_cast<std::chrono::milliseconds>(when), std::move(callback));
    }
    void armAfter(std::chrono::milliseconds delay, std::function<void()> callback) override {
      arm(time_.now_ + delay, std::move(callback));
    }
    void cancel() override {
      if (armed_) {
        time_.due_.erase(key_);
        armed_ = false;
      }
    }

   private:
    void arm(Millis when, std::function<void()> callback) {
      cancel();
      key_ = Key{std::max(when, time_.now_), time_.seq_++};
      time_.due_.emplace(key_, Due{this, std::move(callback)});
      armed_ = true;
    }
    friend class SimulatedTime;
    SimulatedTime& time_;
    Key key_{};
    bool armed_ = false;
  };

  struct Due {
    SimAlarm* alarm;
    std::function<void()> callback;
  };

  void runUntil(Millis t) {
    while (!due_.empty() && due_.begin()->first.first <= t) {
      auto node = due_.extract(due_.begin());
      now_ = std::max(now_, node.key().first);
      node.mapped().alarm->armed_ = false;
      node.mapped().callback();
    }
    now_ = std::max(now_, t);
  }

  Millis now_;
  std::uint64_t seq_ = 0;
  std::map<Key, Due> due_;
};

}  // namespace patrond::test
