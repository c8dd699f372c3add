// The import's scan of every stored patron key; on SQLite split over two
// connections.

#include <algorithm>
#include <thread>

#include "adapters/sql/mysql_load.h"
#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {
namespace {

using namespace sqlite_api;

// SQLite's key scan is CPU-bound in SQLite itself (~0.5 s per million patrons),
// so two connections scanning half each take about half the time on two cores.
// A second connection sees exactly what this one sees only when this one holds
// the write lock (no one else can commit: BEGIN IMMEDIATE) and has written
// nothing since it took it. Returns where to split the ids in two, or nothing:
// a small table, no file (an in-memory database), or a transaction that has
// written.
constexpr long long kSplitScanIds = 50000;
struct KeyScanSplit {
  std::string file;      // the database file, for the second connection
  long long at;          // ids up to this one here, the rest on the second connection
  std::size_t upperIds;  // how many ids there can be above it
};

std::optional<KeyScanSplit> keyScanSplit(sqlite3* db, sqlite3_int64 changesAtBegin) {
  const char* file = sqlite3_db_filename(db, "main");
  if (file == nullptr || *file == '\0' || sqlite3_txn_state(db, "main") != SQLITE_TXN_WRITE ||
      sqlite3_total_changes64(db) != changesAtBegin) {
    return std::nullopt;
  }
  // Two subqueries: SQLite reads MIN or MAX of the primary key from one end of
  // the B-tree, but scans the whole table for both in one SELECT.
  SqliteStatement st(db, "SELECT (SELECT MIN(id) FROM patrons), (SELECT MAX(id) FROM patrons)");
  if (!st.ok() || !st.next() || st.columnNull(0)) {
    return std::nullopt;
  }
  long long lo = st.columnInt(0), hi = st.columnInt(1);
  if (hi - lo < kSplitScanIds) {
    return std::nullopt;
  }
  long long at = lo + (hi - lo) / 2;
  return KeyScanSplit{file, at, static_cast<std::size_t>(hi - at)};
}

// Runs `scan` on a connection of its own to `file` (the calling thread may be
// another one: nothing here touches this store's connection); returns scan's
// error, or why the connection could not be opened.
std::string scanOnSecondConnection(const std::string& file,
                                   const std::function<std::string(sqlite3*)>& scan) {
  sqlite3* db = nullptr;
  // Never creates a file: the database exists, this connection has it open.
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::string error;
  if (rc != SQLITE_OK) {
    error = "could not open a second connection: ";
    error += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  } else {
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "PRAGMA cache_size = -2048", nullptr, nullptr, nullptr);
    try {
      error = scan(db);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  sqlite3_close(db);
  return error;
}

// Stored keys read on the second connection, kept until the first connection's
// are out.
struct ScannedKeys {
  struct Row {  // 24 bytes
    long long id;
    std::uint32_t keyEnd, barcodeEnd, hashEnd;
    bool inactive, owned, seen, pinned;
  };
  std::vector<Row> rows;
  std::string bytes;
  std::string error;
  std::function<void(SqliteStatement&)> add(std::size_t expectedIds) {
    // Ids can be sparse (a hand-set id far above the rest): the reservation is
    // a guess.
    const std::size_t expected = std::min<std::size_t>(expectedIds, 4'000'000);
    rows.reserve(expected);
    bytes.reserve(expected * 32);  // a short key and barcode, a 16-digit hash
    return [this](SqliteStatement& st) {
      Row r{};
      r.id = st.columnInt(0);
      r.inactive = st.columnInt(4) != 0;
      r.owned = st.columnInt(5) != 0;
      r.seen = st.columnInt(6) != 0;
      r.pinned = st.columnInt(7) != 0;
      bytes += st.columnView(1);
      r.keyEnd = static_cast<std::uint32_t>(bytes.size());
      bytes += st.columnView(2);
      r.barcodeEnd = static_cast<std::uint32_t>(bytes.size());
      bytes += st.columnView(3);
      r.hashEnd = static_cast<std::uint32_t>(bytes.size());
      rows.push_back(r);
    };
  }
  template <typename Deliver>
  void replay(Deliver& deliver) const {
    std::uint32_t from = 0;
    std::string_view all(bytes);
    for (const Row& r : rows) {
      StoredPatronKey k;
      k.id = r.id;
      k.key = all.substr(from, r.keyEnd - from);
      k.barcode = all.substr(r.keyEnd, r.barcodeEnd - r.keyEnd);
      k.contentHash = all.substr(r.barcodeEnd, r.hashEnd - r.barcodeEnd);
      from = r.hashEnd;
      deliver(k, r.inactive, r.owned, r.seen, r.pinned);
    }
  }
};

// Sets a small page cache for a whole-table scan and puts the usual one back
// after (as PostgreSQL's ring buffer for sequential scans): filling the 64 MB
// cache with pages read once costs page faults and memory, and the writes that
// follow want other pages anyway.
class ScanCache {
 public:
  explicit ScanCache(soci::session& sql) : sql_(sql) { sql_ << "PRAGMA cache_size = -2048"; }
  ScanCache(const ScanCache&) = delete;
  ScanCache& operator=(const ScanCache&) = delete;
  ~ScanCache() {
    try {
      sql_ << "PRAGMA cache_size = " + std::to_string(kSqliteCacheKib);
    } catch (...) {  // a pragma on an open connection; nothing to undo
    }
  }

 private:
  soci::session& sql_;
};

// SQLite's key scan of `q` (job bound first), natively; split over a second
// connection and thread when keyScanSplit allows. deliver(key, inactive, owned,
// seen, pinned) gets every row.
template <typename Deliver>
Result<void> sqliteKeyScan(soci::session& sql, sqlite3_int64 changesAtBegin, const std::string& q,
                           const std::string& job, Deliver& deliver) {
  ScanCache cache(sql);
  sqlite3* here = sqliteHandle(sql);
  auto scan = [&](sqlite3* db, const std::string& where, long long split,
                  const std::function<void(SqliteStatement&)>& row) {
    SqliteStatement st(db, nativeParams(q + where));
    if (st.ok()) {
      st.text(1, job);
      if (!where.empty()) {
        st.integer(2, split);
      }
    }
    while (st.ok() && st.next()) {
      row(st);
    }
    return st.error();
  };
  auto deliverHere = [&](SqliteStatement& st) {
    StoredPatronKey k;
    k.id = st.columnInt(0);
    k.key = st.columnView(1);
    k.barcode = st.columnView(2);
    k.contentHash = st.columnView(3);
    deliver(k, st.columnInt(4), st.columnInt(5), st.columnInt(6), st.columnInt(7));
  };
  std::string error;
  std::optional<KeyScanSplit> split = keyScanSplit(here, changesAtBegin);
  ScannedKeys upper;
  std::jthread helper;  // joined however this scope is left
  if (split) {
    try {
      helper = std::jthread([&] {
        upper.error = scanOnSecondConnection(split->file, [&](sqlite3* db) {
          return scan(db, " WHERE id > :split", split->at, upper.add(split->upperIds));
        });
      });
    } catch (const std::system_error&) {
      split.reset();  // no thread to be had: one scan here
    }
  }
  if (split) {
    // The upper half of the ids on the second connection, the lower half here;
    // the upper rows are handed over after, in id order as from one scan. If
    // the second connection failed, this one reads the upper half too.
    error = scan(here, " WHERE id <= :split", split->at, deliverHere);
    helper.join();
    if (upper.error.empty()) {
      upper.replay(deliver);
    } else if (error.empty()) {
      error = scan(here, " WHERE id > :split", split->at, deliverHere);
    }
  } else {
    error = scan(here, "", 0, deliverHere);
  }
  if (!error.empty()) {
    return Error{"DB", "reading patron keys: " + error, "sqlite3"};
  }
  return {};
}

}  // namespace

// PostgreSQL streams the keys through COPY TO STDOUT, MySQL through mysql_use_result: one
// pass, no result held whole in memory (SOCI's rowset reads the full result first), no
// per-row type dispatch. Neither takes parameters here, so the owner job is compared in this
// process rather than bound.
template <typename Deliver>
Result<void> SociStore::nativeKeyScan(PatronField matchOn, const std::string& job,
                                      Deliver& deliver) {
  const std::string select = "SELECT id, " + columnName(matchOn) +
                             ", barcode, content_hash, CASE WHEN status = 'inactive' THEN 1 "
                             "ELSE 0 END, owner_job, seen_in_last_full, homeroom_pinned FROM "
                             "patrons";
  std::string bad;  // the stream is read to its end either way
  auto each = [&](const std::vector<std::string_view>& f) {
    if (f.size() != 8) {
      bad = "a row of " + std::to_string(f.size()) + " fields";
      return;
    }
    StoredPatronKey k;
    k.id = digitsValue(f[0]);
    k.key = f[1];
    k.barcode = f[2];
    k.contentHash = f[3];
    deliver(k, digitsValue(f[4]), f[5] == job ? 1 : 0, digitsValue(f[6]), digitsValue(f[7]));
  };
  std::string error = backend_ == DbBackend::kPostgresql
                          ? copyOut(pgConnection(*sql_), "COPY (" + select + ") TO STDOUT", each)
                          : streamRows(*sql_, select, each);
  if (error.empty()) {
    error = bad;
  }
  if (!error.empty()) {
    return Error{"DB", "reading patron keys: " + error, backendName(backend_)};
  }
  return {};
}

Result<void> SociStore::forEachPatronKey(PatronField matchOn, const std::string& job,
                                         const std::function<void(const StoredPatronKey&)>& each) {
  return guard("reading patron keys", [&]() -> Result<void> {
    // SQLite: status and ownership are decided in the query, no string per row for either.
    std::string q = "SELECT id, " + columnName(matchOn) +
                    ", barcode, content_hash, CASE WHEN status = 'inactive' THEN 1 ELSE 0 "
                    "END, "
                    "CASE WHEN owner_job = :job THEN 1 ELSE 0 END, seen_in_last_full, "
                    "homeroom_pinned "
                    "FROM patrons";
    auto deliver = [&](StoredPatronKey& k, long long inactive, long long owned, long long seen,
                       long long pinned) {
      k.status = inactive != 0 ? PatronStatus::kInactive : PatronStatus::kActive;
      k.ownedByJob = owned != 0;
      k.seenInLastFull = seen != 0;
      k.homeroomPinned = pinned != 0;
      each(k);
    };
    if (dialect_.isSqlite()) {
      return sqliteKeyScan(*sql_, changesAtBegin_, q, job, deliver);
    }
    return nativeKeyScan(matchOn, job, deliver);
  });
}

}  // namespace patrond::sql
