#pragma once
// The librarian's hand edits of patrons (SPEC section 11): `patrons set` pins or releases a
// homeroom; `patrons delete` deletes patrons by key or by homeroom, archived as the lifecycle
// archives them.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "daemon/app.h"

namespace patrond::daemon {

struct PatronSetArgs {
  std::string key;
  std::string homeroom;
  bool homeroomGiven = false;
  bool fromSis = false;
};

struct PatronDeleteArgs {
  std::vector<std::string> keys;
  std::string site, homeroom;
  bool withTransactions = false;
  bool dryRun = false;
};

// Adds `set` and `delete` to `patrons`; a parsed one sets `action`.
void addPatronCommands(CLI::App& patrons, PatronSetArgs& set, PatronDeleteArgs& del,
                       std::function<int(App&)>& action);

// "" when `homeroom` may be pinned: not blank, no spaces at its ends, no control characters,
// UTF-8, at most the homeroom field's length. Else the usage message.
std::string checkHomeroomLabel(const std::string& homeroom);

// The patron named on the command line (district id or barcode) into `out`; exit 2 naming the
// key when there is none, 1 when the database fails.
int findPatron(App& app, const std::string& key, Patron& out);

int cmdPatronsSet(App& app, const PatronSetArgs& args);
// Deletes the named patrons in one transaction, all or none: exit 3 naming each patron with
// open loans or unpaid fines unless --with-transactions; exit 2 for an unknown key or an
// empty homeroom. --dry-run says who would go and changes nothing.
int cmdPatronsDelete(App& app, const PatronDeleteArgs& args);

}  // namespace patrond::daemon
