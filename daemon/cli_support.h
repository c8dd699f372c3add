#pragma once
// Pieces of the command line that are not the command table itself: each subcommand's help
// footer (global options, exit codes, an example), "did you mean" for an unknown command or
// job, and bounds for --limit.

#include <CLI/CLI.hpp>
#include <string>

#include "engine/config.h"

namespace patrond::daemon {

// Gives every subcommand (nested ones too) a footer: the global options of `root`, the exit
// codes (SPEC section 2) and an example of its own.
void addHelpFooters(CLI::App& root);
// A --limit check: a whole number from 1 to `max`, said in words when it is not.
CLI::Validator limitValidator(long long max);
// When the parse failed on a word that is no command: "unknown command 'db foo' (did you
// mean 'db status'?)". Empty when the error is something else.
std::string unknownCommandMessage(const CLI::App& root);
// "no import job named 'studnets' in FILE (did you mean 'students'?)"
std::string unknownJobMessage(const Config& config, const std::string& name);

}  // namespace patrond::daemon
