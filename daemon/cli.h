#pragma once

namespace patrond::daemon {

// Parses the command line (CLI11) and runs the subcommand. Returns the exit code.
int runCli(int argc, char** argv);

}  // namespace patrond::daemon
