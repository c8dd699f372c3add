#pragma once
// The JSON shapes of SPEC section 2, and their text equivalents.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/circulation.h"
#include "engine/import_run.h"
#include "engine/patron.h"

namespace patrond::daemon {

nlohmann::json runJson(const ImportRun& run);
nlohmann::json messageJson(const RunMessage& m);
nlohmann::json summaryJson(const ImportRun& run, const std::vector<RunMessage>& messages);
nlohmann::json patronJson(const Patron& p);
// Circulation: a copy after a change, an open loan (with days overdue on `today`), a block.
nlohmann::json copyJson(const Copy& c);
nlohmann::json loanJson(const Loan& l, const CivilTime& today);
nlohmann::json blockJson(const Block& b);

std::string summaryText(const ImportRun& run, const std::vector<RunMessage>& messages);
std::string runLine(const ImportRun& run);

}  // namespace patrond::daemon
