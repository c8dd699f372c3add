#pragma once
// The in-memory store: PatronStore, CirculationStore, OutboxStore and AlertStore over plain
// standard-library containers, with the SQL adapter's semantics (the contract suites run on
// it as a fourth backend). For fast tests of the engine's use cases; not a product backend:
// nothing is kept past the process.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/patron_archive.h"
#include "engine/ports/patron_store.h"

namespace patrond::memory {

// One database: what every store opened on it sees, as the connections of a SQL database do.
// Opaque; shared by its stores.
struct Database;

std::shared_ptr<Database> newDatabase();

// A connection to `db`. Like a SQL connection, one thread at a time uses it; several
// connections may be used from several threads, and a transaction holds the database until
// it ends (as SQLite's BEGIN IMMEDIATE does).
std::unique_ptr<PatronStore> openStore(std::shared_ptr<Database> db);

// A patron deletePatrons archived (the SQL adapter's deleted_patrons row; the record is the
// engine's archiveRecord, kept as such rather than written out as JSON).
struct DeletedPatron {
  std::int64_t id = 0, patronId = 0, runId = 0;  // runId 0: deleted by hand
  std::string districtId, barcode, rule, deletedAt;
  ArchiveRecord record;
};

// The archive of deleted patrons, oldest first.
std::vector<DeletedPatron> deletedPatrons(Database& db);

// How many patrons each insertPatrons and updatePatrons call on `db` was given, in order, since
// the last takePatronWrites (a rolled-back transaction's calls are gone with it); the list
// starts again empty.
std::vector<std::size_t> takePatronWrites(Database& db);

}  // namespace patrond::memory
