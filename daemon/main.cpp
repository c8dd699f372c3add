// patrond: parse the command line, load and validate config, build adapters, run.
#include "daemon/cli.h"

#ifndef _WIN32
#include <sys/stat.h>
#endif

int main(int argc, char** argv) {
#ifndef _WIN32
  // What patrond creates (database, archive copies, printed notices, logs) is never
  // world-readable, from a shell too: the unit's UMask=0027 or the caller's, if stricter.
  ::umask(::umask(0027) | 0027);
#endif
  return patrond::daemon::runCli(argc, argv);
}
