// Reading a small regular file whole (secrets, configuration files): both systems, on
// openRegularFile.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "adapters/os/files.h"

namespace patrond::os {

SmallFile readSmallFile(const std::string& path, std::size_t maxBytes, std::size_t chunk) {
  SmallFile out;
  OpenedFile f = openRegularFile(path);
  switch (f.failure) {
    case OpenFailure::kNone:
      break;
    case OpenFailure::kMissing:
    case OpenFailure::kSystem:
      out.problem = ReadProblem::kOpen;
      out.reason = f.reason;
      return out;
    case OpenFailure::kFolder:
      out.problem = ReadProblem::kDirectory;
      return out;
    case OpenFailure::kNotRegular:
      out.problem = ReadProblem::kNotRegular;
      return out;
  }
  std::string buf(chunk, '\0');
  while (out.problem == ReadProblem::kNone) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), f.file);
    if (n == 0) {
      if (std::ferror(f.file)) {
        out.problem = ReadProblem::kRead;
        out.reason = std::strerror(errno);
      }
      break;
    }
    if (out.text.size() + n > maxBytes) {
      out.problem = ReadProblem::kTooLarge;
    } else {
      out.text.append(buf.data(), n);
    }
  }
  std::fclose(f.file);
  return out;
}

}  // namespace patrond::os
