#pragma once
// check-config's look at the environment, as the user running it (SPEC section 11): folders
// exist and can be read or written, secret files and known_hosts can be read, mail goes over
// TLS with its certificate checked. Reads the file system only; changes nothing.

#include <string>
#include <utility>
#include <vector>

#include "engine/config.h"

namespace patrond::daemon {

struct EnvironmentReport {
  std::vector<std::pair<std::string, std::string>> paths;  // what, absolute path
  std::vector<std::string> errors;                         // "PATH: what is wrong; what to do"
  std::vector<std::string> warnings;
};

EnvironmentReport checkEnvironment(const Config& config);

}  // namespace patrond::daemon
