#include "daemon/lease_keeper.h"

#include "daemon/wiring.h"
#include "engine/civil_time.h"

namespace patrond::daemon {

LeaseKeeper::LeaseKeeper(const DatabaseConfig& database, std::string name, std::string holder,
                         Log* log, std::chrono::seconds time, std::chrono::seconds every)
    : name_(std::move(name)), holder_(std::move(holder)), log_(log), time_(time), every_(every) {
  if (database.backend != DbBackend::kSqlite3) {
    thread_ = std::thread([this, database] { loop(database); });
  }
}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

int LeaseKeeper::renewals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return renewals_;
}

void LeaseKeeper::loop(const DatabaseConfig& database) {
  std::unique_ptr<PatronStore> store;
  bool warned = false;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stop_; })) {
    lock.unlock();
    if (!store) {
      auto opened = openPatronStore(database);
      if (opened) {
        store = std::move(*opened);
      }
    }
    auto now = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
    Result<bool> renewed =
        store ? store->renewLease(name_, holder_, utcIso(now + time_)) : Result<bool>(false);
    if (!renewed) {
      store.reset();  // a broken connection is opened again next time
    }
    lock.lock();
    if (renewed && *renewed) {
      ++renewals_;
      warned = false;
    } else if (!warned && log_) {
      warned = true;
      log_->warning("lease " + name_ + " could not be renewed" +
                    (renewed ? std::string(": another instance holds it now")
                             : ": " + renewed.error().describe()) +
                    "; it ends within " + std::to_string(time_.count()) + " s");
    }
  }
}

}  // namespace patrond::daemon
