// patrond: parse the command line, load and validate config, build adapters, run.
#include <exception>
#include <iostream>

#include "daemon/cli.h"
#include "engine/text.h"

#ifndef _WIN32
#include <sys/stat.h>
#else
#include <windows.h>
#endif

int main(int argc, char** argv) {
#ifndef _WIN32
  // What patrond creates (database, archive copies, printed notices, logs) is never
  // world-readable, from a shell too: the unit's UMask=0027 or the caller's, if stricter.
  ::umask(::umask(0027) | 0027);
#else
  // patrond.exe's manifest makes UTF-8 the process code page (arguments, paths); the
  // console shows what it prints as UTF-8 too.
  ::SetConsoleOutputCP(CP_UTF8);
#endif
  // The last line of defence: an exception never ends the process with SIGABRT and a core
  // dump; it is said, and the exit code is 1 (systemd's Restart=on-failure then waits).
  try {
    return patrond::daemon::runCli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "patrond: internal error: "
              << patrond::escapeControl(patrond::redactSecrets(e.what())) << "\n";
  } catch (...) {
    std::cerr << "patrond: internal error (unknown exception)\n";
  }
  return 1;
}
