#pragma once
// The composition root: the adapters this process runs with, made in one place. The rest of
// the daemon asks here for the engine's ports instead of naming adapter classes.

#include "engine/ports/secrets.h"

namespace patrond::daemon {

// Secrets from files and the environment (adapters/secrets), for every adapter that needs
// one: the database, the mail server, SFTP.
const Secrets& processSecrets();

}  // namespace patrond::daemon
