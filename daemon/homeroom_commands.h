#pragma once
// `patrond homerooms list|set` (SPEC sections 2 and 8).

#include <string>

#include "daemon/app.h"
#include "engine/homerooms.h"

namespace patrond::daemon {

struct HomeroomSetArgs {
  std::string site, name, teacherEmail, teacherName, libraryDay, notices;
  bool emailGiven = false, nameGiven = false;
};

int cmdHomeroomsList(App& app, const std::string& site);
int cmdHomeroomsSet(App& app, const HomeroomSetArgs& args);

}  // namespace patrond::daemon
