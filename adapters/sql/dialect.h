#pragma once
// What differs between the SQL of SQLite, PostgreSQL and MySQL/MariaDB, in one place: the
// catalog, locks held across processes, transactions around DDL, a new row's id, multi-row
// UPDATE and upsert syntax. The schema's DDL has placeholders of its own (schema.cpp).
// Adapter-internal; a value, any thread.

#include <soci/soci.h>

#include <string>
#include <vector>

#include "engine/config.h"

namespace patrond::sql {

// A lock held across processes: SQLite's write lock (BEGIN IMMEDIATE, which also makes the
// whole section one transaction), PostgreSQL's advisory lock, MySQL's named lock.
struct LockName {
  long long pgKey;
  const char* mysqlName;
};

class Dialect {
 public:
  explicit Dialect(DbBackend backend) : backend_(backend) {}

  DbBackend backend() const { return backend_; }
  bool isSqlite() const { return backend_ == DbBackend::kSqlite3; }

  // A query counting the tables named :t in the connection's database.
  const char* countTablesNamed() const;

  // Takes and releases `name`. On SQLite lock() begins a transaction (the write lock) and
  // unlock() does nothing: the section ends with its COMMIT or ROLLBACK.
  void lock(soci::session& sql, const LockName& name) const;
  void unlock(soci::session& sql, const LockName& name) const;
  // Whether the lock is itself a transaction (SQLite); elsewhere the writes under it need a
  // transaction of their own.
  bool lockIsTransaction() const { return isSqlite(); }

  // Whether an INSERT hands back its new id (RETURNING id); else it is read after.
  bool insertReturnsId() const { return backend_ == DbBackend::kPostgresql; }

  // `column` as the target of a SET in updateFromRows (MySQL's multi-table UPDATE wants it
  // qualified by the table's alias `p`).
  std::string setTarget(const std::string& column) const;
  // `value` read from updateFromRows' derived table as an integer (PostgreSQL's VALUES of
  // bound parameters are text).
  std::string asInteger(const std::string& value) const;
  // UPDATE `table` AS p from `rows` rows of bound values named `names` (placeholders :p0,
  // :p1, ... row by row; names[0] is "id", matched to p.id), then `set` (which names the
  // values v.NAME and its targets through setTarget).
  std::string updateFromRows(const std::string& table, const std::vector<std::string>& names,
                             std::size_t rows, const std::string& set) const;

  // A text expression for ORDER BY in byte order, as SQLite and MySQL's utf8mb4_bin columns
  // compare: PostgreSQL's default collation follows the locale.
  std::string byteOrder(const std::string& expression) const;

  // The tail of a multi-row INSERT that updates the `columns` of a row whose id exists.
  std::string upsertById(const std::vector<std::string>& columns) const;

 private:
  DbBackend backend_;
};

}  // namespace patrond::sql
