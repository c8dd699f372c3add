#pragma once
// The service's worker: runs imports off the event loop, one at a time (runs of different
// jobs are serialized: SQLite has one writer, and a school server has two cores), never two
// of the same job. Results are posted back to the loop. enqueue/stop: loop thread only.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "daemon/app.h"
#include "daemon/import_execution.h"
#include "engine/ports/time_zone.h"

namespace patrond::daemon {

struct JobTask {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const TimeZone> zone;
  std::string job;
  UpdateType type = UpdateType::kIncremental;
  std::string file;               // a fixed file (watched arrivals); empty: the job's source
  std::string trigger;            // schedule | missed | new_file
  std::string slotLease;          // claimed once across instances for a scheduled slot
  std::string fingerprint;        // recorded after the run (watched arrivals)
  bool probeRemote = false;       // SFTP poll: import only when the remote file changed
  bool checkFingerprint = false;  // a watched arrival: skip content imported before
  bool sweep = false;             // the daily circulation sweep instead of an import
  std::string notice;             // a scheduled notice run (by name) instead of an import
  bool deliverOutbox = false;     // send the outbox messages that are due
  // With deliverOutbox: the sources the service cannot reach (job -> why), for the alerts
  // checked before each delivery.
  std::map<std::string, std::string> sourceProblems;
  // On the loop thread, after every task, whatever happened (pollers re-arm from it).
  std::function<void(const ImportCallResult&)> done;
};

// A task for `job`, carrying the configuration and time zone as they are now (a reload
// later does not change a queued task).
JobTask newTask(const App& app, std::string job, std::string trigger);

class JobRunner {
 public:
  JobRunner(boost::asio::io_context& io, std::shared_ptr<Log> log);
  ~JobRunner();
  // Queues a run; false when one of the same job is already queued or running.
  bool enqueue(JobTask task);
  bool busy(const std::string& job) const;
  // Called on the loop after every task (the metrics). Set before the first enqueue.
  void onFinished(std::function<void(const JobTask&, const ImportCallResult&)> f) {
    finished_ = std::move(f);
  }
  // Asks a run in progress to roll back, drops queued runs, and waits for the worker.
  void stop();

 private:
  void work();
  void runOne(JobTask& task);
  ImportCallResult execute(JobTask& task);
  void deliver(PatronStore& store, const JobTask& task, const Clock& clock, UtcTime now);
  void runNotice(PatronStore& store, const JobTask& task, const Clock& clock, UtcTime now,
                 ImportCallResult& result);
  // A polled or watched file: fetched if changed, and true only if its content is new.
  bool arrivedNew(PatronStore& store, JobTask& task, const ImportJob& job,
                  ImportCallResult& result);
  void runImport(PatronStore& store, const JobTask& task, const ImportJob& job, UtcTime now,
                 ImportCallResult& result);
  void post(const JobTask& task, const ImportCallResult& result);

  boost::asio::io_context& io_;
  std::shared_ptr<Log> log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<JobTask> queue_;
  std::set<std::string> active_;  // queued or running jobs
  std::map<std::string, std::pair<std::uint64_t, std::int64_t>> remoteSeen_;  // worker only
  std::function<void(const JobTask&, const ImportCallResult&)> finished_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace patrond::daemon
