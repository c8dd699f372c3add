#include "adapters/http/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace patrond::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct Shared {
  Handler handler;
  Limits limits;
  Log* log = nullptr;
  int open = 0;  // connections now
  bool stopped = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)),
        shared_(std::move(shared)),
        buffer_(shared_->limits.maxHeaderBytes + 1024) {
    ++shared_->open;
  }
  ~Session() { --shared_->open; }

  void start() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.maxHeaderBytes));
    parser_->body_limit(0);
    stream_.expires_after(shared_->limits.deadline);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

 private:
  void onRead(beast::error_code ec) {
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return answer(431, "request header fields too large\n");
    }
    if (ec == bhttp::error::body_limit) {
      return answer(413, "no request body expected\n");
    }
    if (ec) {
      // Timed out, closed, or not HTTP: nothing to say to such a client.
      return close();
    }
    const auto& req = parser_->get();
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      res_.set(bhttp::field::allow, "GET, HEAD");
      return answer(405, "only GET and HEAD\n", req.method() == bhttp::verb::head);
    }
    Response r;
    try {
      r = shared_->handler(std::string(req.target()));
    } catch (const std::exception& e) {
      shared_->log->error(std::string("metrics: ") + e.what());
      r = {500, "text/plain; charset=utf-8", "internal error\n"};
    }
    res_.set(bhttp::field::content_type, r.contentType);
    answer(r.status, std::move(r.body), req.method() == bhttp::verb::head);
  }

  void answer(int status, std::string body, bool head = false) {
    res_.result(static_cast<unsigned>(status));
    res_.version(11);
    res_.set(bhttp::field::server, "patrond");
    res_.set(bhttp::field::cache_control, "no-store");
    if (res_.find(bhttp::field::content_type) == res_.end()) {
      res_.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    }
    res_.keep_alive(false);
    const std::size_t length = body.size();
    res_.body() = head ? std::string() : std::move(body);
    res_.content_length(length);
    bhttp::async_write(stream_, res_, [self = shared_from_this()](beast::error_code, std::size_t) {
      self->close();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
};

class BeastServer final : public HttpServer {
 public:
  BeastServer(asio::io_context& io, std::shared_ptr<Shared> shared)
      : io_(io), acceptor_(io), shared_(std::move(shared)) {}

  Result<void> open(const std::string& host, int port) {
    beast::error_code ec;
    std::string h = host.empty() ? "0.0.0.0" : host == "localhost" ? "127.0.0.1" : host;
    auto address = asio::ip::make_address(h, ec);
    if (ec) {
      return Error{"CONFIG", "monitoring.metrics: '" + host + "' is not an IP address", ""};
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return Error{"IO",
                   "monitoring.metrics: cannot listen on " + h + ":" + std::to_string(port) + ": " +
                       ec.message() +
                       " (another program on that port? choose another in patrond.yaml)",
                   ""};
    }
    port_ = acceptor_.local_endpoint().port();
    accept();
    return {};
  }

  int port() const override { return port_; }

  void stop() override {
    shared_->stopped = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
  }

  ~BeastServer() override { stop(); }

 private:
  void accept() {
    acceptor_.async_accept(io_, [this, shared = shared_](beast::error_code ec, tcp::socket socket) {
      if (shared->stopped || ec == asio::error::operation_aborted) {
        return;
      }
      if (!ec) {
        if (shared->open >= shared->limits.maxConnections) {
          beast::error_code ignored;
          socket.close(ignored);  // full: the client may try again
        } else {
          std::make_shared<Session>(std::move(socket), shared)->start();
        }
      }
      accept();
    });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<Shared> shared_;
  int port_ = 0;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> listen(boost::asio::io_context& io, const std::string& host,
                                           int port, Handler handler, Limits limits, Log& log) {
  auto shared = std::make_shared<Shared>();
  shared->handler = std::move(handler);
  shared->limits = limits;
  shared->log = &log;
  auto server = std::make_unique<BeastServer>(io, shared);
  if (auto r = server->open(host, port); !r) {
    return r.error();
  }
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace patrond::http
