#include "adapters/sql/row_batch.h"

#include <utility>

namespace patrond::sql {

RowBatch::RowBatch(soci::session& sql) : st_(sql) {
  st_.alloc();
}

void RowBatch::use(const std::string& value, bool null) {
  indicators_.push_back(null ? soci::i_null : soci::i_ok);
  st_.exchange(soci::use(value, indicators_.back()));
}

void RowBatch::useCopy(std::string value, bool null) {
  texts_.push_back(std::move(value));
  use(texts_.back(), null);
}

void RowBatch::useCopy(long long value) {
  numbers_.push_back(value);
  st_.exchange(soci::use(numbers_.back()));
}

void RowBatch::execute(const std::string& query) {
  st_.prepare(query);
  st_.define_and_bind();
  st_.execute(true);
}

void execMultiRow(soci::session& sql, const std::string& head, const Rows& rows,
                  const std::string& tail) {
  if (rows.empty()) {
    return;
  }
  const size_t cols = rows.front().size();
  // SQLite looks a named parameter up by a linear search of the names before it: a
  // 30,000-parameter statement with ":pN" names costs ~half a billion comparisons to prepare.
  // Its "?" parameters are numbered as they come, and SOCI binds by position anyway.
  const bool positional = sql.get_backend_name() == "sqlite3";
  forEachSlice(rows.size(), rowsPerStatement(cols), [&](size_t start, size_t n) {
    RowBatch batch(sql);
    std::string q = head;
    size_t p = 0;
    for (size_t r = 0; r < n; ++r) {
      q += r == 0 ? "(" : ", (";
      for (size_t c = 0; c < cols; ++c) {
        const Value& v = rows[start + r][c];
        if (positional) {
          q += c == 0 ? "?" : ", ?";
        } else {
          q += (c == 0 ? ":p" : ", :p") + std::to_string(p++);
        }
        batch.useCopy(v.value_or(""), !v);
      }
      q += ")";
    }
    batch.execute(q + tail);
  });
}

}  // namespace patrond::sql
