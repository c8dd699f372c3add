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
#include <variant>

#include "daemon/app.h"
#include "daemon/import_execution.h"
#include "engine/ports/time_zone.h"

namespace patrond::daemon {

// What a task does: one of four kinds of work (issue 16: a variant, not flags).
struct ImportWork {
  UpdateType type = UpdateType::kIncremental;
  std::string file;         // a fixed file (watched arrivals); empty: the job's source
  std::string fingerprint;  // recorded after the run (watched arrivals)
  enum class Arrival {
    kScheduled,  // run whatever the source holds
    kWatched,    // a watched arrival: skip content imported before
    kPolled      // SFTP poll: import only when the remote file changed, then as kWatched
  };
  Arrival arrival = Arrival::kScheduled;
};
struct NoticeWork {
  std::string notice;  // the scheduled notice run, by name
};
struct SweepWork {};  // the daily circulation sweep
struct OutboxWork {   // send the outbox messages that are due, after the alerts' checks
  // The sources the service cannot reach (job -> why), for the alerts.
  std::map<std::string, std::string> sourceProblems;
};
using TaskWork = std::variant<ImportWork, NoticeWork, SweepWork, OutboxWork>;

struct JobTask {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const TimeZone> zone;
  std::string job;        // the queue's key: one task per job at a time
  std::string trigger;    // schedule | missed | new_file | start | outbox
  std::string slotLease;  // claimed once across instances for a scheduled slot
  TaskWork work;
  // On the loop thread, after every task, whatever happened (pollers re-arm from it).
  std::function<void(const ImportCallResult&)> done;

  const ImportWork* import() const { return std::get_if<ImportWork>(&work); }
};

// A task for `job`, carrying the configuration and time zone as they are now (a reload
// later does not change a queued task).
JobTask newTask(const App& app, std::string job, std::string trigger, TaskWork work);

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
  void deliver(PatronStore& store, const JobTask& task, const OutboxWork& work, const Clock& clock,
               UtcTime now);
  void runNotice(PatronStore& store, const JobTask& task, const NoticeWork& work,
                 const Clock& clock, UtcTime now, ImportCallResult& result);
  // A polled or watched file: fetched if changed, and true only if its content is new.
  bool arrivedNew(SourceFileLedger& store, const JobTask& task, ImportWork& work,
                  const ImportJob& job, ImportCallResult& result);
  void runImport(PatronStore& store, const JobTask& task, const ImportWork& work,
                 const ImportJob& job, UtcTime now, ImportCallResult& result);
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
