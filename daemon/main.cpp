// patrond: parse the command line, load and validate config, build adapters, run.
#include "daemon/cli.h"

int main(int argc, char** argv) {
  return patrond::daemon::runCli(argc, argv);
}
