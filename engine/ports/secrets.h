#pragma once
// Port: the secrets the configuration names (SPEC section 11: a file or an environment
// variable, never the YAML). The SQL, SMTP and SFTP adapters take one through their
// constructors; the daemon wires the one that reads files and the environment. Any thread.

#include <string>

#include "engine/config.h"
#include "engine/result.h"

namespace patrond {

class Secrets {
 public:
  virtual ~Secrets() = default;
  // The value `ref` names, without a trailing newline. An Error with code SECRET says which
  // file or variable and why (missing, empty, a directory, too large); it never holds the value.
  virtual Result<std::string> read(const SecretRef& ref) const = 0;
};

}  // namespace patrond
