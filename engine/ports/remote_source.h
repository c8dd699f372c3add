#pragma once
// Port: a source file on a remote server (SFTP). The service polls it for changes by size and
// modification time and downloads a new version before importing it. Any single thread.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/result.h"

namespace patrond {

struct RemoteFile {
  std::string name;  // file name in the remote folder
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // seconds since the epoch
};

// The files a job's name or glob matches that may be taken, newest first, and the matches
// that may not, each as "'NAME': why" (the name made printable).
struct RemoteListing {
  std::vector<RemoteFile> files;
  std::vector<std::string> skipped;
};

class RemoteSource {
 public:
  virtual ~RemoteSource() = default;
  // The job's file, or a glob's matches that are regular files with a safe name and within
  // the size cap. Errors carry a code a person can act on: DNS, CONNECT, AUTH, HOST_KEY,
  // NETWORK, FILE_MISSING (no file left; the message says why each match was not taken).
  virtual Result<RemoteListing> list() = 0;
  // Downloads to `localPath` through a temporary file that is checked (size) and renamed
  // into place, so a half-transferred file is never seen there. FILE_REFUSED (too large, not
  // readable, not a file) and FILE_MISSING concern this file only: another may be taken.
  virtual Result<void> download(const RemoteFile& file, const std::string& localPath) = 0;
};

}  // namespace patrond
