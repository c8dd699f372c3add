#include "daemon/source_monitor.h"

#include <cstdlib>

#include "daemon/wiring.h"
#include "engine/text.h"

namespace patrond::daemon {

SourceMonitor::SourceMonitor(boost::asio::io_context& io, TimeSystem& time, App& app,
                             JobRunner& runner, std::string job)
    : io_(io),
      app_(app),
      runner_(runner),
      job_(std::move(job)),
      tracker_(app.config().findJob(job_)->source.settle),
      settleTimer_(time.makeAlarm()),
      retryTimer_(time.makeAlarm()),
      pollTimer_(time.makeAlarm()) {}

void SourceMonitor::start() {
  const ImportJob* job = app_.config().findJob(job_);
  if (!job || stopped_) {
    return;
  }
  if (job->source.watch == WatchMode::kPoll) {
    observe();
    pollTimer_->armAfter(job->source.pollEvery, [this] { start(); });
    return;
  }
  if (!watch_) {
    watch_ = makeDirectoryWatch(io_);
  }
  auto r = watch_->watch(job->source.directory, [this] { observe(); });
  if (!r) {
    if (folderOk_) {
      app_.log().error("import " + job_ + ": " + r.error().describe() + "; retrying every 30s");
    }
    folderOk_ = false;
    problem_ = r.error().describe();
    retryLater(Seconds{30}, true);
    return;
  }
  if (!folderOk_) {
    app_.log().info("import " + job_ + ": the source folder is back: " + job->source.directory);
  }
  folderOk_ = true;
  problem_.clear();
  app_.log().info("import " + job_ + ": watching " + job->source.directory + " for " +
                  job->source.file);
  observe();  // a file that arrived while the service was down
}

void SourceMonitor::stop() {
  stopped_ = true;
  if (watch_) {
    watch_->cancel();
  }
  settleTimer_->cancel();
  retryTimer_->cancel();
  pollTimer_->cancel();
}

void SourceMonitor::retryLater(Seconds after, bool rewatch) {
  retryTimer_->armAfter(after, [this, rewatch] {
    if (!stopped_) {
      rewatch ? start() : observe();
    }
  });
}

void SourceMonitor::observe() {
  const ImportJob* job = app_.config().findJob(job_);
  if (!job || stopped_) {
    return;
  }
  FileObservation o;
  auto path = resolveSourceFile(job->source.directory, job->source.file);
  if (!path) {
    if (path.error().code == "SOURCE") {
      if (folderOk_) {
        app_.log().error("import " + job_ + ": " + path.error().describe() +
                         "; retrying every 30s");
      }
      folderOk_ = false;
      problem_ = path.error().describe();
      retryLater(Seconds{30}, true);
    } else {
      problem_.clear();  // the folder answers; the file is just not there yet
    }
  } else {
    problem_.clear();
    auto st = statFile(*path);
    o = {st.exists, *path, st.size, st.mtimeNs};
  }
  UtcTime now = app_.now();
  auto due = tracker_.observe(o, now);
  if (!due) {
    return;
  }
  if (*due > now) {
    settleTimer_->armAt(*due, [this] { observe(); });
    return;
  }
  maybeImport(o);
}

void SourceMonitor::maybeImport(const FileObservation& o) {
  if (o == lastQueued_) {
    return;  // this version of the file was already handed to the worker
  }
  const ImportJob* job = app_.config().findJob(job_);
  ImportWork work;
  work.type = job->onNewFile == OnNewFile::kFull ? UpdateType::kFull : UpdateType::kIncremental;
  work.file = o.path;
  // The worker fingerprints the file and skips content imported before: reading a large
  // file and asking the database stay off this loop.
  work.arrival = ImportWork::Arrival::kWatched;
  JobTask task = newTask(app_, job_, "new_file", std::move(work));
  if (!runner_.enqueue(std::move(task))) {
    // A run of this job is in progress: look again once it has had time to finish.
    retryLater(job->source.settle + Seconds{5}, false);
    return;
  }
  lastQueued_ = o;
}

RemoteMonitor::RemoteMonitor(TimeSystem& time, App& app, JobRunner& runner, std::string job)
    : app_(app), runner_(runner), job_(std::move(job)), timer_(time.makeAlarm()) {}

void RemoteMonitor::start() {
  const ImportJob* job = app_.config().findJob(job_);
  if (job) {
    app_.log().info("import " + job_ + ": polling " + job->source.sftp->url + " every " +
                    formatDuration(job->source.sftp->pollEvery));
  }
  schedule(Seconds{0});
}

void RemoteMonitor::stop() {
  *stopped_ = true;
  timer_->cancel();
}

void RemoteMonitor::schedule(Seconds after) {
  timer_->armAfter(after, [this] {
    if (!*stopped_) {
      poll();
    }
  });
}

void RemoteMonitor::poll() {
  const ImportJob* job = app_.config().findJob(job_);
  if (!job || !job->source.sftp) {
    return;
  }
  Seconds every = job->source.sftp->pollEvery;
  auto jitter = Seconds{std::rand() % std::max<long long>(1, every.count() / 10 + 1)};
  ImportWork work;
  work.type = job->onNewFile == OnNewFile::kFull ? UpdateType::kFull : UpdateType::kIncremental;
  work.arrival = ImportWork::Arrival::kPolled;
  JobTask task = newTask(app_, job_, "new_file", std::move(work));
  task.done = [this, stopped = stopped_, every, jitter](const ImportCallResult& r) {
    if (*stopped) {
      return;  // stopped, perhaps gone: `this` is not touched
    }
    if (!r.sourceError.empty()) {
      backoff_ = std::min(every, std::max(Seconds{30}, backoff_ * 2));
      app_.log().error("import " + job_ + ": polling the server failed: " + r.sourceError +
                       "; retrying in " + formatDuration(backoff_));
      failing_ = true;
      problem_ = r.sourceError;
      schedule(backoff_);
      return;
    }
    if (failing_) {
      app_.log().info("import " + job_ + ": the server answers again");
    }
    failing_ = false;
    problem_.clear();
    backoff_ = Seconds{0};
    schedule(every + jitter);
  };
  if (!runner_.enqueue(std::move(task))) {
    schedule(every + jitter);  // a run of this job is in progress
  }
}

}  // namespace patrond::daemon
