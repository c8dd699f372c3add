#pragma once
// Port: a source file on a remote server (SFTP). The service polls it for changes by size and
// modification time and downloads a new version before importing it. Any single thread.

#include <cstdint>
#include <string>

#include "engine/result.h"

namespace patrond {

struct RemoteFile {
  std::string name;  // file name in the remote folder
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // seconds since the epoch
};

class RemoteSource {
 public:
  virtual ~RemoteSource() = default;
  // The file the job names (a glob picks the newest). Errors carry a code a person can act
  // on: DNS, CONNECT, AUTH, HOST_KEY, FILE_MISSING, NETWORK.
  virtual Result<RemoteFile> find() = 0;
  // Downloads to `localPath` through a temporary file that is checked (size) and renamed
  // into place, so a half-transferred file is never seen there.
  virtual Result<void> download(const RemoteFile& file, const std::string& localPath) = 0;
};

}  // namespace patrond
