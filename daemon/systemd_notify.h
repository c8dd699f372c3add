#pragma once
// systemd Type=notify: readiness, status text and watchdog pings. No-ops when not started by
// systemd (no NOTIFY_SOCKET) and on Windows.

#include <chrono>
#include <optional>
#include <string>

namespace patrond::daemon::systemd {

void ready(const std::string& status);
void status(const std::string& status);
// STATUS= while the start waits (for the database), extending the start timeout past the
// next attempt in `retryIn`.
void waiting(const std::string& status, std::chrono::seconds retryIn);
void stopping();
void reloading();
void watchdogPing();
// The interval systemd expects pings at (WatchdogSec), when enabled.
std::optional<std::chrono::microseconds> watchdogInterval();
bool underSystemd();

}  // namespace patrond::daemon::systemd
