#include <windows.h>
// after windows.h
#include <fcntl.h>
#include <io.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "adapters/os/files.h"
#include "adapters/os/wide.h"

namespace patrond::os {
namespace {

std::string lastError(DWORD code = ::GetLastError()) {
  wchar_t* text = nullptr;
  DWORD n = ::FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, code, 0, reinterpret_cast<wchar_t*>(&text), 0, nullptr);
  std::string out = n > 0 && text != nullptr ? narrow(std::wstring_view(text, n)) : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == '.')) {
    out.pop_back();
  }
  ::LocalFree(text);
  return out.empty() ? "Windows error " + std::to_string(code) : out;
}

std::FILE* adopt(HANDLE h, int flags, const char* mode) {
  int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(h), flags);
  if (fd < 0) {
    ::CloseHandle(h);
    return nullptr;
  }
  std::FILE* f = ::_fdopen(fd, mode);
  if (f == nullptr) {
    ::_close(fd);
  }
  return f;
}

bool isFolder(const std::wstring& path) {
  DWORD a = ::GetFileAttributesW(path.c_str());
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

}  // namespace

OpenedFile openRegularFile(const std::string& path) {
  OpenedFile out;
  std::wstring w = widen(path);
  if (isFolder(w)) {
    out.failure = OpenFailure::kFolder;
    return out;
  }
  // Shared for reading and writing: an SIS export still being copied is read as it is, as on
  // Linux (the import's stability check waits for it to settle).
  HANDLE h =
      ::CreateFileW(w.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = ::GetLastError();
    out.failure = e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? OpenFailure::kMissing
                                                                         : OpenFailure::kSystem;
    out.reason = lastError(e);
    return out;
  }
  if (::GetFileType(h) != FILE_TYPE_DISK) {
    ::CloseHandle(h);
    out.failure = OpenFailure::kNotRegular;
    return out;
  }
  out.file = adopt(h, _O_RDONLY | _O_BINARY, "rb");
  if (out.file == nullptr) {
    out.failure = OpenFailure::kSystem;
    out.reason = std::strerror(errno);
  }
  return out;
}

FileInfo regularFileInfo(const std::string& path) {
  WIN32_FILE_ATTRIBUTE_DATA d{};
  if (!::GetFileAttributesExW(widen(path).c_str(), GetFileExInfoStandard, &d) ||
      (d.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE)) != 0) {
    return {};
  }
  ULARGE_INTEGER size, time;
  size.LowPart = d.nFileSizeLow;
  size.HighPart = d.nFileSizeHigh;
  time.LowPart = d.ftLastWriteTime.dwLowDateTime;
  time.HighPart = d.ftLastWriteTime.dwHighDateTime;
  // FILETIME counts 100 ns since 1601; patrond compares with the Unix clock.
  constexpr std::int64_t kUnixEpochIn100ns = 116'444'736'000'000'000;
  return {true, size.QuadPart,
          (static_cast<std::int64_t>(time.QuadPart) - kUnixEpochIn100ns) * 100};
}

CreateResult createNewFile(const std::string& path, const std::string& content, std::string& reason,
                           bool /*ownerOnly*/) {
  std::wstring w = widen(path);
  // CREATE_NEW fails when the name exists, a symbolic link too.
  HANDLE h = ::CreateFileW(w.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
                           nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = ::GetLastError();
    if (e == ERROR_FILE_EXISTS || e == ERROR_ALREADY_EXISTS) {
      return CreateResult::kExists;
    }
    reason = lastError(e);
    return CreateResult::kFailed;
  }
  const char* p = content.data();
  std::size_t left = content.size();
  bool ok = true;
  while (ok && left > 0) {
    DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(left, 1u << 30));
    DWORD written = 0;
    ok = ::WriteFile(h, p, chunk, &written, nullptr) && written > 0;
    p += written;
    left -= written;
  }
  ok = ok && ::FlushFileBuffers(h);
  DWORD e = ::GetLastError();
  ::CloseHandle(h);
  if (!ok) {
    reason = lastError(e);
    ::DeleteFileW(w.c_str());
    return CreateResult::kFailed;
  }
  return CreateResult::kCreated;
}

bool linkNoReplace(const std::string& from, const std::string& to) {
  if (::MoveFileExW(widen(from).c_str(), widen(to).c_str(), MOVEFILE_WRITE_THROUGH)) {
    return true;
  }
  DWORD e = ::GetLastError();
  errno = e == ERROR_ALREADY_EXISTS || e == ERROR_FILE_EXISTS ? EEXIST : EIO;
  return false;
}

bool replaceFile(const std::string& from, const std::string& to, std::string& reason) {
  if (::MoveFileExW(widen(from).c_str(), widen(to).c_str(),
                    MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    return true;
  }
  reason = lastError();
  return false;
}

bool canListFolder(const std::string& path) {
  std::wstring pattern = widen(path) + L"\\*";
  WIN32_FIND_DATAW d;
  HANDLE h = ::FindFirstFileW(pattern.c_str(), &d);
  if (h == INVALID_HANDLE_VALUE) {
    return ::GetLastError() == ERROR_FILE_NOT_FOUND;  // empty and readable
  }
  ::FindClose(h);
  return true;
}

bool canWriteFolder(const std::string& path) {
  std::wstring probe =
      widen(path) + L"\\.patrond-write-check-" + std::to_wstring(::GetCurrentProcessId()) + L".tmp";
  HANDLE h = ::CreateFileW(probe.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                           FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    return false;
  }
  ::CloseHandle(h);
  return true;
}

namespace {
bool canOpen(const std::string& path, DWORD access) {
  HANDLE h = ::CreateFileW(widen(path).c_str(), access,
                           FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    return false;
  }
  ::CloseHandle(h);
  return true;
}
}  // namespace

bool canReadFile(const std::string& path) {
  return canOpen(path, GENERIC_READ);
}
bool canWriteFile(const std::string& path) {
  return canOpen(path, GENERIC_READ | GENERIC_WRITE);
}

bool readableByOthers(const std::string&) {
  return false;
}

}  // namespace patrond::os

#include <filesystem>
#include <random>

namespace patrond::os {

OutputFolder::~OutputFolder() = default;

bool OutputFolder::open(const std::string& dir, std::string& reason) {
  DWORD a = ::GetFileAttributesW(widen(dir).c_str());
  if (a == INVALID_FILE_ATTRIBUTES) {
    reason = lastError();
    return false;
  }
  if ((a & FILE_ATTRIBUTE_REPARSE_POINT) != 0 || (a & FILE_ATTRIBUTE_DIRECTORY) == 0) {
    reason = "it is not a folder but a symbolic link or a file; remove it";
    return false;
  }
  dir_ = dir;
  return true;
}

bool OutputFolder::write(const std::string& name, const std::string& content, std::string& reason) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string tmp = dir_ + "\\.patrond-" + std::to_string(rng()) + ".tmp";
    switch (createNewFile(tmp, content, reason, false)) {
      case CreateResult::kExists:
        continue;
      case CreateResult::kFailed:
        return false;
      case CreateResult::kCreated:
        if (!replaceFile(tmp, dir_ + "\\" + name, reason)) {
          ::DeleteFileW(widen(tmp).c_str());
          return false;
        }
        return true;
    }
  }
  reason = "no free temporary name";
  return false;
}

}  // namespace patrond::os
