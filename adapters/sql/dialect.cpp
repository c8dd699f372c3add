#include "adapters/sql/dialect.h"

namespace patrond::sql {

const char* Dialect::countTablesNamed() const {
  switch (backend_) {
    case DbBackend::kSqlite3:
      return "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :t";
    case DbBackend::kPostgresql:
      return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
             "current_schema() AND table_name = :t";
    case DbBackend::kMysql:
      break;
  }
  return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
         "AND table_name = :t";
}

void Dialect::lock(soci::session& sql, const LockName& name) const {
  switch (backend_) {
    case DbBackend::kSqlite3:
      sql << "BEGIN IMMEDIATE";
      break;
    case DbBackend::kPostgresql:
      sql << "SELECT pg_advisory_lock(:k)", soci::use(name.pgKey);
      break;
    case DbBackend::kMysql: {
      int got = 0;
      std::string lockName = name.mysqlName;
      sql << "SELECT GET_LOCK(:n, 120)", soci::use(lockName), soci::into(got);
      break;
    }
  }
}

void Dialect::unlock(soci::session& sql, const LockName& name) const {
  switch (backend_) {
    case DbBackend::kSqlite3:
      break;
    case DbBackend::kPostgresql:
      sql << "SELECT pg_advisory_unlock(:k)", soci::use(name.pgKey);
      break;
    case DbBackend::kMysql: {
      int released = 0;
      std::string lockName = name.mysqlName;
      sql << "SELECT RELEASE_LOCK(:n)", soci::use(lockName), soci::into(released);
      break;
    }
  }
}

std::string Dialect::setTarget(const std::string& column) const {
  return backend_ == DbBackend::kMysql ? "p." + column : column;
}

std::string Dialect::asInteger(const std::string& value) const {
  return backend_ == DbBackend::kPostgresql ? "CAST(" + value + " AS INTEGER)" : value;
}

std::string Dialect::updateFromRows(const std::string& table, const std::vector<std::string>& names,
                                    std::size_t rows, const std::string& set) const {
  std::size_t n = 0;
  std::string values;
  if (backend_ == DbBackend::kPostgresql) {
    for (std::size_t r = 0; r < rows; ++r) {
      values += r ? ", (" : "(";
      for (std::size_t c = 0; c < names.size(); ++c) {
        values += (c ? ", :p" : ":p") + std::to_string(n++);
      }
      values += ")";
    }
    std::string columns;
    for (std::size_t c = 0; c < names.size(); ++c) {
      columns += (c ? ", " : "") + names[c];
    }
    return "UPDATE " + table + " AS p SET " + set + " FROM (VALUES " + values + ") AS v(" +
           columns + ") WHERE p.id = CAST(v.id AS BIGINT)";
  }
  for (std::size_t r = 0; r < rows; ++r) {
    values += r ? " UNION ALL SELECT " : "SELECT ";
    for (std::size_t c = 0; c < names.size(); ++c) {
      values += (c ? ", :p" : ":p") + std::to_string(n++) + (r == 0 ? " AS " + names[c] : "");
    }
  }
  return "UPDATE " + table + " p JOIN (" + values + ") v ON p.id = v.id SET " + set;
}

std::string Dialect::upsertById(const std::vector<std::string>& columns) const {
  std::string set;
  for (const std::string& c : columns) {
    set += (set.empty() ? "" : ", ") + c + " = " +
           (backend_ == DbBackend::kMysql ? "VALUES(" + c + ")" : "excluded." + c);
  }
  return backend_ == DbBackend::kMysql ? " ON DUPLICATE KEY UPDATE " + set
                                       : " ON CONFLICT (id) DO UPDATE SET " + set;
}

std::string Dialect::byteOrder(const std::string& expression) const {
  return backend_ == DbBackend::kPostgresql ? expression + " COLLATE \"C\"" : expression;
}

}  // namespace patrond::sql
