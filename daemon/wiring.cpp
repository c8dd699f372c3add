#include "daemon/wiring.h"

#include "adapters/secrets/file_secrets.h"

namespace patrond::daemon {

const Secrets& processSecrets() {
  static const secrets::FileSecrets kSecrets;
  return kSecrets;
}

}  // namespace patrond::daemon
