// The metrics HTTP server (adapters/http) against hostile clients: what it answers, and that
// slow clients, huge headers, bodies, odd methods and many connections do it no harm.
#include "adapters/http/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace patrond {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class NullLog final : public Log {
 public:
  void write(LogLevel, std::string_view) override {}
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(http::Limits limits) {
    auto s = http::listen(
        io_, "127.0.0.1", 0,
        [this](const std::string& target) {
          ++served_;
          if (target == "/metrics") {
            return http::Response{200, "text/plain; version=0.0.4", "patrond_up 1\n"};
          }
          if (target == "/boom") {
            throw std::runtime_error("handler failed");
          }
          return http::Response{404, "text/plain", "not found\n"};
        },
        limits, log_);
    ASSERT_TRUE(s) << s.error().describe();
    server_ = std::move(*s);
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (server_) {
      asio::post(io_, [this] { server_->stop(); });
    }
    io_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  // One request and everything the server sent before it closed.
  std::string exchange(const std::string& request) {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
    boost::system::error_code ec;
    asio::write(s, asio::buffer(request), ec);
    std::string out;
    char buf[4096];
    for (;;) {
      std::size_t n = s.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) {
        break;
      }
    }
    return out;
  }
  std::string get(const std::string& target) {
    return exchange("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  }

  asio::io_context io_;
  NullLog log_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> served_{0};
};

TEST_F(HttpServerTest, ServesGetAndHeadAndSaysNotFoundAndMethodNotAllowed) {
  start({});
  std::string r = get("/metrics");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(r.find("Content-Length: 13\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_EQ(r.substr(r.size() - 13), "patrond_up 1\n");
  std::string head = exchange("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(head.find("patrond_up"), std::string::npos);  // no body for HEAD
  EXPECT_EQ(get("/nope").rfind("HTTP/1.1 404", 0), 0u);
  std::string post = exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD"), std::string::npos);
  EXPECT_EQ(get("/boom").rfind("HTTP/1.1 500", 0), 0u);
  EXPECT_EQ(get("/metrics").rfind("HTTP/1.1 200", 0), 0u);  // still serving
}

TEST_F(HttpServerTest, HugeHeadersBodiesAndGarbageAreRefusedAndItGoesOn) {
  start({});
  std::string huge =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(exchange(huge).rfind("HTTP/1.1 431", 0), 0u);
  std::string body =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(1000, 'b');
  EXPECT_EQ(exchange(body).rfind("HTTP/1.1 413", 0), 0u);
  EXPECT_EQ(exchange("\x16\x03\x01 not http at all\r\n\r\n"), "");  // a TLS hello, say
  EXPECT_EQ(get("/metrics").rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(HttpServerTest, ASlowClientIsCutOffAtTheDeadlineWhileOthersAreServed) {
  http::Limits limits;
  limits.deadline = 500ms;
  start(limits);
  asio::io_context io;
  tcp::socket slow(io);
  slow.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  asio::write(slow, asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHost")));  // and stops
  // Meanwhile others are served.
  EXPECT_EQ(get("/metrics").rfind("HTTP/1.1 200", 0), 0u);
  auto t0 = std::chrono::steady_clock::now();
  char buf[64];
  boost::system::error_code ec;
  std::size_t n = slow.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(ec);  // closed by the server
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosedAndItRecovers) {
  http::Limits limits;
  limits.maxConnections = 8;
  limits.deadline = 800ms;
  start(limits);
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < 40; ++i) {
    idle.push_back(std::make_unique<tcp::socket>(io));
    idle.back()->connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)});
  }
  std::this_thread::sleep_for(200ms);
  // The server holds at most 8; the others were closed at once.
  int closed = 0;
  for (auto& s : idle) {
    s->non_blocking(true);
    char c;
    boost::system::error_code ec;
    s->read_some(asio::buffer(&c, 1), ec);
    closed += ec && ec != asio::error::would_block ? 1 : 0;
  }
  EXPECT_GE(closed, 32);
  // Once the idle ones time out, it serves again.
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(get("/metrics").rfind("HTTP/1.1 200", 0), 0u);
  idle.clear();
  // Many quick requests in a row all succeed (no leak of connection slots).
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(get("/metrics").rfind("HTTP/1.1 200", 0), 0u) << i;
  }
}

TEST_F(HttpServerTest, APortInUseIsAClearError) {
  start({});
  asio::io_context other;
  auto second = http::listen(
      other, "127.0.0.1", port_, [](const std::string&) { return http::Response{}; }, {}, log_);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().describe().find("cannot listen on 127.0.0.1:" + std::to_string(port_)),
            std::string::npos)
      << second.error().describe();
  auto bad = http::listen(
      other, "not-an-ip", 9464, [](const std::string&) { return http::Response{}; }, {}, log_);
  ASSERT_FALSE(bad);
}

}  // namespace
}  // namespace patrond
