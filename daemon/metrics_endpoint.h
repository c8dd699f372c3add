#pragma once
// GET /metrics and GET /health on a thread of their own (SPEC section 11): the service's loop
// publishes a rendered snapshot after each refresh; requests read the latest one and never
// wait for the loop, the database or an import. start/stop/publish: loop thread.

#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/wiring.h"
#include "engine/ports/log.h"
#include "engine/result.h"

namespace patrond::daemon {

class MetricsEndpoint {
 public:
  ~MetricsEndpoint() { stop(); }
  Result<void> start(const std::string& host, int port, Log& log);
  void stop();
  bool running() const { return server_ != nullptr; }
  int port() const { return server_ ? server_->port() : 0; }
  void publish(std::string metrics, int healthCode, std::string health);

 private:
  struct Snapshot {
    std::string metrics = "";
    int healthCode = 503;
    std::string health = "{\"state\": \"UNKNOWN\", \"line\": \"PATROND UNKNOWN - starting\"}\n";
  };
  HttpAnswer answer(const std::string& target);

  std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_ = std::make_shared<Snapshot>();
  std::unique_ptr<boost::asio::io_context> io_;
  std::unique_ptr<HttpListener> server_;
  std::thread thread_;
};

}  // namespace patrond::daemon
