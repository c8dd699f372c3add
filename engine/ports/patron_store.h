#pragma once
// Port: the database, as the aggregate of the small ports below, plus the circulation, outbox
// and alert stores on the same connection. The SOCI adapter implements it for SQLite,
// PostgreSQL and MySQL/MariaDB, the memory adapter in memory, and tests/contract runs one
// suite against all of them. Code that needs one concern takes that small port; code that
// wires a use case (the daemon) holds a PatronStore. A store is used by one thread at a time;
// open one per worker.

#include "engine/ports/alert_store.h"
#include "engine/ports/circulation_store.h"
#include "engine/ports/homeroom_store.h"
#include "engine/ports/import_target.h"
#include "engine/ports/lease_store.h"
#include "engine/ports/lifecycle_store.h"
#include "engine/ports/outbox_store.h"
#include "engine/ports/patron_directory.h"
#include "engine/ports/run_log.h"
#include "engine/ports/schema_store.h"
#include "engine/ports/source_file_ledger.h"
#include "engine/ports/unit_of_work.h"

namespace patrond {

class PatronStore : public SchemaStore,
                    public UnitOfWork,
                    public RunLog,
                    public PatronDirectory,
                    public ImportTarget,
                    public LifecycleStore,
                    public LeaseStore,
                    public SourceFileLedger,
                    public HomeroomStore {
 public:
  ~PatronStore() override = default;

  // Circulation (SPEC sections 6 and 7) on the same connection and transaction.
  virtual CirculationStore& circulation() = 0;
  // The e-mail outbox and the notice queries (SPEC section 8), same connection.
  virtual OutboxStore& outbox() = 0;
  // The administrators' alert incidents (SPEC section 11), same connection.
  virtual AlertStore& alerts() = 0;
};

}  // namespace patrond
