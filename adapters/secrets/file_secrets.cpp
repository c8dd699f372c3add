#include "adapters/secrets/file_secrets.h"

#include <cstdlib>
#include <filesystem>

#include "adapters/os/files.h"

namespace patrond::secrets {
namespace {

// A secret is a password or a passphrase: anything larger is the wrong file.
constexpr std::size_t kMaxSecretBytes = std::size_t{64} * 1024;

}  // namespace

Result<std::string> readSecretFile(const std::string& path) {
  os::SmallFile f = os::readSmallFile(path, kMaxSecretBytes, 4096);
  std::string problem;
  switch (f.problem) {
    case os::ReadProblem::kNone:
      break;
    case os::ReadProblem::kOpen:
    case os::ReadProblem::kRead:
      problem = "cannot read secret file: " + f.reason;
      break;
    case os::ReadProblem::kDirectory:
      problem = "the secret file is a directory; name the file that holds the secret";
      break;
    case os::ReadProblem::kNotRegular:
      problem = "the secret file is not a regular file";
      break;
    case os::ReadProblem::kTooLarge:
      problem = "the secret file is larger than 64 KiB; is it the right file?";
      break;
  }
  if (!problem.empty()) {
    return Error{"SECRET", problem, path};
  }
  std::string& s = f.text;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  if (s.empty()) {
    return Error{"SECRET", "the secret file is empty", path};
  }
  return std::move(s);
}

std::string secretFileWarning(const std::string& file) {
  std::error_code ec;
  auto status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return "secret file " + file + " does not exist (yet)";
  }
  if (ec) {
    return "secret file " + file + " cannot be checked: " + ec.message();
  }
  if (status.type() == std::filesystem::file_type::directory) {
    return "secret file " + file + " is a directory, not a file";
  }
  if (os::readableByOthers(file)) {
    return "secret file " + file + " is readable by everyone; chown root:patrond " + file +
           " && chmod 640 " + file;
  }
  return "";
}

Result<std::string> FileSecrets::read(const SecretRef& ref) const {
  if (!ref.env.empty()) {
    const char* v = std::getenv(ref.env.c_str());
    if (!v) {
      return Error{"SECRET", "environment variable " + ref.env + " is not set", ""};
    }
    if (!*v) {
      return Error{"SECRET", "environment variable " + ref.env + " is empty", ""};
    }
    return std::string(v);
  }
  if (ref.file.empty()) {
    return Error{"SECRET", "no secret file named", ""};
  }
  return readSecretFile(ref.file);
}

}  // namespace patrond::secrets
