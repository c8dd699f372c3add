#pragma once
// SQL adapter: the AlertStore port (table alert_incidents) over the SOCI session a SociStore
// owns. Adapter-internal: reached through PatronStore::alerts().

#include <soci/soci.h>

#include <memory>

#include "engine/config.h"
#include "engine/ports/alert_store.h"
#include "engine/ports/patron_store.h"

namespace patrond::sql {

std::unique_ptr<AlertStore> makeAlertStore(DbBackend backend, soci::session& sql, PatronStore& tx);

}  // namespace patrond::sql
