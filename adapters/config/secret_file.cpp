#include "adapters/config/secret_file.h"

#include "adapters/os/files.h"

namespace patrond::config {
namespace {

// Far above any real configuration file, far below a mistake like /dev/zero.
constexpr std::size_t kMaxConfigBytes = std::size_t{4} * 1024 * 1024;

}  // namespace

TextFile readConfigText(const std::string& path) {
  os::SmallFile f = os::readSmallFile(path, kMaxConfigBytes, 65536);
  TextFile out;
  switch (f.problem) {
    case os::ReadProblem::kNone:
      out.text = std::move(f.text);
      break;
    case os::ReadProblem::kOpen:
      out.problem = "cannot open file: " + f.reason;
      break;
    case os::ReadProblem::kRead:
      out.problem = "cannot read file: " + f.reason;
      break;
    case os::ReadProblem::kDirectory:
      out.problem = "is a directory, not a YAML file";
      break;
    case os::ReadProblem::kNotRegular:
      out.problem = "is not a regular file (a FIFO or a device cannot be a configuration file)";
      break;
    case os::ReadProblem::kTooLarge:
      out.problem = "is larger than 4 MiB; is it the right file?";
      break;
  }
  return out;
}

}  // namespace patrond::config
