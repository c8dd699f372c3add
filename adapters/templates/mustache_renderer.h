#pragma once
// Templates adapter: renders notices with mustache (kainjow, Debian's libkainjow-mustache-dev).
// The built-in templates are used unless a notice names its own (`template:` for the HTML
// part; a sibling file with ".txt" in place of ".html" for the text part). Variables are listed
// in docs/notices.md.

#include <memory>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/ports/notice_renderer.h"
#include "engine/result.h"

namespace patrond::templates {

// Loads and parses the notice's templates (and its subject). Errors name the file and what
// mustache found wrong; check-config reports them.
Result<std::unique_ptr<NoticeRenderer>> makeNoticeRenderer(const Config& config,
                                                           const NoticeConfig& notice);

// Every notice's templates parsed: what is wrong with them, one line each (empty: all good).
// Loading a configuration calls it, so a broken template stops the command, `check-config`
// and the service's start or reload like any other configuration error.
std::vector<std::string> templateProblems(const Config& config);

}  // namespace patrond::templates
