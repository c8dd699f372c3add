#pragma once
// A transaction that ends on every path: begun by begin(), committed only by commit(), and
// rolled back by the destructor otherwise (an early return, an error, an exception). The
// rollback's own failure is not logged: the caller's error path already reports what failed.
// Same thread rule as the UnitOfWork it wraps.

#include <utility>

#include "engine/ports/unit_of_work.h"
#include "engine/result.h"

namespace patrond {

class [[nodiscard]] ScopedTransaction {
 public:
  // Begins a transaction on `work`; the error of begin() when it fails (nothing to roll back).
  static Result<ScopedTransaction> begin(UnitOfWork& work) {
    if (auto r = work.begin(); !r) {
      return r.error();
    }
    return ScopedTransaction(work);
  }

  ScopedTransaction(ScopedTransaction&& other) noexcept
      : work_(std::exchange(other.work_, nullptr)) {}
  ScopedTransaction& operator=(ScopedTransaction&&) = delete;
  ScopedTransaction(const ScopedTransaction&) = delete;
  ScopedTransaction& operator=(const ScopedTransaction&) = delete;
  ~ScopedTransaction() { (void)rollback(); }

  // Commits. When the commit fails the transaction is still open, and the destructor (or
  // rollback()) rolls it back.
  Result<void> commit() {
    if (!work_) {
      return okResult();
    }
    PATROND_TRY(work_->commit());
    work_ = nullptr;
    return okResult();
  }
  // Rolls back now (a dry run's deliberate end); the destructor then does nothing.
  Result<void> rollback() {
    if (!work_) {
      return okResult();
    }
    return std::exchange(work_, nullptr)->rollback();
  }

 private:
  explicit ScopedTransaction(UnitOfWork& work) : work_(&work) {}

  UnitOfWork* work_;  // null once committed or rolled back
};

}  // namespace patrond
