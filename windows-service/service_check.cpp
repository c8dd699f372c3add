// A minimal service executable for the mingw-w64 compile check: the SCM glue plus the engine,
// with a body that waits for the stop request. The real patrond.exe wires daemon/ the same way.
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

#include "adapters/fswatch/win_watch.h"
#include "engine/schedule.h"
#include "windows-service/win_service.h"

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "service") {
    return std::string(argv[2]) == "install"
               ? patrond::winsvc::install("C:\\ProgramData\\patrond\\patrond.yaml")
               : patrond::winsvc::uninstall();
  }
  int rc = 0;
  bool underScm = patrond::winsvc::runUnderScm(
      [](patrond::winsvc::StopRegistrar registerStop) {
        std::mutex m;
        std::condition_variable cv;
        bool stop = false;
        registerStop([&] {
          std::lock_guard<std::mutex> lock(m);
          stop = true;
          cv.notify_all();
        });
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return stop; });
        return 0;
      },
      rc);
  if (!underScm && argc > 2 && std::string(argv[1]) == "watch") {
    // Smoke check by hand on Windows: patrond_service_check watch C:\\folder
    auto watch = patrond::fswatch::makeWindowsWatch([](std::function<void()> f) { f(); });
    auto r = watch->watch(argv[2], [] { std::printf("changed\n"); });
    std::printf("%s\n", r.ok() ? "watching" : r.error().describe().c_str());
    std::getchar();
    return 0;
  }
  if (!underScm) {
    std::printf("statistical year of 2026-10-15: %d\n",
                patrond::statisticalYearStart({2026, 10, 15, 0, 0, 0}, 8));
  }
  return rc;
}
