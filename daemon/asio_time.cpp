#include "daemon/asio_time.h"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <cstdint>
#include <memory>

namespace patrond::daemon {

namespace {

// Why the generation: a timer that has expired has its handler queued already, and cancel()
// cannot take it back (it runs with success). Each arm or cancel starts a generation, and a
// handler of an older one does nothing, so a replaced or cancelled callback never runs. The
// counter is shared with the handlers: one may run after its alarm is gone.
class AsioAlarm final : public Alarm {
 public:
  explicit AsioAlarm(boost::asio::io_context& io) : wall_(io), elapsed_(io) {}
  // Not cancel(): the timers' cancel() may throw. Their destructors cancel the waits without
  // throwing; the new generation stops a handler already queued.
  ~AsioAlarm() override { ++*generation_; }

  void armAt(UtcTime when, std::function<void()> callback) override {
    cancel();
    wall_.expires_at(std::chrono::system_clock::time_point(when));
    wall_.async_wait(handler(std::move(callback)));
  }

  void armAfter(std::chrono::milliseconds delay, std::function<void()> callback) override {
    cancel();
    elapsed_.expires_after(delay);
    elapsed_.async_wait(handler(std::move(callback)));
  }

  void cancel() override {
    ++*generation_;
    wall_.cancel();
    elapsed_.cancel();
  }

 private:
  std::function<void(const boost::system::error_code&)> handler(std::function<void()> callback) {
    return [generation = generation_, armed = *generation_,
            callback = std::move(callback)](const boost::system::error_code& ec) {
      if (!ec && armed == *generation) {
        callback();
      }
    };
  }

  boost::asio::system_timer wall_;
  boost::asio::steady_timer elapsed_;
  std::shared_ptr<std::uint64_t> generation_ = std::make_shared<std::uint64_t>(0);
};

}  // namespace

UtcTime AsioTimeSystem::now() const {
  return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
}

std::unique_ptr<Alarm> AsioTimeSystem::makeAlarm() {
  return std::make_unique<AsioAlarm>(io_);
}

}  // namespace patrond::daemon
