#pragma once
// The librarian's subcommands (SPEC section 11): `items show/list` and `reports loans`,
// which only read (they never create or upgrade a database), and `fines list/waive`. Also
// who a person at the CLI is, for the records an override or a waiver leaves.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "daemon/app.h"

namespace patrond::daemon {

// The login name of the person running the command: the session's login name (under sudo,
// the person, not root), else $SUDO_USER when running as root, else the effective user's
// name; "#UID" when none is known.
std::string loginName();
// "" when `name` (given as `what`, like "--by") may be recorded as who did something: not
// blank, no control characters, UTF-8, at most 100 characters. Else the usage message.
std::string checkPersonName(const std::string& name, const std::string& what);

struct LibrarianArgs {
  std::string copy;
  std::string site, status, title;
  int limit = 0;
  std::string patron, amount, reason, by;
  bool byGiven = false;
  std::string homeroom, format = "text";
};

// Adds `items show|list` to `items`, `fines list|waive` to `fines` and the `reports`
// command to `root`; a parsed one sets `action`.
void addLibrarianCommands(CLI::App& root, CLI::App& items, CLI::App& fines, LibrarianArgs& args,
                          std::function<int(App&)>& action);

int cmdItemsShow(App& app, const std::string& copy);
int cmdItemsList(App& app, const LibrarianArgs& args);
int cmdFinesList(App& app, const std::string& patron);
int cmdFinesWaive(App& app, const LibrarianArgs& args);
int cmdReportsLoans(App& app, const LibrarianArgs& args);

}  // namespace patrond::daemon
