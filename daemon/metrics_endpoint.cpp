#include "daemon/metrics_endpoint.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

namespace patrond::daemon {

Result<void> MetricsEndpoint::start(const std::string& host, int port, Log& log) {
  stop();
  io_ = std::make_unique<boost::asio::io_context>(1);
  auto server = listenHttp(
      *io_, host, port, [this](const std::string& target) { return answer(target); }, log);
  if (!server) {
    io_.reset();
    return server.error();
  }
  server_ = std::move(*server);
  thread_ = std::thread([io = io_.get()] {
    auto guard = boost::asio::make_work_guard(*io);
    io->run();
  });
  return {};
}

void MetricsEndpoint::stop() {
  if (!io_) {
    return;
  }
  boost::asio::post(*io_, [server = server_.get(), io = io_.get()] {
    server->stop();
    io->stop();
  });
  if (thread_.joinable()) {
    thread_.join();
  }
  server_.reset();
  io_.reset();
}

void MetricsEndpoint::publish(std::string metrics, int healthCode, std::string health) {
  auto next =
      std::make_shared<const Snapshot>(Snapshot{std::move(metrics), healthCode, std::move(health)});
  std::lock_guard lock(mutex_);
  snapshot_ = std::move(next);
}

HttpAnswer MetricsEndpoint::answer(const std::string& target) {
  std::shared_ptr<const Snapshot> s;
  {
    std::lock_guard lock(mutex_);
    s = snapshot_;
  }
  std::string path = target.substr(0, target.find('?'));
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", s->metrics};
  }
  if (path == "/health") {
    return {s->healthCode, "application/json", s->health};
  }
  return {404, "text/plain; charset=utf-8", "not found: GET /metrics or GET /health\n"};
}

}  // namespace patrond::daemon
