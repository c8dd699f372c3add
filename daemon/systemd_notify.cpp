#include "daemon/systemd_notify.h"

#include <cstdlib>

#ifdef __linux__
#include <systemd/sd-daemon.h>
#endif

namespace patrond::daemon::systemd {

#ifdef __linux__
void ready(const std::string& s) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", s.c_str());
}
void status(const std::string& s) {
  sd_notifyf(0, "STATUS=%s", s.c_str());
}
void waiting(const std::string& s, std::chrono::seconds retryIn) {
  // Start-up waits as long as the database does: each wait extends the start timeout
  // (TimeoutStartSec) past the next attempt, so systemd does not kill a service that is only
  // waiting.
  const auto extend =
      std::chrono::duration_cast<std::chrono::microseconds>(retryIn + std::chrono::seconds(30));
  sd_notifyf(0, "STATUS=%s\nEXTEND_TIMEOUT_USEC=%llu", s.c_str(),
             static_cast<unsigned long long>(extend.count()));
}
void stopping() {
  sd_notify(0, "STOPPING=1");
}
void reloading() {
  sd_notify(0, "RELOADING=1");
}
void watchdogPing() {
  sd_notify(0, "WATCHDOG=1");
}
std::optional<std::chrono::microseconds> watchdogInterval() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    return std::chrono::microseconds(usec);
  }
  return std::nullopt;
}
bool underSystemd() {
  return std::getenv("NOTIFY_SOCKET") != nullptr;
}
#else
void ready(const std::string&) {}
void status(const std::string&) {}
void waiting(const std::string&, std::chrono::seconds) {}
void stopping() {}
void reloading() {}
void watchdogPing() {}
std::optional<std::chrono::microseconds> watchdogInterval() {
  return std::nullopt;
}
bool underSystemd() {
  return false;
}
#endif

}  // namespace patrond::daemon::systemd
