// Bulk patron inserts and updates on PostgreSQL: new patrons are COPY'd into patrons; updates
// are COPY'd into a temporary staging table of the run's transaction, then applied by one
// UPDATE ... FROM (docs/performance.md).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "adapters/sql/pg_copy.h"
#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

namespace {

// Dropped at the end of the call, and at the latest with its transaction (ON COMMIT DROP; a
// rolled-back transaction takes it too, and so does the end of the session): no staging
// table outlives its run.
constexpr const char* kStaging = "patrond_staging";

bool ok(const PgResult& r) {
  auto s = PQresultStatus(r.get());
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

}  // namespace

// `columns` of patrons are staged, row by row from `row`, behind a row_number (1-based, the
// COPY's line); `apply` reads the staging table and takes $1: the last row_number to apply.
// A refused row is named with its file line: a COPY error names its line itself, and a
// refused `apply` is retried on ever shorter prefixes of the rows to find the first at fault.
Result<void> SociStore::pgStaged(const std::string& what, const std::vector<Patron>& patrons,
                                 const std::string& columns,
                                 const std::function<void(CopyRows&, const Patron&)>& row,
                                 const std::string& apply) {
  PGconn* conn = pgConnection(*sql_);
  const bool own = PQtransactionStatus(conn) == PQTRANS_IDLE;
  auto fail = [&](std::string message) -> Error {
    if (own) {
      (void)pgExec(conn, "ROLLBACK");
    } else if (PQtransactionStatus(conn) == PQTRANS_INTRANS) {
      (void)pgExec(conn, std::string("DROP TABLE IF EXISTS pg_temp.") + kStaging);
    }
    return Error{"DB", std::move(message), "postgresql"};
  };
  auto run = [&](const std::string& q) {
    PgResult r = pgExec(conn, q);
    return ok(r) ? std::string() : pgErrorText(r.get(), conn);
  };
  if (own) {
    if (auto e = run("BEGIN"); !e.empty()) {
      return fail(what + "s: " + e);
    }
  }
  if (auto e = run(std::string("CREATE TEMPORARY TABLE ") + kStaging +
                   " ON COMMIT DROP AS SELECT CAST(0 AS INTEGER) AS row_number, " + columns +
                   " FROM patrons WITH NO DATA");
      !e.empty()) {
    return fail(what + "s: " + e);
  }
  CopyError copied =
      copyIn(conn, std::string("COPY ") + kStaging + " (row_number, " + columns + ") FROM STDIN",
             patrons.size(), [&](CopyRows& out, std::size_t i) {
               out.value(std::to_string(i + 1));
               row(out, patrons[i]);
             });
  if (copied.failed()) {
    if (copied.row >= 1 && copied.row <= patrons.size()) {
      return fail(patronNamed(what, patrons[copied.row - 1]) + ": " + copied.message);
    }
    return fail(what + "s: " + copied.message);
  }
  auto applyTo = [&](std::size_t last) {
    PgResult r = pgExec(conn, apply, {std::to_string(last)});
    return ok(r) ? std::string() : pgErrorText(r.get(), conn);
  };
  // A savepoint, so that a refused statement leaves the staged rows to search.
  if (auto e = run("SAVEPOINT patrond_rows"); !e.empty()) {
    return fail(what + "s: " + e);
  }
  if (auto e = applyTo(patrons.size()); !e.empty()) {
    std::size_t lo = 1, hi = patrons.size();
    std::string at = e;
    bool searched = run("ROLLBACK TO SAVEPOINT patrond_rows").empty();
    // The first row whose prefix is refused is the one at fault.
    while (searched && lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      std::string probe = applyTo(mid);
      searched = run("ROLLBACK TO SAVEPOINT patrond_rows").empty();
      if (probe.empty()) {
        lo = mid + 1;
      } else {
        hi = mid;
        at = probe;
      }
    }
    if (searched && lo == hi) {
      if (std::string probe = applyTo(lo); !probe.empty()) {
        at = probe;
      }
      return fail(patronNamed(what, patrons[lo - 1]) + ": " + at);
    }
    return fail(what + "s: " + e);
  }
  for (const std::string& q :
       {std::string("RELEASE SAVEPOINT patrond_rows"), std::string("DROP TABLE ") + kStaging}) {
    if (auto e = run(q); !e.empty()) {
      return fail(what + "s: " + e);
    }
  }
  if (own) {
    if (auto e = run("COMMIT"); !e.empty()) {
      return fail(what + "s: " + e);
    }
  }
  return {};
}

// The first import into an empty database writes its rows frozen (COPY ... FREEZE): they are
// visible to every later transaction from the start, so the next run's key scan does not set
// a hint bit on every row and autovacuum has no million-row pass to make behind it
// (docs/performance.md). PostgreSQL allows FREEZE only into a table created or emptied in the
// same transaction: patrons is emptied here when it has no rows, under an exclusive lock taken
// without waiting (held to the end of the run: readers of patrons wait for the first import,
// which has nothing to show them before it commits). Any other case, or any refusal, leaves
// the table as it was and the COPYs as they were.
bool SociStore::pgFreezeInto(PGconn* conn) {
  auto run = [&](const std::string& q) {
    PgResult r = pgExec(conn, q);
    return ok(r) ? std::move(r) : PgResult(nullptr, &PQclear);
  };
  if (!run("SAVEPOINT patrond_freeze")) {
    return false;
  }
  bool emptied = false;
  if (run("LOCK TABLE patrons IN ACCESS EXCLUSIVE MODE NOWAIT")) {
    PgResult any = run("SELECT 1 FROM patrons LIMIT 1");
    emptied = any && PQntuples(any.get()) == 0 && run("TRUNCATE patrons");
  }
  // The two text unique indexes are dropped and built again at commit (pgBuildDeferredIndexes):
  // one sorted build costs the server less than a million ordered inserts into each
  // (docs/performance.md, issue 17 round 4). Their definitions are read from the catalog, so
  // they come back exactly as the schema made them. The engine has already refused a key or
  // barcode repeated in the file, so the build finds no duplicate; if it did, the commit fails
  // naming the value, and the run rolls back whole.
  std::vector<std::string> definitions;
  if (emptied) {
    PgResult defs =
        run("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND "
            "tablename = 'patrons' AND indexname IN ('patrons_district_id', 'patrons_barcode')");
    for (int i = 0; defs && i < PQntuples(defs.get()); ++i) {
      definitions.emplace_back(PQgetvalue(defs.get(), i, 0));
    }
    emptied = definitions.size() == 2 && run("DROP INDEX patrons_district_id, patrons_barcode");
  }
  // The ids: one nextval reserves the first; the rows take the ones after it, and the
  // sequence is set past the last at commit. No other session can insert into patrons before
  // then (the lock), and the sequence only moves forward: an id is never given twice, even
  // when this run rolls back (a sequence is not transactional; the ids are then skipped).
  std::string sequence;
  std::int64_t first = 0;
  if (emptied) {
    PgResult seq = run("SELECT s, nextval(s) FROM pg_get_serial_sequence('patrons', 'id') AS s");
    emptied = seq && PQntuples(seq.get()) == 1 && PQgetisnull(seq.get(), 0, 0) == 0;
    if (emptied) {
      sequence = PQgetvalue(seq.get(), 0, 0);
      first = std::strtoll(PQgetvalue(seq.get(), 0, 1), nullptr, 10);
      emptied = first > 0;
    }
  }
  if (emptied && run("RELEASE SAVEPOINT patrond_freeze")) {
    pgDeferredIndexes_ = std::move(definitions);
    pgIdSequence_ = std::move(sequence);
    pgNextId_ = first;
    return true;
  }
  (void)run("ROLLBACK TO SAVEPOINT patrond_freeze");
  (void)run("RELEASE SAVEPOINT patrond_freeze");
  return false;
}

Result<void> SociStore::pgBuildDeferredIndexes() {
  const std::vector<std::string> definitions = std::exchange(pgDeferredIndexes_, {});
  const std::string sequence = std::exchange(pgIdSequence_, {});
  PGconn* conn = pgConnection(*sql_);
  if (!sequence.empty()) {
    // The last id given is pgNextId_ - 1 (the reserved one itself when no row came).
    const std::int64_t last = std::max<std::int64_t>(pgNextId_ - 1, 1);
    if (PgResult r = pgExec(conn,
                            "SELECT setval(CAST($1 AS regclass), GREATEST(CAST($2 AS BIGINT), "
                            "COALESCE(pg_sequence_last_value(CAST($1 AS regclass)), 0)))",
                            {sequence, std::to_string(last)});
        !ok(r)) {
      return Error{"DB", "adding patrons: " + pgErrorText(r.get(), conn), "postgresql"};
    }
  }
  for (const auto& definition : definitions) {
    if (PgResult r = pgExec(conn, definition); !ok(r)) {
      return Error{"DB", "adding patrons: " + pgErrorText(r.get(), conn), "postgresql"};
    }
  }
  return {};
}

// New patrons are COPY'd straight into patrons: the server does what `psql \copy` does,
// where staging them first wrote and read every row twice and made a file per batch
// (docs/performance.md). A row refused (a value, a key, a trigger) is named by the COPY's line.
Result<void> SociStore::pgCopyInsert(const std::vector<Patron>& patrons,
                                     const std::vector<PatronField>& fields,
                                     const std::string& cols) {
  PGconn* conn = pgConnection(*sql_);
  const bool own = PQtransactionStatus(conn) == PQTRANS_IDLE;
  if (own) {
    if (PgResult r = pgExec(conn, "BEGIN"); !ok(r)) {
      return Error{"DB", "adding patrons: " + pgErrorText(r.get(), conn), "postgresql"};
    }
  }
  if (own) {
    pgFreeze_ = PgFreeze::kNo;  // a transaction of one batch: nothing to gain
  } else if (pgFreeze_ == PgFreeze::kUndecided) {
    pgFreeze_ = pgFreezeInto(conn) ? PgFreeze::kYes : PgFreeze::kNo;
  }
  const bool first = pgFreeze_ == PgFreeze::kYes;
  const std::string copy = first ? "COPY patrons (id, " + cols + ") FROM STDIN (FREEZE)"
                                 : "COPY patrons (" + cols + ") FROM STDIN";
  const std::int64_t firstId = pgNextId_;
  CopyError copied = copyIn(conn, copy, patrons.size(), [&](CopyRows& out, std::size_t i) {
    const Patron& p = patrons[i];
    if (first) {
      out.value(std::to_string(firstId + static_cast<std::int64_t>(i)));
    }
    for (PatronField f : fields) {
      out.value(p.get(f), nullWhenEmpty(f));
    }
    copyMeta(out, p);
    out.value(p.createdAt);
  });
  if (first) {
    pgNextId_ = firstId + static_cast<std::int64_t>(patrons.size());
  }
  std::string error;
  if (copied.failed()) {
    error = copied.row >= 1 && copied.row <= patrons.size()
                ? patronNamed("adding patron", patrons[copied.row - 1]) + ": " + copied.message
                : "adding patrons: " + copied.message;
  } else if (own) {
    if (PgResult r = pgExec(conn, "COMMIT"); !ok(r)) {
      error = "adding patrons: " + pgErrorText(r.get(), conn);
    }
  }
  if (error.empty()) {
    return {};
  }
  if (own) {
    (void)pgExec(conn, "ROLLBACK");
  }
  return Error{"DB", error, "postgresql"};
}

void SociStore::copyMeta(CopyRows& rows, const Patron& p) {
  rows.value(statusName(p.status));
  rows.value(p.inactiveSince, true);
  rows.value(p.ownerJob);
  rows.value(p.contentHash);
  rows.value(p.lastSeenAt, true);
  rows.value(p.seenInLastFull ? "1" : "0");
  rows.value(p.updatedAt, true);
}

Result<void> SociStore::pgUpdate(const std::vector<Patron>& patrons,
                                 const std::vector<PatronField>& cols,
                                 const std::vector<std::string>& names, const std::string& set) {
  std::string columns;
  for (const std::string& n : names) {
    columns += (columns.empty() ? "" : ", ") + n;
  }
  return pgStaged(
      "updating patron", patrons, columns,
      [&](CopyRows& rows, const Patron& p) {
        rows.value(std::to_string(p.id));
        for (PatronField f : cols) {
          rows.value(p.get(f), nullWhenEmpty(f));
        }
        copyMeta(rows, p);
      },
      "UPDATE patrons AS p SET " + set + " FROM " + kStaging +
          " AS v WHERE p.id = v.id AND v.row_number <= CAST($1 AS INTEGER)");
}

}  // namespace patrond::sql
