#pragma once
// Adapter: a small HTTP/1.1 server (Boost.Beast) on the service's own io_context, for
// GET /metrics and GET /health (SPEC section 11). It takes hostile clients without harm:
// every connection has one deadline for reading the request and writing the answer (a slow
// client is cut off), headers are capped (431), a body is refused (413), only GET and HEAD are
// served (405), one request per connection, and at most `maxConnections` at once (more are
// closed at once). Loop thread only.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "engine/ports/log.h"
#include "engine/result.h"

namespace patrond::http {

struct Response {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the loop thread for each GET or HEAD, with the request target ("/metrics?x=1").
using Handler = std::function<Response(const std::string& target)>;

struct Limits {
  int maxConnections = 32;
  std::chrono::milliseconds deadline{5000};  // to read the request and write the answer
  std::size_t maxHeaderBytes = 8192;
};

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The port it listens on (the one asked for, or the one the system chose for port 0).
  virtual int port() const = 0;
  // Stops accepting and closes open connections.
  virtual void stop() = 0;
};

// Binds and listens on host:port ("" or "0.0.0.0": every IPv4 address; "::": every address).
Result<std::unique_ptr<HttpServer>> listen(boost::asio::io_context& io, const std::string& host,
                                           int port, Handler handler, Limits limits, Log& log);

}  // namespace patrond::http
