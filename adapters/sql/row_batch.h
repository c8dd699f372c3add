#pragma once
// Statements of many rows (multi-row INSERT and UPDATE on PostgreSQL and MySQL, IN lists of
// ids on every backend): how many rows go in one statement, and the values bound to it.
// Adapter-internal.
//
// SOCI's use() keeps a reference to what it binds until the statement has run. A RowBatch
// keeps the indicators and the values it binds in deques, which never move an element when
// another is added: a row may bind any number of values, and none of the earlier bindings
// can dangle (a vector reserved to the expected count would, one push_back later).

#include <soci/soci.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace patrond::sql {

// The batch size policy, in one place. Rows of values: as many as keep a statement under
// 30,000 parameters (PostgreSQL allows 65,535, SQLite 32,766), never fewer than one. Ids of
// an IN list: 500 a statement, so no database's planner sees a list long enough to give up
// on the primary key.
constexpr std::size_t kParametersPerStatement = 30000;
constexpr std::size_t kIdsPerStatement = 500;

constexpr std::size_t rowsPerStatement(std::size_t perRow) {
  return std::max<std::size_t>(1, kParametersPerStatement / std::max<std::size_t>(1, perRow));
}

// Calls run(start, count) for consecutive slices of `total` items, `size` at most each.
template <typename Run>
void forEachSlice(std::size_t total, std::size_t size, Run run) {
  for (std::size_t start = 0; start < total; start += size) {
    run(start, std::min(size, total - start));
  }
}

// One statement and the values bound to it, in the order of its placeholders.
class RowBatch {
 public:
  explicit RowBatch(soci::session& sql);
  RowBatch(const RowBatch&) = delete;
  RowBatch& operator=(const RowBatch&) = delete;

  // Binds `value` itself (it must outlive execute()); NULL when `null`.
  void use(const std::string& value, bool null = false);
  // Binds a copy kept here: a value made for this statement.
  void useCopy(std::string value, bool null = false);
  void useCopy(long long value);

  // Prepares `query` over the values bound so far and runs it once.
  void execute(const std::string& query);

 private:
  std::deque<soci::indicator> indicators_;
  std::deque<std::string> texts_;
  std::deque<long long> numbers_;
  soci::statement st_;  // after what it binds: destroyed first
};

// Rows of values for execMultiRow; nullopt is NULL.
using Value = std::optional<std::string>;
using Rows = std::vector<std::vector<Value>>;

// `head` ("INSERT INTO t (a, b) VALUES ") followed by one bound tuple per row, in batches
// of rowsPerStatement, then `tail`. Never one round trip per row.
void execMultiRow(soci::session& sql, const std::string& head, const Rows& rows,
                  const std::string& tail = "");

}  // namespace patrond::sql
