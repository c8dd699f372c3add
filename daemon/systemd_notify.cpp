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
