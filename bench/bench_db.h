#pragma once
// What the benchmarks share: timing, raw SQL to generate data fast, opening the store.

#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "adapters/sql/soci_store.h"

namespace patrond::bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Runs SQL on a raw SQLite handle; a failure ends the benchmark.
inline void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::cerr << "bench: " << (err ? err : "?") << "\n  in " << sql << "\n";
    std::exit(1);
  }
}

// "WITH RECURSIVE cnt(x) ...": the numbers 1..n, to generate rows in one statement.
inline std::string counter(long n) {
  return "WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < " +
         std::to_string(n) + ") ";
}

// The SQLite store at `path`, migrated; a failure ends the benchmark.
inline std::unique_ptr<PatronStore> openStore(const std::string& path) {
  DatabaseConfig dc;
  dc.connection = "db=" + path;
  auto s = sql::openStore(dc);
  if (!s || !(*s)->migrate()) {
    std::cerr << "bench: cannot open " << path << "\n";
    std::exit(1);
  }
  return std::move(*s);
}

}  // namespace patrond::bench
