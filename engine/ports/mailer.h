#pragma once
// Port: hands one outbox message to a mail server. The SMTP adapter keeps one connection open
// across calls and reconnects after a fault. One thread at a time.

#include <string>

#include "engine/ports/outbox_store.h"

namespace patrond {

enum class MailOutcome {
  kAccepted,    // the server answered 250 to the message: it is delivered
  kTransient,   // a 4xx answer: try this message again later
  kPermanent,   // a 5xx answer: this message will never go (detail: the server's words)
  kConnection,  // no usable connection (refused, TLS, auth, dropped): stop for now
};

struct MailResult {
  MailOutcome outcome = MailOutcome::kAccepted;
  std::string detail;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual MailResult send(const OutboxMessage& message) = 0;
  // Says goodbye (QUIT) when a connection is open. Safe to call at any time.
  virtual void close() = 0;
};

}  // namespace patrond
