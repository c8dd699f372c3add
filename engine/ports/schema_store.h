#pragma once
// Port: the database's schema and the configured sites. Used by the daemon when it opens a
// database (daemon/app.cpp) and by `db` commands. One thread at a time, like every store port.

#include <vector>

#include "engine/config.h"
#include "engine/result.h"

namespace patrond {

class SchemaStore {
 public:
  virtual ~SchemaStore() = default;

  // Schema: creates or upgrades to the newest version; returns it.
  virtual Result<int> migrate() = 0;
  virtual Result<int> schemaVersion() = 0;
  static constexpr int kSchemaVersion = 6;

  virtual Result<void> syncSites(const std::vector<Site>& sites) = 0;
};

}  // namespace patrond
