#pragma once
// The JSON shapes of SPEC section 2, and their text equivalents.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/import_run.h"
#include "engine/patron.h"

namespace patrond::daemon {

nlohmann::json runJson(const ImportRun& run);
nlohmann::json messageJson(const RunMessage& m);
nlohmann::json summaryJson(const ImportRun& run, const std::vector<RunMessage>& messages);
nlohmann::json patronJson(const Patron& p);

std::string summaryText(const ImportRun& run, const std::vector<RunMessage>& messages);
std::string runLine(const ImportRun& run);

}  // namespace patrond::daemon
