#pragma once
// The versioned schema, written once with dialect placeholders and rendered per backend.

#include <string>
#include <vector>

#include "engine/config.h"

namespace patrond::sql {

struct Migration {
  int version;
  std::vector<std::string> statements;
};

// Every migration in order, rendered for the backend.
std::vector<Migration> migrations(DbBackend backend);
std::string render(const std::string& ddl, DbBackend backend);

}  // namespace patrond::sql
