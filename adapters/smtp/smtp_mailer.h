#pragma once
// SMTP adapter (Poco NetSSL): the Mailer port. security none, starttls (refuses to go on in
// clear text when the server offers no STARTTLS) or tls; AUTH PLAIN or LOGIN, as the server
// offers; certificates verified against the system store or smtp.ca_file. One connection,
// opened on the first message and reused until it fails or close() is called.

#include <memory>

#include "engine/config.h"
#include "engine/ports/mailer.h"
#include "engine/result.h"

namespace patrond::smtp {

// Reads the password (password_file / password_env) now: a missing secret is a config error.
Result<std::unique_ptr<Mailer>> makeSmtpMailer(const SmtpConfig& config);

}  // namespace patrond::smtp
