#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "adapters/os/files.h"

namespace patrond::os {

OpenedFile openRegularFile(const std::string& path) {
  OpenedFile out;
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    out.failure = errno == ENOENT ? OpenFailure::kMissing : OpenFailure::kSystem;
    out.reason = std::strerror(errno);
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    out.failure = OpenFailure::kSystem;
    out.reason = std::strerror(errno);
    ::close(fd);
    return out;
  }
  if (!S_ISREG(st.st_mode)) {
    out.failure = S_ISDIR(st.st_mode) ? OpenFailure::kFolder : OpenFailure::kNotRegular;
    ::close(fd);
    return out;
  }
  int flags = ::fcntl(fd, F_GETFL);
  out.file =
      flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ? nullptr : ::fdopen(fd, "rb");
  if (out.file == nullptr) {
    out.failure = OpenFailure::kSystem;
    out.reason = std::strerror(errno);
    ::close(fd);
  }
  return out;
}

FileInfo regularFileInfo(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return {};
  }
  return {true, static_cast<std::uint64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

CreateResult createNewFile(const std::string& path, const std::string& content, std::string& reason,
                           bool ownerOnly) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                  ownerOnly ? 0600 : 0640);
  if (fd < 0) {
    if (errno == EEXIST) {
      return CreateResult::kExists;
    }
    reason = std::strerror(errno);
    return CreateResult::kFailed;
  }
  const char* p = content.data();
  std::size_t left = content.size();
  bool ok = true;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      ok = false;
      break;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  int err = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    reason = std::strerror(err != 0 ? err : errno);
    ::unlink(path.c_str());
    return CreateResult::kFailed;
  }
  return CreateResult::kCreated;
}

bool linkNoReplace(const std::string& from, const std::string& to) {
  return ::link(from.c_str(), to.c_str()) == 0;
}

bool replaceFile(const std::string& from, const std::string& to, std::string& reason) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    reason = std::strerror(errno);
    return false;
  }
  return true;
}

bool canListFolder(const std::string& path) {
  return ::access(path.c_str(), R_OK | X_OK) == 0;
}
bool canWriteFolder(const std::string& path) {
  return ::access(path.c_str(), W_OK | X_OK) == 0;
}
bool canReadFile(const std::string& path) {
  return ::access(path.c_str(), R_OK) == 0;
}
bool canWriteFile(const std::string& path) {
  return ::access(path.c_str(), R_OK | W_OK) == 0;
}

bool readableByOthers(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0;
}

}  // namespace patrond::os

#include <random>

namespace patrond::os {

OutputFolder::~OutputFolder() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool OutputFolder::open(const std::string& dir, std::string& reason) {
  dir_ = dir;
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd_ < 0) {
    reason = errno == ELOOP || errno == ENOTDIR
                 ? "it is not a folder but a symbolic link or a file; remove it"
                 : std::strerror(errno);
    return false;
  }
  return true;
}

bool OutputFolder::write(const std::string& name, const std::string& content, std::string& reason) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = ".patrond-" + std::to_string(rng()) + ".tmp";
    fd = ::openat(fd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0 && errno != EEXIST) {
      break;
    }
  }
  if (fd < 0) {
    reason = std::strerror(errno);
    return false;
  }
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      reason = n < 0 ? std::strerror(errno) : "nothing written";
      ::close(fd);
      ::unlinkat(fd_, tmp.c_str(), 0);
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::renameat(fd_, tmp.c_str(), fd_, name.c_str()) != 0) {
    reason = std::strerror(errno);
    ::unlinkat(fd_, tmp.c_str(), 0);
    return false;
  }
  return true;
}

}  // namespace patrond::os
