#pragma once
// The timer port (engine/ports/timer.h) on the service's Asio event loop: wall-clock alarms
// on a system_timer, elapsed-time alarms on a steady_timer. Loop thread only.

#include <boost/asio/io_context.hpp>

#include "engine/ports/timer.h"

namespace patrond::daemon {

class AsioTimeSystem final : public TimeSystem {
 public:
  explicit AsioTimeSystem(boost::asio::io_context& io) : io_(io) {}
  UtcTime now() const override;
  std::unique_ptr<Alarm> makeAlarm() override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace patrond::daemon
