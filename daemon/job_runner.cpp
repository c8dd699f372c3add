#include "daemon/job_runner.h"

#include <boost/asio/post.hpp>
#include <filesystem>
#include <optional>

#include "daemon/alert_commands.h"
#include "daemon/app.h"
#include "daemon/circulation_commands.h"
#include "daemon/lease_keeper.h"
#include "daemon/notice_commands.h"
#include "daemon/wiring.h"

namespace patrond::daemon {

JobRunner::JobRunner(boost::asio::io_context& io, std::shared_ptr<Log> log)
    : io_(io), log_(std::move(log)), thread_([this] { work(); }) {}

JobRunner::~JobRunner() {
  stop();
}

JobTask newTask(const App& app, std::string job, std::string trigger, TaskWork work) {
  JobTask task;
  task.config = std::make_shared<const Config>(app.config());
  task.zone = app.sharedZone();
  task.job = std::move(job);
  task.trigger = std::move(trigger);
  task.work = std::move(work);
  return task;
}

bool JobRunner::enqueue(JobTask task) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stop_ || !active_.insert(task.job).second) {
    return false;
  }
  queue_.push_back(std::move(task));
  wake_.notify_one();
  return true;
}

bool JobRunner::busy(const std::string& job) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return active_.count(job) > 0;
}

void JobRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    queue_.clear();
    wake_.notify_all();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void JobRunner::work() {
  for (;;) {
    JobTask task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) {
        return;
      }
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    runOne(task);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      active_.erase(task.job);
    }
  }
}

void JobRunner::runOne(JobTask& task) {
  ImportCallResult result;
  // The records of this task carry its job (and its run id, once known) to the journal.
  auto* notice = std::get_if<NoticeWork>(&task.work);
  LogScope scope(notice ? notice->notice : task.import() ? task.job : std::string());
  try {
    result = execute(task);
  } catch (const std::exception& e) {
    // Nothing a task meets may end the service (an exception here would terminate the
    // process): the task is reported failed and the next one runs.
    result = ImportCallResult{};
    result.ran = false;
    result.error = std::string("internal error: ") + e.what();
    log_->error((task.job.empty() ? std::string("task") : "import " + task.job) + ": " +
                result.error);
  }
  post(task, result);
}

namespace {

// A scheduled slot is run by exactly one instance. The claim is short and renewed while the
// slot runs, so one whose holder died is taken over (at once on this host); when the slot is
// done it becomes a mark that no process holds, kept two days so the slot never runs again.
struct SlotClaim {
  std::optional<ScopedLease> lease;
  std::optional<LeaseKeeper> keeper;
  Log* log = nullptr;
  SlotClaim() = default;
  SlotClaim(const SlotClaim&) = delete;
  SlotClaim& operator=(const SlotClaim&) = delete;
  ~SlotClaim() {
    keeper.reset();
    if (lease) {
      auto until =
          std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now()) + kSlotRanMark;
      if (auto r = lease->keepAs("ran by " + lease->holder(), utcIso(until)); !r) {
        // The mark that keeps the slot from running again could not be written: another
        // instance may run it once more once the claim expires.
        log->warning("slot " + lease->name() + ": could not mark it as run (" +
                     r.error().describe() + ")");
      }
    }
  }
};

// std::visit over overloaded lambdas.
template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

std::string taskName(const JobTask& task) {
  return std::visit(Overloaded{[](const SweepWork&) { return std::string("circulation sweep"); },
                               [](const OutboxWork&) { return std::string("outbox delivery"); },
                               [](const NoticeWork& n) { return "notice " + n.notice; },
                               [&](const ImportWork&) { return "import " + task.job; }},
                    task.work);
}

}  // namespace

ImportCallResult JobRunner::execute(JobTask& task) {
  ImportCallResult result;
  result.ran = false;
  const ImportJob* job = task.config->findJob(task.job);
  if (!job && task.import()) {
    return result;  // removed by a reload
  }
  const std::string what = taskName(task);
  // Each run has its own connection: the loop thread keeps its own, and a database that
  // is down now may be back for the next run.
  auto store = openPatronStore(task.config->database);
  if (store) {
    if (auto m = (*store)->migrate(); !m) {
      store = m.error();
    }
  }
  if (!store) {
    log_->error(what + " (" + task.trigger + "): " + store.error().describe() +
                "; the next run will try again");
    result.sourceError = store.error().code + ": " + store.error().describe();
    return result;
  }
  SystemClock clock;
  UtcTime now = clock.now();
  SlotClaim claim;
  claim.log = log_.get();
  if (!task.slotLease.empty()) {
    auto claimed = ScopedLease::acquire(**store, task.slotLease, leaseHolder(), utcIso(now),
                                        utcIso(now + kLeaseTime), holderState, log_.get());
    if (!claimed || !*claimed) {
      log_->info(what + ": the " + task.trigger + " run " + task.slotLease +
                 " is taken: it ran already or another instance runs it");
      return result;
    }
    claim.lease.emplace(std::move(**claimed));
    claim.keeper.emplace(task.config->database, claim.lease->name(), claim.lease->holder(),
                         log_.get());
  }
  PatronStore& s = **store;
  std::visit(Overloaded{[&](OutboxWork& w) { deliver(s, task, w, clock, now); },
                        [&](NoticeWork& w) { runNotice(s, task, w, clock, now, result); },
                        [&](SweepWork&) {
                          auto swept = executeSweep(s, s.circulation(), *task.config,
                                                    task.zone->toLocal(now), now, *log_);
                          if (!swept) {
                            result.error = swept.error().describe();
                          } else {
                            result.sweep = std::move(*swept);
                          }
                        },
                        [&](ImportWork& w) {
                          if (arrivedNew(s, task, w, *job, result)) {
                            runImport(s, task, w, *job, now, result);
                          }
                        }},
             task.work);
  return result;
}

void JobRunner::deliver(PatronStore& store, const JobTask& task, const OutboxWork& work,
                        const Clock& clock, UtcTime now) {
  if (task.config->monitoring.alerts) {
    if (auto a = checkAlerts(store, *task.config, now, *task.zone, work.sourceProblems, *log_);
        !a) {
      log_->error("alerts: " + a.error().describe());
    }
  }
  if (auto d = deliverOutboxDue(store.outbox(), *task.config, clock, *task.zone, *log_); !d) {
    log_->error("outbox delivery: " + d.error().describe());
  }
}

void JobRunner::runNotice(PatronStore& store, const JobTask& task, const NoticeWork& work,
                          const Clock& clock, UtcTime now, ImportCallResult& result) {
  for (const auto& n : task.config->notices) {
    if (n.name == work.notice) {
      auto out = executeNotice(store, *task.config, n, task.zone->toLocal(now), clock, *task.zone,
                               false, false, *log_);
      if (!out) {
        log_->error("notice " + n.name + " (" + task.trigger + "): " + out.error().describe());
        result.error = out.error().describe();
      }
    }
  }
}

bool JobRunner::arrivedNew(SourceFileLedger& store, const JobTask& task, ImportWork& work,
                           const ImportJob& job, ImportCallResult& result) {
  using Arrival = ImportWork::Arrival;
  if (work.arrival == Arrival::kPolled) {
    // Poll: compare the remote file's size and time with the last poll's and download only
    // a changed one.
    auto& seen = remoteSeen_[task.job];
    auto fetched = fetchRemote(*task.config, job, *log_, seen);
    if (!fetched) {
      result.sourceError = fetched.error().code + ": " + fetched.error().describe();
      return false;
    }
    if (fetched->unchanged) {
      return false;
    }
    // The newest file, even when it was skipped for an older one: it is not tried again
    // until it changes.
    seen = {fetched->newest.size, fetched->newest.mtime};
    work.file = fetched->local;
  }
  if (work.arrival != Arrival::kScheduled) {
    // A new arrival is imported only if this content was not imported before. Reading the
    // file happens here, never on the service's loop.
    auto fp = fingerprintFile(work.file);
    auto already = fp ? store.sourceFileSeen(task.job, *fp) : Result<bool>(fp.error());
    if (!already) {
      log_->warning("import " + task.job + ": " + already.error().describe());
      return false;
    }
    if (*already) {
      return false;
    }
    log_->info("import " + task.job + ": new file " + work.file + " (" + *fp + ")");
    work.fingerprint = *fp;
  }
  return true;
}

void JobRunner::runImport(PatronStore& store, const JobTask& task, const ImportWork& work,
                          const ImportJob& job, UtcTime now, ImportCallResult& result) {
  ImportCall call;
  call.config = task.config.get();
  call.job = &job;
  call.type = work.type;
  call.file = work.file;
  call.trigger = task.trigger;
  call.utcNow = now;
  call.localNow = task.zone->toLocal(now);
  call.stop = &stop_;
  auto started = std::chrono::steady_clock::now();
  result = executeImport(store, call, *log_);
  if (result.busy) {
    log_->warning(result.error);
  } else if (!work.fingerprint.empty() && result.outcome.run.status != RunStatus::kInterrupted) {
    if (auto r = store.recordSourceFile(task.job, work.fingerprint, result.outcome.run.id,
                                        formatIso(call.localNow));
        !r) {
      // Not fatal, but the same file would be imported again at the next start or poll.
      log_->warning("import " + task.job + ": could not record the file as imported (" +
                    r.error().describe() + "); it may be imported again");
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started);
  log_->info("import " + task.job + " (" + task.trigger + ") took " + std::to_string(ms.count()) +
             " ms");
}

void JobRunner::post(const JobTask& task, const ImportCallResult& result) {
  if (task.done) {
    boost::asio::post(io_, [done = task.done, result] { done(result); });
  }
  if (finished_) {
    JobTask copy = task;
    copy.done = nullptr;
    boost::asio::post(
        io_, [finished = finished_, copy = std::move(copy), result] { finished(copy, result); });
  }
}

}  // namespace patrond::daemon
