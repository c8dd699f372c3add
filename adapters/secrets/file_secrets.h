#pragma once
// The engine's Secrets port on files and the environment (SPEC section 11): what the SQL,
// SMTP and SFTP adapters are given, and what check-config reads secrets with. Any thread;
// never throws; a secret's value is never in an error or a log line.

#include <string>

#include "engine/ports/secrets.h"

namespace patrond::secrets {

class FileSecrets final : public Secrets {
 public:
  Result<std::string> read(const SecretRef& ref) const override;
};

// A secret file's contents without the trailing newline. A file that is missing, unreadable,
// a directory, not a regular file, larger than 64 KiB or empty is an Error (code SECRET) whose
// message says which and whose `where` is the file.
Result<std::string> readSecretFile(const std::string& path);

// What the service's load says of a secret file it does not read yet (it may appear later):
// "" when it looks right, else a warning: missing, cannot be checked, a directory, or
// readable by everyone.
std::string secretFileWarning(const std::string& path);

}  // namespace patrond::secrets
