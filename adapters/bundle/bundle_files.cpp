#include "adapters/bundle/bundle_files.h"

#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>
#include <vector>

#include "adapters/files/text_file.h"

namespace patrond::bundle {

namespace fs = std::filesystem;

namespace {

Error refused(const std::string& path, const std::string& why) {
  return Error{"FILE_REFUSED", "the OneRoster zip is refused: " + why, path};
}

// Why a name in a zip is refused, or "".
std::string badName(const std::string& name) {
  if (name.empty() || name.size() > 255) {
    return "an entry name is empty or longer than 255 bytes";
  }
  if (name.front() == '/' || (name.size() > 1 && name[1] == ':')) {
    return "the entry '" + name + "' has an absolute path";
  }
  for (unsigned char ch : name) {
    if (ch < 0x20 || ch == 0x7f || ch == '\\') {
      return "an entry name holds a control character or a backslash";
    }
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = name.find('/', start);
    std::string part =
        name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      return "the entry '" + name + "' climbs out of the archive with '..'";
    }
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
  return "";
}

using ZipHandle = std::shared_ptr<zip_t>;

// One entry, decompressed as it is read; never more bytes than its header declared.
class ZipEntrySource final : public ByteSource {
 public:
  ZipEntrySource(ZipHandle zip, zip_file_t* file, std::uint64_t declared, std::string where)
      : zip_(std::move(zip)), file_(file), declared_(declared), where_(std::move(where)) {}
  ~ZipEntrySource() override { zip_fclose(file_); }
  ZipEntrySource(const ZipEntrySource&) = delete;
  ZipEntrySource& operator=(const ZipEntrySource&) = delete;

  Result<std::size_t> read(char* buffer, std::size_t size) override {
    zip_int64_t n = zip_fread(file_, buffer, size);
    if (n < 0) {
      return Error{"IO", std::string("reading the zip: ") + zip_file_strerror(file_), where_};
    }
    total_ += static_cast<std::uint64_t>(n);
    if (total_ > declared_) {
      return Error{"FILE_REFUSED", "the entry expands past the size its header declares", where_};
    }
    std::size_t got = static_cast<std::size_t>(n);
    if (first_) {
      first_ = false;
      // A UTF-8 byte order mark is not data.
      if (got >= 3 && static_cast<unsigned char>(buffer[0]) == 0xEF &&
          static_cast<unsigned char>(buffer[1]) == 0xBB &&
          static_cast<unsigned char>(buffer[2]) == 0xBF) {
        std::copy(buffer + 3, buffer + got, buffer);
        got -= 3;
        if (got == 0 && n > 0) {
          return read(buffer, size);
        }
      }
    }
    return got;
  }

 private:
  ZipHandle zip_;
  zip_file_t* file_;
  std::uint64_t declared_;
  std::uint64_t total_ = 0;
  bool first_ = true;
  std::string where_;
};

class ZipBundle final : public BundleFiles {
 public:
  ZipBundle(std::string path, ZipHandle zip, std::map<std::string, zip_uint64_t> entries,
            std::map<std::string, std::uint64_t> sizes)
      : path_(std::move(path)),
        zip_(std::move(zip)),
        entries_(std::move(entries)),
        sizes_(std::move(sizes)) {}
  std::string describe() const override { return path_; }
  bool has(const std::string& name) const override { return entries_.count(name) > 0; }
  Result<std::unique_ptr<ByteSource>> open(const std::string& name) override {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      return Error{"FILE_MISSING", "the bundle does not hold " + name, path_};
    }
    zip_file_t* f = zip_fopen_index(zip_.get(), it->second, 0);
    if (!f) {
      return Error{"IO", std::string("opening ") + name + ": " + zip_strerror(zip_.get()), path_};
    }
    return std::unique_ptr<ByteSource>(
        std::make_unique<ZipEntrySource>(zip_, f, sizes_[name], path_ + ": " + name));
  }

 private:
  std::string path_;
  ZipHandle zip_;
  std::map<std::string, zip_uint64_t> entries_;  // bundle file name -> entry index
  std::map<std::string, std::uint64_t> sizes_;   // declared expanded size
};

class FolderBundle final : public BundleFiles {
 public:
  explicit FolderBundle(std::string path) : path_(std::move(path)) {}
  std::string describe() const override { return path_; }
  // Only regular files: a symbolic link in an upload folder is not followed out of it.
  bool has(const std::string& name) const override {
    std::error_code ec;
    return fs::is_regular_file(fs::symlink_status(fs::path(path_) / name, ec));
  }
  Result<std::unique_ptr<ByteSource>> open(const std::string& name) override {
    fs::path file = fs::path(path_) / name;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(file, ec))) {
      return Error{"FILE_REFUSED", name + " is a symbolic link; patrond reads only regular files",
                   file.string()};
    }
    return files::openText(file.string(), "utf-8");
  }

 private:
  std::string path_;
};

Result<std::unique_ptr<BundleFiles>> openZip(const std::string& path, const ZipLimits& limits) {
  int code = 0;
  // No ZIP_CHECKCONS: libzip 1.7 then refuses zips macOS makes (libzip #341). Reads are bounded
  // by each entry's declared size below, and libzip checks every entry's CRC.
  zip_t* raw = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!raw) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Error{"IO", "cannot read the zip: " + why, path};
  }
  ZipHandle zip(raw, [](zip_t* z) { zip_discard(z); });
  zip_int64_t count = zip_get_num_entries(zip.get(), 0);
  if (count < 0 || static_cast<std::uint64_t>(count) > limits.maxEntries) {
    return refused(path, "it holds " + std::to_string(count) + " entries, more than " +
                             std::to_string(limits.maxEntries));
  }
  std::map<std::string, std::pair<zip_uint64_t, zip_stat_t>> all;
  std::uint64_t expanded = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    // Raw names: libzip would turn a control byte of a CP437 name into a printable glyph.
    if (zip_stat_index(zip.get(), static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW, &st) != 0 ||
        !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE) ||
        !(st.valid & ZIP_STAT_COMP_SIZE)) {
      return refused(path, "entry " + std::to_string(i) + " cannot be read");
    }
    std::string name = st.name;
    if (auto why = badName(name); !why.empty()) {
      return refused(path, why);
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
      return refused(path, "the entry '" + name + "' is encrypted");
    }
    expanded += st.size;
    if (expanded > limits.maxExpandedBytes) {
      return refused(path, "its entries expand to more than " +
                               std::to_string(limits.maxExpandedBytes) + " bytes");
    }
    if (st.size > (1u << 20) &&
        st.size / std::max<std::uint64_t>(st.comp_size, 1) > limits.maxRatio) {
      return refused(path, "the entry '" + name + "' expands " +
                               std::to_string(st.size / std::max<std::uint64_t>(st.comp_size, 1)) +
                               " times (a zip bomb); at most " + std::to_string(limits.maxRatio) +
                               " times is taken");
    }
    if (!all.emplace(name, std::make_pair(static_cast<zip_uint64_t>(i), st)).second) {
      return refused(path, "the entry '" + name + "' appears twice");
    }
  }
  // The bundle's folder: the root, or the one folder that holds manifest.csv.
  std::string prefix;
  std::vector<std::string> found;
  for (const auto& [name, entry] : all) {
    auto slash = name.rfind('/');
    if (name == "manifest.csv" ||
        (slash != std::string::npos && name.substr(slash + 1) == "manifest.csv")) {
      found.push_back(slash == std::string::npos ? "" : name.substr(0, slash + 1));
    }
  }
  if (found.size() > 1) {
    return refused(path, "it holds more than one bundle (manifest.csv in '" + found[0] + "' and '" +
                             found[1] + "')");
  }
  if (found.size() == 1) {
    prefix = found[0];
  }
  std::map<std::string, zip_uint64_t> entries;
  std::map<std::string, std::uint64_t> sizes;
  for (const auto& [name, entry] : all) {
    if (name.rfind(prefix, 0) != 0 || name.back() == '/') {
      continue;
    }
    std::string inner = name.substr(prefix.size());
    if (inner.find('/') != std::string::npos) {
      continue;  // files in folders below the bundle's are not part of it
    }
    entries[inner] = entry.first;
    sizes[inner] = entry.second.size;
  }
  return std::unique_ptr<BundleFiles>(
      std::make_unique<ZipBundle>(path, std::move(zip), std::move(entries), std::move(sizes)));
}

}  // namespace

Result<std::unique_ptr<BundleFiles>> openBundle(const std::string& path, const ZipLimits& limits) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    return std::unique_ptr<BundleFiles>(std::make_unique<FolderBundle>(path));
  }
  if (!fs::exists(path, ec)) {
    return Error{"FILE_MISSING", "the OneRoster bundle does not exist", path};
  }
  return openZip(path, limits);
}

}  // namespace patrond::bundle
