#include "adapters/files/text_file.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "adapters/os/files.h"
#include "adapters/os/iconv.h"
#include "engine/glob.h"

namespace patrond::files {
namespace {

// Opens a regular file for reading. Anything else is refused at once, naming the path: a FIFO
// would block the import until some writer came, a device or socket never ends.
Result<std::FILE*> openRegular(const std::string& path) {
  os::OpenedFile f = os::openRegularFile(path);
  switch (f.failure) {
    case os::OpenFailure::kNone:
      return f.file;
    case os::OpenFailure::kFolder:
      return Error{"IO", "is a folder, not a file", path};
    case os::OpenFailure::kNotRegular:
      return Error{"IO",
                   "is not a regular file (a FIFO, socket or device); patrond reads only "
                   "regular files",
                   path};
    case os::OpenFailure::kMissing:
    case os::OpenFailure::kSystem:
      break;
  }
  return Error{"IO", "cannot open: " + f.reason, path};
}

class FileSource final : public ByteSource {
 public:
  FileSource(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  ~FileSource() override { std::fclose(f_); }
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    std::size_t n = std::fread(buffer, 1, size, f_);
    if (n == 0 && std::ferror(f_)) {
      return Error{"IO", std::string("read error: ") + std::strerror(errno), path_};
    }
    return n;
  }
  std::optional<std::uint64_t> sizeHint() const override {
#ifdef _WIN32
    struct _stat64 st {};
    if (_fstat64(_fileno(f_), &st) != 0 || (st.st_mode & _S_IFMT) != _S_IFREG) {
      return std::nullopt;
    }
#else
    struct stat st {};
    if (::fstat(::fileno(f_), &st) != 0 || !S_ISREG(st.st_mode)) {
      return std::nullopt;
    }
#endif
    return static_cast<std::uint64_t>(st.st_size);
  }

 private:
  std::FILE* f_;
  std::string path_;
};

class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string d) : data_(std::move(d)) {}
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    std::size_t n = std::min(size, data_.size() - pos_);
    std::memcpy(buffer, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t pos_ = 0;
};

// Drops a UTF-8 byte order mark at the start.
class Utf8Source final : public ByteSource {
 public:
  explicit Utf8Source(std::unique_ptr<ByteSource> in) : in_(std::move(in)) {}
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    auto n = in_->read(buffer, size);
    if (!n || first_ == false) {
      return n;
    }
    first_ = false;
    if (*n >= 3 && std::memcmp(buffer, "\xEF\xBB\xBF", 3) == 0) {
      std::memmove(buffer, buffer + 3, *n - 3);
      return *n - 3;
    }
    return n;
  }
  std::optional<std::uint64_t> sizeHint() const override { return in_->sizeHint(); }

 private:
  std::unique_ptr<ByteSource> in_;
  bool first_ = true;
};

using ByteTable = std::array<std::string, 256>;

// What iconv_open returns when it cannot convert: (iconv_t)-1, as POSIX defines it.
// NOLINTNEXTLINE(performance-no-int-to-ptr): the API's sentinel, compared, never dereferenced
const iconv_t kNoConverter = reinterpret_cast<iconv_t>(-1);

// Each byte of a single-byte charset, converted once with iconv.
Result<ByteTable> buildTable(const char* charset) {
  iconv_t cd = iconv_open("UTF-8", charset);
  if (cd == kNoConverter) {
    return Error{"CONFIG", std::string("encoding ") + charset + " is not supported by iconv", ""};
  }
  ByteTable t;
  for (int b = 0; b < 256; ++b) {
    char in = static_cast<char>(b);
    char out[8];
    char* ip = &in;
    char* op = out;
    std::size_t il = 1, ol = sizeof out;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    if (iconv(cd, &ip, &il, &op, &ol) == static_cast<std::size_t>(-1)) {
      t[static_cast<size_t>(b)] = "\xFF";  // undefined in this charset
    } else {
      t[static_cast<size_t>(b)] = std::string(out, static_cast<size_t>(op - out));
    }
  }
  iconv_close(cd);
  return t;
}

class TableSource final : public ByteSource {
 public:
  TableSource(std::unique_ptr<ByteSource> in, ByteTable table)
      : in_(std::move(in)), table_(std::move(table)), raw_(std::size_t{64} * 1024) {}
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    // Each input byte becomes at most 3 output bytes.
    std::size_t want = std::max<std::size_t>(1, std::min(raw_.size(), size / 3));
    auto n = in_->read(raw_.data(), want);
    if (!n) {
      return n;
    }
    std::size_t o = 0;
    for (std::size_t i = 0; i < *n; ++i) {
      const std::string& s = table_[static_cast<unsigned char>(raw_[i])];
      // NOLINTNEXTLINE(bugprone-not-null-terminated-result): bytes into a byte buffer, no C string
      std::memcpy(buffer + o, s.data(), s.size());
      o += s.size();
    }
    return o;
  }
  // Mostly ASCII: about a byte out for each byte in.
  std::optional<std::uint64_t> sizeHint() const override { return in_->sizeHint(); }

 private:
  std::unique_ptr<ByteSource> in_;
  ByteTable table_;
  std::vector<char> raw_;
};

class Utf16Source final : public ByteSource {
 public:
  Utf16Source(std::unique_ptr<ByteSource> in, std::string path)
      : in_(std::move(in)), path_(std::move(path)) {}
  ~Utf16Source() override {
    if (cd_ != kNoConverter) {
      iconv_close(cd_);
    }
  }
  // Mostly ASCII: about a byte out for two in.
  std::optional<std::uint64_t> sizeHint() const override {
    auto in = in_->sizeHint();
    return in ? std::optional<std::uint64_t>(*in / 2) : std::nullopt;
  }
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    for (;;) {
      if (pending_.size() < 4 && !eof_) {
        char tmp[64 * 1024];
        auto n = in_->read(tmp, sizeof tmp);
        if (!n) {
          return n;
        }
        if (*n == 0) {
          eof_ = true;
        }
        pending_.append(tmp, *n);
        if (cd_ == kNoConverter) {
          const char* from = "UTF-16LE";
          if (pending_.size() >= 2 && static_cast<unsigned char>(pending_[0]) == 0xFE &&
              static_cast<unsigned char>(pending_[1]) == 0xFF) {
            from = "UTF-16BE";
            pending_.erase(0, 2);
          } else if (pending_.size() >= 2 && static_cast<unsigned char>(pending_[0]) == 0xFF &&
                     static_cast<unsigned char>(pending_[1]) == 0xFE) {
            pending_.erase(0, 2);
          }
          cd_ = iconv_open("UTF-8", from);
        }
        continue;
      }
      if (pending_.empty() && eof_) {
        return std::size_t{0};
      }
      char* ip = pending_.data();
      std::size_t il = pending_.size();
      char* op = buffer;
      std::size_t ol = size;
      std::size_t r = iconv(cd_, &ip, &il, &op, &ol);
      std::size_t produced = static_cast<std::size_t>(op - buffer);
      std::size_t consumed = pending_.size() - il;
      pending_.erase(0, consumed);
      if (r == static_cast<std::size_t>(-1)) {
        if (errno == EILSEQ || (errno == EINVAL && eof_)) {
          // An invalid or truncated code unit: mark it and move on.
          if (ol > 0) {
            *op = '\xFF';
            ++produced;
          }
          pending_.erase(0, std::min<std::size_t>(2, pending_.size()));
        } else if (errno == EINVAL && produced == 0) {
          continue;  // need more input for a split surrogate pair
        }
      }
      if (produced > 0) {
        return produced;
      }
    }
  }

 private:
  std::unique_ptr<ByteSource> in_;
  std::string path_;
  std::string pending_;
  bool eof_ = false;
  iconv_t cd_ = kNoConverter;
};

}  // namespace

std::unique_ptr<ByteSource> stringSource(std::string data) {
  return std::make_unique<StringSource>(std::move(data));
}

Result<std::unique_ptr<ByteSource>> openText(const std::string& path, const std::string& encoding) {
  auto f = openRegular(path);
  if (!f) {
    return f.error();
  }
  std::unique_ptr<ByteSource> raw = std::make_unique<FileSource>(*f, path);
  if (encoding.empty() || encoding == "utf-8") {
    return std::unique_ptr<ByteSource>(std::make_unique<Utf8Source>(std::move(raw)));
  }
  if (encoding == "utf-16") {
    return std::unique_ptr<ByteSource>(std::make_unique<Utf16Source>(std::move(raw), path));
  }
  const char* charset = encoding == "windows-1252" ? "WINDOWS-1252"
                        : encoding == "iso-8859-1" ? "ISO-8859-1"
                        : encoding == "macroman"   ? "MACINTOSH"
                                                   : nullptr;
  if (!charset) {
    return Error{"CONFIG", "unknown encoding '" + encoding + "'", path};
  }
  auto table = buildTable(charset);
  if (!table) {
    return table.error();
  }
  return std::unique_ptr<ByteSource>(
      std::make_unique<TableSource>(std::move(raw), std::move(*table)));
}

}  // namespace patrond::files

namespace patrond::files {

#ifdef _WIN32
constexpr GlobOptions kFolderGlob{.caseless = true};  // Windows names ignore case
#else
constexpr GlobOptions kFolderGlob{};
#endif

Result<std::string> resolveSourceFile(const std::string& directory, const std::string& pattern) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) {
    return Error{"SOURCE", "the source folder does not exist or cannot be read", directory};
  }
  if (!isGlobPattern(pattern)) {
    fs::path p = fs::path(directory) / pattern;
    if (!fs::exists(p, ec)) {
      return Error{"FILE_MISSING", "the file " + pattern + " is not in " + directory, p.string()};
    }
    if (!fs::is_regular_file(p, ec)) {
      return Error{"IO",
                   "is not a regular file (a folder, FIFO, socket or device); patrond reads "
                   "only regular files",
                   p.string()};
    }
    return p.string();
  }
  fs::path best;
  fs::file_time_type bestTime{};
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    if (!entry.is_regular_file(ec) ||
        !globMatch(pattern, entry.path().filename().string(), kFolderGlob)) {
      continue;
    }
    auto t = entry.last_write_time(ec);
    if (best.empty() || t > bestTime) {
      best = entry.path();
      bestTime = t;
    }
  }
  if (ec) {
    return Error{"SOURCE", "cannot list the source folder: " + ec.message(), directory};
  }
  if (best.empty()) {
    return Error{"FILE_MISSING", "no file matching " + pattern + " in " + directory, directory};
  }
  return best.string();
}

}  // namespace patrond::files

#include "engine/key_index.h"

namespace patrond::files {

FileStat statFile(const std::string& path) {
  os::FileInfo info = os::regularFileInfo(path);
  if (!info.regular) {
    return {};
  }
  return {true, info.size, info.modifiedNs};
}

Result<std::string> fingerprintFile(const std::string& path) {
  auto opened = openRegular(path);
  if (!opened) {
    return opened.error();
  }
  std::FILE* f = *opened;
  std::vector<char> buf(1 << 20);
  std::uint64_t h = 0, size = 0;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    h = hashBytes(std::string_view(buf.data(), n), h);
    size += n;
  }
  bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) {
    return Error{"IO", "read error while fingerprinting", path};
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::to_string(size) + ":" + hex;
}

}  // namespace patrond::files
