#pragma once
// Helpers the SOCI adapter's stores share (patrons, circulation). Adapter-internal.

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "adapters/sql/dialect.h"
#include "engine/config.h"
#include "engine/ports/patron_store.h"
#include "engine/result.h"
#include "engine/text.h"

namespace patrond::sql {

inline const char* backendName(DbBackend b) {
  switch (b) {
    case DbBackend::kSqlite3:
      return "sqlite3";
    case DbBackend::kPostgresql:
      return "postgresql";
    case DbBackend::kMysql:
      return "mysql";
  }
  return "sqlite3";
}

// The value of a non-negative integer as a native API gives it in text ("" for NULL: 0).
inline std::int64_t digitsValue(std::string_view v) {
  std::int64_t n = 0;
  for (char c : v) {
    n = n * 10 + (c - '0');
  }
  return n;
}

inline std::string getStr(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) {
    return {};
  }
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_string:
      return r.get<std::string>(i);
    case soci::dt_integer:
      return std::to_string(r.get<int>(i));
    case soci::dt_long_long:
      return std::to_string(r.get<long long>(i));
    case soci::dt_unsigned_long_long:
      return std::to_string(r.get<unsigned long long>(i));
    case soci::dt_double:
      return std::to_string(r.get<double>(i));
    case soci::dt_date: {
      std::tm t = r.get<std::tm>(i);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
      return buf;
    }
    default:
      return {};
  }
}

inline long long getInt(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) {
    return 0;
  }
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return r.get<int>(i);
    case soci::dt_long_long:
      return r.get<long long>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(r.get<unsigned long long>(i));
    case soci::dt_double:
      return static_cast<long long>(r.get<double>(i));
    case soci::dt_string: {
      std::string s = r.get<std::string>(i);
      return s.empty() ? 0 : std::stoll(s);
    }
    default:
      return 0;
  }
}

// Runs f, turning a database exception into an Error that names what was being done. SOCI's
// own text goes on with the whole statement and every bound value (names, e-mail addresses,
// a thousand rows of them for a bulk insert): only the database's message is kept.
template <typename F>
auto guarded(DbBackend backend, const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const soci::soci_error& e) {
    return Error{"DB", std::string(what) + ": " + redactSecrets(e.get_error_message()),
                 backendName(backend)};
  } catch (const std::exception& e) {
    return Error{"DB", std::string(what) + ": " + redactSecrets(e.what()), backendName(backend)};
  }
}

// The native SQLite handle under a SOCI sqlite3 session (for the bulk fast paths).
inline sqlite_api::sqlite3* sqliteHandle(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}

// Runs an INSERT built by `bind` (which exchanges its use() values) and returns the new id:
// RETURNING on PostgreSQL, the last insert id elsewhere.
template <typename Bind>
std::int64_t insertReturningId(soci::session& sql, DbBackend backend, const char* table,
                               std::string q, Bind bind) {
  long long id = 0;
  soci::statement st(sql);
  st.alloc();
  bind(st);
  const bool returnsId = Dialect(backend).insertReturnsId();
  if (returnsId) {
    q += " RETURNING id";
    st.exchange(soci::into(id));
  }
  st.prepare(q);
  st.define_and_bind();
  st.execute(true);
  if (!returnsId) {
    sql.get_last_insert_id(table, id);
  }
  return static_cast<std::int64_t>(id);
}

// Base of the stores that live beside SociStore (circulation, outbox): its connection, its
// dialect and its transaction (PatronStore::begin/commit), with the error guard.
class SociPart {
 protected:
  SociPart(DbBackend backend, soci::session& sql, PatronStore& tx)
      : backend_(backend), sql_(sql), tx_(tx) {}

  template <typename F>
  auto guard(const char* what, F&& f) -> decltype(f()) {
    return guarded(backend_, what, std::forward<F>(f));
  }

  // f in one transaction on the connection: committed when it succeeds, else rolled back.
  template <typename T, typename F>
  Result<T> inTransaction(const char* what, F&& f) {
    if (auto b = tx_.begin(); !b) {
      return b.error();
    }
    Result<T> r = guard(what, std::forward<F>(f));
    if (!r) {
      (void)tx_.rollback();
      return r;
    }
    if (auto c = tx_.commit(); !c) {
      return c.error();
    }
    return r;
  }

  DbBackend backend_;
  soci::session& sql_;
  PatronStore& tx_;
};

}  // namespace patrond::sql
