#pragma once
// What an import's writer thread does with one batch (engine-internal, engine/import_writer.h):
// hashes its new and changed passwords, fills the fields a row keeps from the store, notes
// the per-patron detail and writes the rows.

#include "engine/import_writer.h"
#include "engine/patron_import.h"
#include "engine/row_mapper.h"
#include "engine/run_patron_recorder.h"

namespace patrond::importing {

struct BatchWrite {
  const ImportRequest& req;
  const RowMapper& mapper;
  RunPatronRecorder& detail;
  PasswordHasher* hasher;  // null when the mapping has no password

  // On the writer thread: one batch, with `keepWhenEmpty`, `preserve` and pinned homerooms
  // applied to the updates. Rows whose password did not change are written without their
  // password column. Nothing is hashed for a dry run: what it writes is rolled back.
  Result<void> operator()(ImportTarget& store, Batch& b) const;
};

}  // namespace patrond::importing
