#pragma once
// The JSON shapes of SPEC section 2, and their text equivalents. Times are printed in the
// district's zone with their UTC offset (SPEC section 11, engine/display_time.h).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/circulation.h"
#include "engine/import_run.h"
#include "engine/patron.h"
#include "engine/ports/time_zone.h"
#include "engine/run_patrons.h"

namespace patrond::daemon {

nlohmann::json runJson(const ImportRun& run, const TimeZone& zone);
nlohmann::json messageJson(const RunMessage& m);
nlohmann::json summaryJson(const ImportRun& run, const std::vector<RunMessage>& messages,
                           const TimeZone& zone);
nlohmann::json patronJson(const Patron& p, const TimeZone& zone);
// Circulation: a copy after a change, an open loan (with days overdue on `today`), a block.
nlohmann::json copyJson(const Copy& c);
nlohmann::json loanJson(const Loan& l, const CivilTime& today, const TimeZone& zone);
nlohmann::json blockJson(const Block& b);

std::string summaryText(const ImportRun& run, const std::vector<RunMessage>& messages,
                        const TimeZone& zone);

// `summary RUN_ID --patrons`: the run's per-patron detail ("patrons", with how many the run
// touched and how many are kept) added to a summary's JSON, and as text.
void addRunPatrons(nlohmann::json& summary, const ImportRun& run,
                   const std::vector<RunPatron>& patrons);
std::string runPatronsText(const ImportRun& run, const std::vector<RunPatron>& patrons);
std::string runLine(const ImportRun& run, const TimeZone& zone);

}  // namespace patrond::daemon
