#include "adapters/config/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace patrond::config {
namespace {

// A secret is a password or a passphrase: anything larger is the wrong file.
constexpr std::size_t kMaxSecretBytes = 64 * 1024;
constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

// What can go wrong reading a small regular file, told apart so each caller words it.
enum class ReadProblem { kNone, kOpen, kStat, kDirectory, kNotRegular, kTooLarge, kRead };

struct SmallFile {
  std::string text;
  ReadProblem problem = ReadProblem::kNone;
  std::string reason;  // strerror() of kOpen, kStat and kRead
};

// Never an exception (a directory used to throw out of a stream and end the process), and
// O_NONBLOCK so that a FIFO named as the file cannot hang the open.
SmallFile readSmallFile(const std::string& path, std::size_t maxBytes, std::size_t chunk) {
  SmallFile out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    out.problem = ReadProblem::kOpen;
    out.reason = std::strerror(errno);
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    out.problem = ReadProblem::kStat;
    out.reason = std::strerror(errno);
  } else if (S_ISDIR(st.st_mode)) {
    out.problem = ReadProblem::kDirectory;
  } else if (!S_ISREG(st.st_mode)) {
    out.problem = ReadProblem::kNotRegular;
  } else if (static_cast<std::size_t>(st.st_size) > maxBytes) {
    out.problem = ReadProblem::kTooLarge;
  }
  std::string buf(chunk, '\0');
  while (out.problem == ReadProblem::kNone) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      out.problem = ReadProblem::kRead;
      out.reason = std::strerror(errno);
    } else if (n == 0) {
      break;
    } else if (out.text.size() + static_cast<std::size_t>(n) > maxBytes) {
      out.problem = ReadProblem::kTooLarge;
    } else {
      out.text.append(buf.data(), static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
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
    case ReadProblem::kStat:
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
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return "secret file " + file + " does not exist (yet)";
    }
    return "secret file " + file + " cannot be checked: " + std::strerror(errno);
  }
  if (S_ISDIR(st.st_mode)) {
    return "secret file " + file + " is a directory, not a file";
  }
  if (st.st_mode & S_IROTH) {
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
    case ReadProblem::kStat:
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
