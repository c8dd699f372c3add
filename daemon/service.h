#pragma once
// `patrond run`: the long-running service on one Boost.Asio io_context.

#include <functional>

#include "daemon/app.h"

namespace patrond::daemon {

// Runs until SIGTERM/SIGINT (or `stopRequest` is called from another thread, as the Windows
// service control handler does). Returns the process exit code.
int runService(App& app, const std::function<void(std::function<void()>)>& registerStop = {});

}  // namespace patrond::daemon
