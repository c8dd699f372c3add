#pragma once
// Follows one directory job's file for `on_new_file` (SPEC section 3, issue 4): inotify or a
// poll tells it to look; the settle tracker says when the file has stopped changing; the
// worker then checks its content fingerprint against what was imported before. Loop only.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "daemon/app.h"
#include "daemon/job_runner.h"
#include "engine/ports/directory_watch.h"
#include "engine/ports/timer.h"
#include "engine/source_watch.h"

namespace patrond::daemon {

class SourceMonitor {
 public:
  SourceMonitor(boost::asio::io_context& io, TimeSystem& time, App& app, JobRunner& runner,
                std::string job);
  void start();
  void stop();
  // Why the source cannot be reached now ("" when it can): for the alerts.
  const std::string& problem() const { return problem_; }
  const std::string& job() const { return job_; }

 private:
  void observe();
  void maybeImport(const FileObservation& o);
  void retryLater(Seconds after, bool rewatch);

  boost::asio::io_context& io_;
  App& app_;
  JobRunner& runner_;
  std::string job_;
  SettleTracker tracker_;
  std::unique_ptr<DirectoryWatch> watch_;
  std::unique_ptr<Alarm> settleTimer_, retryTimer_, pollTimer_;
  FileObservation lastQueued_;  // the file version last handed to the worker
  bool folderOk_ = true;
  std::string problem_;
  bool stopped_ = false;
};

// Polls one SFTP job's file every poll_every (with up to 10% jitter so several instances and
// jobs do not hit the server together); network faults back off exponentially from 30 s up
// to poll_every. The remote work runs on the job runner, never on the loop. Loop thread only.
class RemoteMonitor {
 public:
  RemoteMonitor(TimeSystem& time, App& app, JobRunner& runner, std::string job);
  ~RemoteMonitor() { stop(); }
  RemoteMonitor(const RemoteMonitor&) = delete;
  RemoteMonitor& operator=(const RemoteMonitor&) = delete;
  void start();
  void stop();
  // Why the source cannot be reached now ("" when it can): for the alerts.
  const std::string& problem() const { return problem_; }
  const std::string& job() const { return job_; }

 private:
  void poll();
  void schedule(Seconds after);

  App& app_;
  JobRunner& runner_;
  std::string job_;
  std::unique_ptr<Alarm> timer_;
  Seconds backoff_{0};
  bool failing_ = false;
  std::string problem_;
  // Shared with a poll's `done`, which may come back after a reload has replaced this monitor.
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

}  // namespace patrond::daemon
