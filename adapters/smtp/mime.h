#pragma once
// SMTP adapter: an outbox message as an RFC 5322 / MIME message (multipart/alternative,
// UTF-8 quoted-printable parts, RFC 2047 encoded words in headers). Pure functions.

#include <optional>
#include <string>

#include "engine/config.h"
#include "engine/ports/notice_output.h"
#include "engine/ports/outbox_store.h"

namespace patrond::smtp {

struct Mailbox {
  std::string name, address;  // "Springfield Libraries", "library@example.org"
};

// Parses `Name <addr>` or a bare address. Empty address when it is not one.
Mailbox parseMailbox(const std::string& text);

// An unstructured header value: as is when printable ASCII, else RFC 2047 B-encoded words of
// at most 75 characters, folded. Line breaks in the input never survive (no injection).
std::string encodeHeaderText(const std::string& value);

// Quoted-printable (RFC 2045) with CRLF line ends and soft breaks before 76 characters.
std::string quotedPrintable(const std::string& text);

// The whole message, CRLF line ends, ready for DATA. `date` is an RFC 5322 date;
// `boundary` must not occur in the parts (quoted-printable output never holds "=_").
std::string composeMessage(const Mailbox& from, const OutboxMessage& message,
                           const std::string& date, const std::string& boundary);

// A message as it goes after DATA (RFC 5321 4.5.2): a '.' opening a line doubled, and the
// closing "CRLF . CRLF" added.
std::string dotStuffed(const std::string& message);

// Message-IDs like "<20261016.8f3a...@springfield.example.org>": 80 bits from one generator
// per thread (seeded once), and the domain of smtp.from ("patrond.invalid" without an smtp
// section).
class SenderMessageIds final : public MessageIds {
 public:
  explicit SenderMessageIds(const std::optional<SmtpConfig>& smtp);
  std::string next(const std::string& date) override;

 private:
  std::string domain_;
};

// "Sun, 29 Nov 2026 21:15:00 +0000"
std::string rfc5322Date(long long unixSeconds);

}  // namespace patrond::smtp
