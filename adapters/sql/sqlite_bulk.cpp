#include "adapters/sql/sqlite_bulk.h"

#include <cctype>

namespace patrond::sql {

using namespace sqlite_api;

SqliteStatement::SqliteStatement(sqlite_api::sqlite3* db, const std::string& sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    error_ = sqlite3_errmsg(db);
    stmt_ = nullptr;
  }
}

SqliteStatement::~SqliteStatement() {
  sqlite3_finalize(stmt_);
}

void SqliteStatement::text(int i, std::string_view v, bool nullWhenEmpty) {
  if (nullWhenEmpty && v.empty()) {
    sqlite3_bind_null(stmt_, i);
  } else {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
}

void SqliteStatement::integer(int i, long long v) {
  sqlite3_bind_int64(stmt_, i, v);
}

bool SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  sqlite3_reset(stmt_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    error_ = sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
}

bool SqliteStatement::next() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc != SQLITE_DONE) {
    error_ = sqlite3_errmsg(db_);
  }
  sqlite3_reset(stmt_);
  return false;
}

std::string SqliteStatement::columnText(int i) const {
  const unsigned char* t = sqlite3_column_text(stmt_, i);
  return t ? std::string(reinterpret_cast<const char*>(t),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string();
}

std::string_view SqliteStatement::columnView(int i) const {
  const unsigned char* t = sqlite3_column_text(stmt_, i);
  return t ? std::string_view(reinterpret_cast<const char*>(t),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string_view();
}

long long SqliteStatement::columnInt(int i) const {
  return sqlite3_column_int64(stmt_, i);
}

bool SqliteStatement::columnNull(int i) const {
  return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
}

std::string nativeParams(const std::string& q, bool numbered) {
  std::string out;
  int n = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    if (q[i] == ':' && i + 1 < q.size() && std::isalpha(static_cast<unsigned char>(q[i + 1]))) {
      out += numbered ? '$' + std::to_string(++n) : std::string("?");
      while (i + 1 < q.size() &&
             (std::isalnum(static_cast<unsigned char>(q[i + 1])) != 0 || q[i + 1] == '_')) {
        ++i;
      }
    } else {
      out += q[i];
    }
  }
  return out;
}

}  // namespace patrond::sql
