#pragma once
// Port: the connection's one transaction (the same one CirculationStore::begin opens).
// ScopedTransaction (engine/scoped_transaction.h) is the usual way to use it. One thread at a
// time, like every store port.

#include "engine/result.h"

namespace patrond {

class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;

  // One transaction at a time; commit/rollback end it.
  virtual Result<void> begin() = 0;
  virtual Result<void> commit() = 0;
  virtual Result<void> rollback() = 0;
};

}  // namespace patrond
