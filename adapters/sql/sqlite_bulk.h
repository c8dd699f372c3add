#pragma once
// SQLite fast path for bulk patron writes: native prepared statements bound without copies.
// SQLite runs in-process, so one statement per row costs no round trip; SOCI's per-row
// binding overhead is what this avoids (docs/performance.md).

// SOCI declares the SQLite API inside namespace sqlite_api; use the same declarations.
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace patrond::sql {

// A query written for SOCI (":name" placeholders) for a native API: "?" each (SQLite, MySQL's
// prepared statements), or numbered "$1", "$2", ... in order (libpq).
std::string nativeParams(const std::string& query, bool numbered = false);

class SqliteStatement {
 public:
  SqliteStatement(sqlite_api::sqlite3* db, const std::string& sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  const std::string& error() const { return error_; }
  // Binds by reference: the text must live until step().
  void text(int i, std::string_view v, bool nullWhenEmpty = false);
  void integer(int i, long long v);
  // Runs and resets; false with error() set on failure.
  bool step();
  // Queries: next() steps to the next row (false at the end or on failure: check error()).
  bool next();
  // Ends a query early (or after next() returned false) so the statement can run again.
  void reset();
  std::string columnText(int i) const;
  // The column's text, valid until the next step.
  std::string_view columnView(int i) const;
  long long columnInt(int i) const;
  bool columnNull(int i) const;

 private:
  sqlite_api::sqlite3* db_;
  sqlite_api::sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

}  // namespace patrond::sql
