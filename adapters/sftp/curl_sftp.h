#pragma once
// SFTP adapter: RemoteSource over libcurl (libssh2). Host keys are always checked against
// known_hosts: an unknown or changed key fails, it is never accepted or learned.

#include <memory>

#include "engine/config.h"
#include "engine/ports/remote_source.h"
#include "engine/ports/secrets.h"

namespace patrond::sftp {

// `file` is the job's source.file (a name or a glob).
// Passwords and key passphrases are read through `secrets` now.
Result<std::unique_ptr<RemoteSource>> openSftp(const SftpConfig& config, const Secrets& secrets,
                                               const std::string& file);

}  // namespace patrond::sftp
