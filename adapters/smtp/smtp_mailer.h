#pragma once
// SMTP adapter (Poco NetSSL): the Mailer port. security none, starttls (refuses to go on in
// clear text when the server offers no STARTTLS) or tls; AUTH PLAIN or LOGIN, as the server
// offers; certificates verified against the system store or smtp.ca_file. One connection,
// opened on the first message and reused until it fails or close() is called.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"
#include "engine/ports/mailer.h"
#include "engine/ports/notice_output.h"
#include "engine/ports/secrets.h"
#include "engine/result.h"

namespace patrond::smtp {

// The service extensions an EHLO reply announces: the first word of each line after the
// first (RFC 5321 4.1.1.1), case-insensitive; the greeting line and words inside a line never
// count. `reply` is the whole reply, its lines with their "250-" / "250 " codes.
struct EhloExtensions {
  bool starttls = false;
  bool auth = false;
  std::vector<std::string> authMechanisms;  // upper case, as AUTH lists them
};
EhloExtensions parseEhlo(std::string_view reply);

// Reads the password (password_file / password_env) now: a missing secret is a config error.
Result<std::unique_ptr<Mailer>> makeSmtpMailer(const SmtpConfig& config, const Secrets& secrets);

// The engine's MailerFactory: makeSmtpMailer.
class SmtpMailerFactory final : public MailerFactory {
 public:
  explicit SmtpMailerFactory(const Secrets& secrets) : secrets_(secrets) {}
  explicit SmtpMailerFactory(const Secrets&& secrets) = delete;  // kept: must outlive this
  Result<std::unique_ptr<Mailer>> open(const SmtpConfig& smtp) override {
    return makeSmtpMailer(smtp, secrets_);
  }

 private:
  const Secrets& secrets_;
};

}  // namespace patrond::smtp
