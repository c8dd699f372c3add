// Issue 13: STARTTLS and AUTH were found by a substring search of the whole EHLO reply, so a
// greeting or an unrelated extension naming them counted as support. The reply is parsed line
// by line now; a scripted peer on loopback plays the odd servers.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "adapters/secrets/file_secrets.h"
#include "adapters/smtp/smtp_mailer.h"
#include "tests/support/temp_dir.h"

namespace patrond::smtp {
namespace {

TEST(BadInputEhlo, ExtensionsAreTheFirstWordOfEachLineAfterTheGreeting) {
  struct Case {
    std::string reply;
    bool starttls, auth;
    std::vector<std::string> mechanisms;
  };
  const std::vector<Case> cases = {
      {"250-mx.example.org\n250-STARTTLS\n250 AUTH PLAIN LOGIN", true, true, {"PLAIN", "LOGIN"}},
      {"250-mx.example.org\r\n250-starttls\r\n250 auth login\r\n", true, true, {"LOGIN"}},
      // Hostile or odd: the words appear, but not as an extension keyword.
      {"250-mx.example.org STARTTLS AUTH PLAIN ready\n250 SIZE 1000", false, false, {}},
      {"250 mx.example.org STARTTLS AUTH", false, false, {}},
      {"250-mx.example.org\n250-X-NO-STARTTLS\n250 X-AUTHORIZED-ONLY PLAIN", false, false, {}},
      {"250-mx.example.org\n250-SIZE STARTTLS\n250 8BITMIME AUTH", false, false, {}},
      {"250-mx.example.org\n250-XSTARTTLS\n250 AUTHX PLAIN", false, false, {}},
      {"250-mx.example.org\n550-STARTTLS\n250 HELP", false, false, {}},
      {"250-mx.example.org\n250-\n250 ", false, false, {}},
      {"", false, false, {}},
      // Old servers: AUTH=LOGIN.
      {"250-mx.example.org\n250 AUTH=LOGIN PLAIN", false, true, {"LOGIN", "PLAIN"}},
      {"250-mx.example.org\n250-AUTH CRAM-MD5\n250 X-PLAIN", false, true, {"CRAM-MD5"}},
  };
  for (const auto& c : cases) {
    EhloExtensions e = parseEhlo(c.reply);
    EXPECT_EQ(e.starttls, c.starttls) << c.reply;
    EXPECT_EQ(e.auth, c.auth) << c.reply;
    EXPECT_EQ(e.authMechanisms, c.mechanisms) << c.reply;
  }
}

// A one-connection SMTP peer: answers EHLO with `ehlo` (lines without CRLF), then each
// command as `answer` says, and records every line the client sent.
class ScriptedSmtpPeer {
 public:
  ScriptedSmtpPeer(std::vector<std::string> ehlo,
                   std::function<std::string(const std::string&)> answer)
      : ehlo_(std::move(ehlo)), answer_(std::move(answer)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    int one = 1;
    ::setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedSmtpPeer() {
    ::shutdown(listen_, SHUT_RDWR);
    ::close(listen_);
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    int s = ::accept(listen_, nullptr, nullptr);
    if (s < 0) {
      return;
    }
    timeval tv{10, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    send(s, "220 peer.example.org ESMTP STARTTLS AUTH PLAIN ready");
    std::string buffer;
    bool inData = false;
    char chunk[4096];
    for (;;) {
      auto nl = buffer.find("\r\n");
      if (nl == std::string::npos) {
        ssize_t n = ::recv(s, chunk, sizeof chunk, 0);
        if (n <= 0) {
          break;
        }
        buffer.append(chunk, static_cast<size_t>(n));
        continue;
      }
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 2);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        received_.push_back(line);
      }
      if (inData) {
        if (line == ".") {
          inData = false;
          send(s, "250 queued");
        }
        continue;
      }
      if (line == "DATA") {
        inData = true;
        send(s, "354 go ahead");
        continue;
      }
      if (line.rfind("EHLO", 0) == 0) {
        for (size_t i = 0; i < ehlo_.size(); ++i) {
          send(s, ehlo_[i].substr(0, 3) + (i + 1 < ehlo_.size() ? "-" : " ") + ehlo_[i].substr(4));
        }
        continue;
      }
      std::string reply = answer_(line);
      send(s, reply);
      if (line == "QUIT") {
        break;
      }
    }
    ::close(s);
  }
  static void send(int s, const std::string& line) {
    std::string l = line + "\r\n";
    (void)::send(s, l.data(), l.size(), MSG_NOSIGNAL);
  }

  std::vector<std::string> ehlo_;
  std::function<std::string(const std::string&)> answer_;
  int listen_ = -1, port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> received_;
};

std::string ordinaryAnswer(const std::string& line) {
  if (line == "QUIT") {
    return "221 bye";
  }
  if (line.rfind("AUTH", 0) == 0 || line == "STARTTLS") {
    return "502 not offered";
  }
  return "250 ok";
}

class BadInputSmtp : public ::testing::Test {
 protected:
  SmtpConfig config(int port, SmtpSecurity security) {
    test::writeFile(dir_ / "smtp.secret", "s3cret-Pass\n");
    SmtpConfig c;
    c.host = "127.0.0.1";
    c.port = port;
    c.security = security;
    c.username = "library";
    c.password.file = dir_ / "smtp.secret";
    c.from = "Library <library@example.org>";
    return c;
  }
  static OutboxMessage message() {
    OutboxMessage m;
    m.to = {"teacher@example.org"};
    m.subject = "Overdue";
    m.bodyText = "text";
    return m;
  }
  static bool sent(const std::vector<std::string>& lines, const std::string& prefix) {
    for (const auto& l : lines) {
      if (l.rfind(prefix, 0) == 0) {
        return true;
      }
    }
    return false;
  }
  test::TempDir dir_;
};

TEST_F(BadInputSmtp, NoStarttlsExtensionRefusesWithoutTryingItOrSendingCredentials) {
  // STARTTLS appears in the greeting, the EHLO domain line and inside another keyword.
  ScriptedSmtpPeer peer(
      {"250 peer.example.org STARTTLS", "250 X-NO-STARTTLS", "250 AUTH PLAIN LOGIN"},
      [](const std::string& line) {
        // A hostile peer that pretends to agree, then talks in clear.
        return line == "STARTTLS" ? std::string("220 go ahead") : ordinaryAnswer(line);
      });
  auto mailer =
      makeSmtpMailer(config(peer.port(), SmtpSecurity::kStarttls), secrets::FileSecrets{});
  ASSERT_TRUE(mailer) << mailer.error().describe();
  MailResult r = (*mailer)->send(message());
  EXPECT_EQ(r.outcome, MailOutcome::kConnection);
  EXPECT_EQ(r.detail, "127.0.0.1:" + std::to_string(peer.port()) +
                          ": the server does not offer STARTTLS; refusing to send in clear text "
                          "(smtp.security: starttls)");
  (*mailer)->close();
  auto lines = peer.received();
  EXPECT_FALSE(sent(lines, "STARTTLS"));
  EXPECT_FALSE(sent(lines, "AUTH"));
  EXPECT_FALSE(sent(lines, "MAIL"));
  for (const auto& l : lines) {
    EXPECT_EQ(l.find("czNjcmV0"), std::string::npos) << l;  // base64 of the password's start
  }
}

TEST_F(BadInputSmtp, AuthOnlyInTheGreetingIsNoAuth) {
  ScriptedSmtpPeer peer({"250 peer.example.org authorized users, AUTH PLAIN", "250 SIZE 100000",
                         "250 X-AUTH-LOG PLAIN"},
                        ordinaryAnswer);
  auto mailer = makeSmtpMailer(config(peer.port(), SmtpSecurity::kNone), secrets::FileSecrets{});
  ASSERT_TRUE(mailer) << mailer.error().describe();
  MailResult r = (*mailer)->send(message());
  EXPECT_EQ(r.outcome, MailOutcome::kConnection);
  EXPECT_EQ(r.detail, "127.0.0.1:" + std::to_string(peer.port()) +
                          ": the server offers no AUTH, but smtp.username is set");
  (*mailer)->close();
  EXPECT_FALSE(sent(peer.received(), "AUTH"));
}

TEST_F(BadInputSmtp, AuthMechanismIsTakenFromTheAuthLineOnly) {
  // PLAIN appears, but not as a mechanism: the peer takes AUTH LOGIN only.
  ScriptedSmtpPeer peer({"250 peer.example.org PLAIN", "250 X-PLAIN", "250 AUTH LOGIN"},
                        [](const std::string& line) -> std::string {
                          if (line == "AUTH LOGIN") {
                            return "334 VXNlcm5hbWU6";
                          }
                          if (line == "bGlicmFyeQ==") {  // "library"
                            return "334 UGFzc3dvcmQ6";
                          }
                          if (line == "czNjcmV0LVBhc3M=") {  // "s3cret-Pass"
                            return "235 authenticated";
                          }
                          return ordinaryAnswer(line);
                        });
  auto mailer = makeSmtpMailer(config(peer.port(), SmtpSecurity::kNone), secrets::FileSecrets{});
  ASSERT_TRUE(mailer) << mailer.error().describe();
  MailResult r = (*mailer)->send(message());
  EXPECT_EQ(r.outcome, MailOutcome::kAccepted) << r.detail;
  (*mailer)->close();
  auto lines = peer.received();
  EXPECT_TRUE(sent(lines, "AUTH LOGIN"));
  EXPECT_FALSE(sent(lines, "AUTH PLAIN"));
}

TEST_F(BadInputSmtp, AServersReplyIsEscapedAndBoundedInTheOutcome) {
  // A refusal that tries to recolour a terminal and to fill the outbox (Poco refuses a line over 4
  // KB itself).
  std::string hostile =
      "550 no such user \x1b[31mred\xc2\x9b"
      "1m " +
      std::string(3000, 'z');
  ScriptedSmtpPeer peer({"250 peer.example.org", "250 AUTH PLAIN"},
                        [&](const std::string& line) -> std::string {
                          if (line.rfind("AUTH PLAIN", 0) == 0) {
                            return "235 authenticated";
                          }
                          return line.rfind("RCPT", 0) == 0 ? hostile : ordinaryAnswer(line);
                        });
  auto mailer = makeSmtpMailer(config(peer.port(), SmtpSecurity::kNone), secrets::FileSecrets{});
  ASSERT_TRUE(mailer) << mailer.error().describe();
  MailResult r = (*mailer)->send(message());
  (*mailer)->close();
  EXPECT_EQ(r.outcome, MailOutcome::kPermanent) << r.detail;
  // One line: C0 controls (ESC among them) became spaces, a C1 control is escaped; the code
  // is said once.
  std::string said =
      "refused RCPT TO:<teacher@example.org>: 550 no such user  [31mred\\u009b1m zzz";
  EXPECT_NE(r.detail.find(said), std::string::npos) << r.detail.substr(0, 200);
  EXPECT_EQ(r.detail.find('\x1b'), std::string::npos);
  EXPECT_LT(r.detail.size(), 400u);
  EXPECT_EQ(r.detail.substr(r.detail.size() - 3), "...");
}

}  // namespace
}  // namespace patrond::smtp
