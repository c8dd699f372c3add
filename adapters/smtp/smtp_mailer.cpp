#include "adapters/smtp/smtp_mailer.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>
#include <random>
#include <sstream>

#include "adapters/smtp/mime.h"
#include "engine/text.h"

namespace patrond::smtp {
namespace {

using Poco::Net::Context;
using Poco::Net::SMTPClientSession;

// What a server (or the TLS library) said, as it goes into a message stored in the outbox and
// logged: one line, its control characters escaped, and bounded.
std::string shownReply(std::string_view said) {
  constexpr std::size_t kShown = 300;
  std::string line = escapeControl(singleLine(said.substr(0, 4 * kShown)));
  return utf8Length(line) > kShown || said.size() > 4 * kShown ? utf8Truncate(line, kShown) + "..."
                                                               : line;
}

// The reply Poco hands back starts with its code; the code is shown once.
std::string statusLine(int status, const std::string& response) {
  std::string code = std::to_string(status);
  return response.rfind(code, 0) == 0 ? shownReply(response) : code + " " + shownReply(response);
}

void initializeTlsOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    // A certificate that does not verify is refused, never waved through.
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Context::Ptr none = new Context(Context::TLS_CLIENT_USE, "", Context::VERIFY_STRICT);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, none);
  });
}

// What the mailer needs beyond Poco's session, which keeps its socket protected.
class DataChannel {
 public:
  virtual ~DataChannel() = default;
  // Nagle's algorithm off: commands are small writes, each waiting for an answer.
  virtual void noDelay() = 0;
  // The whole message after DATA in one write, then the server's answer. Poco's own
  // sendMessage() writes it in 1 KB pieces, and the server answered each message ~45 ms
  // late (20 messages a second instead of hundreds).
  virtual int sendData(const std::string& message, std::string& response) = 0;
};

template <typename Base>
class Session final : public Base, public DataChannel {
 public:
  using Base::Base;
  void noDelay() override { this->socket().setNoDelay(true); }
  int sendData(const std::string& message, std::string& response) override {
    std::string data = dotStuffed(message);
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      int sent =
          this->socket().sendBytes(p, static_cast<int>(std::min<std::size_t>(left, 1 << 20)));
      if (sent <= 0) {
        throw Poco::Net::NetException("the connection closed while sending the message");
      }
      p += sent;
      left -= static_cast<std::size_t>(sent);
    }
    return this->socket().receiveStatusMessage(response);
  }
};

class SmtpMailer final : public Mailer {
 public:
  SmtpMailer(SmtpConfig config, std::string password, std::string heloName)
      : config_(std::move(config)),
        password_(std::move(password)),
        helo_(std::move(heloName)),
        from_(parseMailbox(config_.from)) {}

  ~SmtpMailer() override { close(); }

  MailResult send(const OutboxMessage& m) override {
    if (!session_) {
      std::string problem = connect();
      if (!problem.empty()) {
        return {MailOutcome::kConnection, problem};
      }
    }
    try {
      std::string response;
      int status = session_->sendCommand("MAIL FROM:<" + from_.address + ">", response);
      if (status / 100 != 2) {
        return refused(status, response, "MAIL FROM");
      }
      std::string skipped;
      for (size_t i = 0; i < m.to.size() + m.cc.size(); ++i) {
        bool cc = i >= m.to.size();
        const std::string& rcpt = cc ? m.cc[i - m.to.size()] : m.to[i];
        status = session_->sendCommand("RCPT TO:<" + rcpt + ">", response);
        if (status / 100 == 2) {
          continue;
        }
        if (cc && status / 100 == 5) {
          skipped += " (Cc " + rcpt + " refused: " + shownReply(response) + ")";
          continue;  // the teacher still gets it
        }
        return refused(status, response, "RCPT TO:<" + rcpt + ">");
      }
      status = session_->sendCommand("DATA", response);
      if (status != 354) {
        return refused(status, response, "DATA");
      }
      status = channel_->sendData(
          composeMessage(from_, m, rfc5322Date(std::time(nullptr)), boundary()), response);
      if (status / 100 != 2) {
        // After the data the connection is in a known state again: it is kept.
        return {status / 100 == 5 ? MailOutcome::kPermanent : MailOutcome::kTransient,
                "the server refused the message: " + statusLine(status, response)};
      }
      return {MailOutcome::kAccepted, skipped};
    } catch (const Poco::Exception& e) {
      drop();
      return {MailOutcome::kConnection,
              where() + ": connection lost: " + shownReply(e.displayText())};
    } catch (const std::exception& e) {
      drop();
      return {MailOutcome::kConnection, where() + ": " + shownReply(e.what())};
    }
  }

  void close() override {
    if (session_) {
      try {
        session_->close();  // QUIT
      } catch (const std::exception&) {
        // already gone
      }
      session_.reset();
    }
  }

 private:
  std::string where() const { return config_.host + ":" + std::to_string(config_.port); }

  // A 4xx/5xx before the data: reset the transaction so the connection serves the next one.
  MailResult refused(int status, const std::string& response, const std::string& command) {
    std::string ignored;
    try {
      session_->sendCommand("RSET", ignored);
    } catch (const std::exception&) {
      drop();
    }
    std::string words = statusLine(status, response);
    if (status / 100 == 5) {
      return {MailOutcome::kPermanent, "the server refused " + command + ": " + words};
    }
    if (status / 100 == 4) {
      return {MailOutcome::kTransient, "the server deferred " + command + ": " + words};
    }
    drop();
    return {MailOutcome::kConnection, where() + ": unexpected answer to " + command + ": " + words};
  }

  void drop() {
    session_.reset();
    channel_ = nullptr;
  }

  template <typename S>
  void adopt(std::unique_ptr<S> session) {
    session->noDelay();
    channel_ = session.get();
    session_ = std::move(session);
  }

  std::string boundary() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* kHex = "0123456789abcdef";
    std::string b = "=_patrond_";
    for (int i = 0; i < 24; ++i) {
      b += kHex[rng() & 15];
    }
    return b;
  }

  Context::Ptr tlsContext() {
    initializeTlsOnce();
    Context::Params p;
    p.verificationMode = config_.verifyCertificate ? Context::VERIFY_STRICT : Context::VERIFY_NONE;
    p.caLocation = config_.caFile;
    p.loadDefaultCAs = config_.caFile.empty();
    p.verificationDepth = 9;
    return new Context(Context::TLS_CLIENT_USE, p);
  }

  // EHLO (HELO when the server does not know it: no extensions then).
  EhloExtensions greet() {
    std::string response;
    int status = session_->sendCommand("EHLO " + helo_, response);
    if (status / 100 == 2) {
      return parseEhlo(response);
    }
    status = session_->sendCommand("HELO " + helo_, response);
    if (status / 100 != 2) {
      throw Poco::Net::SMTPException("the server refused HELO", shownReply(response), status);
    }
    return {};
  }

  // Opens, secures and authenticates a connection. Empty on success, else what went wrong.
  std::string connect() {
    try {
      if (config_.security == SmtpSecurity::kTls) {
        Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress(config_.host, config_.port),
                                             config_.host, tlsContext());
        adopt(std::make_unique<Session<SMTPClientSession>>(socket));
      } else if (config_.security == SmtpSecurity::kStarttls) {
        tlsContext();
        adopt(std::make_unique<Session<Poco::Net::SecureSMTPClientSession>>(config_.host,
                                                                            config_.port));
      } else {
        adopt(std::make_unique<Session<SMTPClientSession>>(config_.host, config_.port));
      }
      session_->setTimeout(Poco::Timespan(30, 0));
      session_->open();
      EhloExtensions caps = greet();
      if (config_.security == SmtpSecurity::kStarttls) {
        auto* secure = static_cast<Poco::Net::SecureSMTPClientSession*>(session_.get());
        if (!caps.starttls || !secure->startTLS(tlsContext())) {
          drop();
          return where() +
                 ": the server does not offer STARTTLS; refusing to send in clear text "
                 "(smtp.security: starttls)";
        }
        caps = greet();
      }
      if (!config_.username.empty()) {
        if (!caps.auth) {
          drop();
          return where() + ": the server offers no AUTH, but smtp.username is set";
        }
        auto offers = [&](const char* m) {
          return std::find(caps.authMechanisms.begin(), caps.authMechanisms.end(), m) !=
                 caps.authMechanisms.end();
        };
        if (!offers("PLAIN") && !offers("LOGIN")) {
          drop();
          return where() + ": the server offers neither AUTH PLAIN nor AUTH LOGIN, but " +
                 "smtp.username is set";
        }
        auto method =
            offers("PLAIN") ? SMTPClientSession::AUTH_PLAIN : SMTPClientSession::AUTH_LOGIN;
        session_->login(helo_, method, config_.username, password_);
      }
      return {};
    } catch (const Poco::Net::SMTPException& e) {
      drop();
      return where() + ": " + shownReply(e.displayText());
    } catch (const Poco::Exception& e) {
      drop();
      return where() + ": " + shownReply(e.displayText());
    } catch (const std::exception& e) {
      drop();
      return where() + ": " + shownReply(e.what());
    }
  }

  SmtpConfig config_;
  std::string password_;
  std::string helo_;
  Mailbox from_;
  std::unique_ptr<SMTPClientSession> session_;
  DataChannel* channel_ = nullptr;  // session_ seen as a DataChannel
};

}  // namespace

EhloExtensions parseEhlo(std::string_view reply) {
  EhloExtensions e;
  bool first = true;
  while (!reply.empty()) {
    auto nl = reply.find('\n');
    std::string_view line = reply.substr(0, nl);
    reply = nl == std::string_view::npos ? std::string_view() : reply.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (first) {
      first = false;  // "250-domain greeting": no extension
      continue;
    }
    // "250-KEYWORD params" or "250 KEYWORD params"; anything else is not an extension line.
    if (line.size() < 5 || line.substr(0, 3) != "250" || (line[3] != '-' && line[3] != ' ')) {
      continue;
    }
    std::vector<std::string> words;
    std::string word;
    for (char ch : line.substr(4)) {
      // Old servers write "AUTH=LOGIN PLAIN": '=' ends the keyword too.
      if (ch == ' ' || ch == '\t' || (ch == '=' && words.empty())) {
        if (!word.empty()) {
          words.push_back(word);
          word.clear();
        }
      } else {
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      }
    }
    if (!word.empty()) {
      words.push_back(word);
    }
    if (words.empty()) {
      continue;
    }
    if (words[0] == "STARTTLS") {
      e.starttls = true;
    } else if (words[0] == "AUTH") {
      e.auth = true;
      for (size_t i = 1; i < words.size(); ++i) {
        if (std::find(e.authMechanisms.begin(), e.authMechanisms.end(), words[i]) ==
            e.authMechanisms.end()) {
          e.authMechanisms.push_back(words[i]);
        }
      }
    }
  }
  return e;
}

Result<std::unique_ptr<Mailer>> makeSmtpMailer(const SmtpConfig& config, const Secrets& secrets) {
  std::string password;
  if (!config.password.empty()) {
    auto secret = secrets.read(config.password);
    if (!secret) {
      return secret.error();
    }
    password = *secret;
  }
  Mailbox from = parseMailbox(config.from);
  if (from.address.empty() || from.address.find('@') == std::string::npos) {
    return Error{"CONFIG", "smtp.from '" + config.from + "' is not an e-mail address", "smtp.from"};
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "localhost");
  }
  return std::unique_ptr<Mailer>(std::make_unique<SmtpMailer>(config, password, host));
}

}  // namespace patrond::smtp
