#pragma once
// Steps the circulation operations share (engine-internal): one transaction around a body,
// and the patron or copy a command names, with "no such" as a usage error (exit 2).

#include <string>
#include <utility>

#include "engine/ports/circulation_store.h"
#include "engine/result.h"
#include "engine/scoped_transaction.h"

namespace patrond::circulation_steps {

// Runs `body` inside one transaction: commits on success, rolls back otherwise.
template <typename T, typename F>
Result<T> inTransaction(UnitOfWork& store, F&& body) {
  auto tx = ScopedTransaction::begin(store);
  if (!tx) {
    return tx.error();
  }
  Result<T> out = body();
  if (!out) {
    return out;
  }
  PATROND_TRY(tx->commit());
  return out;
}

inline Result<Borrower> needBorrower(CirculationStore& store, const std::string& key) {
  auto b = store.findBorrower(key);
  if (!b) {
    return b.error();
  }
  if (!b->has_value()) {
    return Error{"USAGE", "no patron with district id or barcode '" + key + "'", ""};
  }
  return **b;
}

inline Result<Copy> needCopy(CirculationStore& store, const std::string& barcode) {
  auto c = store.findCopy(barcode);
  if (!c) {
    return c.error();
  }
  if (!c->has_value()) {
    return Error{"USAGE", "no copy with barcode '" + barcode + "'", ""};
  }
  return **c;
}

}  // namespace patrond::circulation_steps
