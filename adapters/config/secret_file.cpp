#include "adapters/config/secret_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "adapters/os/files.h"

namespace patrond::config {
namespace {

// A secret is a password or a passphrase: anything larger is the wrong file.
constexpr std::size_t kMaxSecretBytes = 64 * 1024;
constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

// What can go wrong reading a small regular file, told apart so each caller words it.
enum class ReadProblem { kNone, kOpen, kDirectory, kNotRegular, kTooLarge, kRead };

struct SmallFile {
  std::string text;
  ReadProblem problem = ReadProblem::kNone;
  std::string reason;  // the system's words for kOpen and kRead
};

// Never an exception (a directory used to throw out of a stream and end the process), and a
// FIFO named as the file cannot hang the open (os::openRegularFile).
SmallFile readSmallFile(const std::string& path, std::size_t maxBytes, std::size_t chunk) {
  SmallFile out;
  os::OpenedFile f = os::openRegularFile(path);
  switch (f.failure) {
    case os::OpenFailure::kNone:
      break;
    case os::OpenFailure::kMissing:
    case os::OpenFailure::kSystem:
      out.problem = ReadProblem::kOpen;
      out.reason = f.reason;
      return out;
    case os::OpenFailure::kFolder:
      out.problem = ReadProblem::kDirectory;
      return out;
    case os::OpenFailure::kNotRegular:
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

}  // namespace

Result<std::string> readSecretFile(const std::string& path) {
  SmallFile f = readSmallFile(path, kMaxSecretBytes, 4096);
  std::string problem;
  switch (f.problem) {
    case ReadProblem::kNone:
      break;
    case ReadProblem::kOpen:
    case ReadProblem::kRead:
      problem = "cannot read secret file: " + f.reason;
      break;
    case ReadProblem::kDirectory:
      problem = "the secret file is a directory; name the file that holds the secret";
      break;
    case ReadProblem::kNotRegular:
      problem = "the secret file is not a regular file";
      break;
    case ReadProblem::kTooLarge:
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

TextFile readConfigText(const std::string& path) {
  SmallFile f = readSmallFile(path, kMaxConfigBytes, 65536);
  TextFile out;
  switch (f.problem) {
    case ReadProblem::kNone:
      out.text = std::move(f.text);
      break;
    case ReadProblem::kOpen:
      out.problem = "cannot open file: " + f.reason;
      break;
    case ReadProblem::kRead:
      out.problem = "cannot read file: " + f.reason;
      break;
    case ReadProblem::kDirectory:
      out.problem = "is a directory, not a YAML file";
      break;
    case ReadProblem::kNotRegular:
      out.problem = "is not a regular file (a FIFO or a device cannot be a configuration file)";
      break;
    case ReadProblem::kTooLarge:
      out.problem = "is larger than 4 MiB; is it the right file?";
      break;
  }
  return out;
}

}  // namespace patrond::config
