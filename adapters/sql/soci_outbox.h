#pragma once
// SQL adapter: the OutboxStore port over the SOCI session a SociStore owns.
// Adapter-internal: reached through PatronStore::outbox().

#include <soci/soci.h>

#include <memory>

#include "engine/config.h"
#include "engine/ports/outbox_store.h"
#include "engine/ports/patron_store.h"

namespace patrond::sql {

// `tx` provides the transaction (the same connection).
std::unique_ptr<OutboxStore> makeOutboxStore(DbBackend backend, soci::session& sql,
                                             PatronStore& tx);

}  // namespace patrond::sql
