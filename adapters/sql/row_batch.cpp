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

}  // namespace patrond::sql
