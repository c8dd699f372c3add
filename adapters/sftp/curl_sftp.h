#pragma once
// SFTP adapter: RemoteSource over libcurl (libssh2). Host keys are always checked against
// known_hosts: an unknown or changed key fails, it is never accepted or learned.

#include <memory>

#include "engine/config.h"
#include "engine/ports/remote_source.h"

namespace patrond::sftp {

// `file` is the job's source.file (a name or a glob).
Result<std::unique_ptr<RemoteSource>> openSftp(const SftpConfig& config, const std::string& file);

}  // namespace patrond::sftp
