#pragma once
// The backends the contract suites run on: SQLite, PostgreSQL and MariaDB on Linux; under Wine
// (tests/windows/) SQLite and the loopback PostgreSQL the Linux side started. And everywhere
// the in-memory store (adapters/memory), which must keep the same contract.

#include <string>
#include <vector>

namespace patrond::test {

// The SQL databases: for tests that are SQL by nature (they reach the database with SQL, or
// test a SQL adapter's own path).
inline std::vector<std::string> sqlBackends() {
#ifdef _WIN32
  return {"sqlite3", "postgresql"};
#else
  return {"sqlite3", "postgresql", "mysql"};
#endif
}

// Every store: the SQL databases and "memory".
inline std::vector<std::string> contractBackends() {
  std::vector<std::string> all = sqlBackends();
  all.push_back("memory");
  return all;
}

}  // namespace patrond::test
