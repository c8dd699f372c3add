#pragma once
// The database backends the contract suites run on: SQLite, PostgreSQL and MariaDB on Linux;
// under Wine (tests/windows/) SQLite and the loopback PostgreSQL the Linux side started.

#include <string>
#include <vector>

namespace patrond::test {

inline std::vector<std::string> contractBackends() {
#ifdef _WIN32
  return {"sqlite3", "postgresql"};
#else
  return {"sqlite3", "postgresql", "mysql"};
#endif
}

}  // namespace patrond::test
