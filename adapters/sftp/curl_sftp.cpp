#include "adapters/sftp/curl_sftp.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <sstream>
#include <string_view>
#include <vector>

#include "adapters/sftp/sftp_listing.h"
#include "engine/glob.h"
#include "engine/text.h"

namespace patrond::sftp {
namespace {

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct HostKeyCheck {
  int result = -1;  // curl_khmatch seen
};

int checkHostKey(CURL*, const curl_khkey*, const curl_khkey*, enum curl_khmatch match, void* data) {
  static_cast<HostKeyCheck*>(data)->result = match;
  // Only a key that is in known_hosts and matches is accepted; nothing is ever added.
  return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

size_t appendText(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// The download's file, with the cap enforced as the bytes arrive: a server may lie about
// the size, or serve an endless device.
struct Download {
  std::FILE* out = nullptr;
  std::uint64_t written = 0;
  std::uint64_t cap = 0;
  bool overCap = false;
};

size_t writeFile(char* p, size_t size, size_t n, void* data) {
  auto* d = static_cast<Download*>(data);
  std::uint64_t bytes = static_cast<std::uint64_t>(size) * n;
  if (d->written + bytes > d->cap) {
    d->overCap = true;
    return 0;  // ends the transfer
  }
  d->written += bytes;
  return std::fwrite(p, size, n, d->out) * size;
}

constexpr std::string_view kPartSuffix = ".part-";

std::string randomTag() {
  static std::mutex m;
  static std::mt19937_64 gen{std::random_device{}()};
  std::lock_guard lock(m);
  char tag[17];
  std::snprintf(tag, sizeof tag, "%016llx", static_cast<unsigned long long>(gen()));
  return tag;
}

// Downloads a killed process left behind (NAME.part-TAG a day old or more). A younger one
// may belong to a download still running elsewhere, and is left alone.
void removeStaleParts(const std::string& localPath) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target(localPath);
  std::string prefix = target.filename().string() + std::string(kPartSuffix);
  auto dayAgo = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (const auto& e : fs::directory_iterator(target.parent_path(), ec)) {
    std::string n = e.path().filename().string();
    if (n.size() > prefix.size() && n.compare(0, prefix.size(), prefix) == 0 &&
        e.is_regular_file(ec) && e.last_write_time(ec) < dayAgo) {
      fs::remove(e.path(), ec);
    }
  }
}

std::string shownName(const std::string& name) {
  return "'" + printableName(name) + "'";
}

bool matches(const std::string& pattern, const std::string& name) {
  // FNM_PATHNAME: '*' never matches '/'; FNM_PERIOD: nor a leading '.'.
  return globMatch(pattern, name, {.pathname = true, .period = true});
}

std::string typeName(char type) {
  switch (type) {
    case 'd':
      return "a directory";
    case 'l':
      return "a symbolic link";
    case 'c':
    case 'b':
      return "a device";
    case 'p':
      return "a pipe";
    case 's':
      return "a socket";
    default:
      return "not a regular file";
  }
}

class CurlSftp final : public RemoteSource {
 public:
  CurlSftp(SftpConfig c, std::string file, std::string password, std::string passphrase)
      : c_(std::move(c)),
        pattern_(std::move(file)),
        password_(std::move(password)),
        passphrase_(std::move(passphrase)) {
    base_ = c_.url;
    if (base_.empty() || base_.back() != '/') {
      base_ += '/';
    }
  }

  Result<RemoteListing> list() override {
    RemoteListing out;
    std::vector<std::string> names;
    if (pattern_.find_first_of("*?[") == std::string::npos) {
      // A fixed name is fetched as named (the folder may not be listable).
      if (auto why = refusedRemoteName(pattern_)) {
        return Error{"FILE_REFUSED", "source.file " + shownName(pattern_) + ": " + *why, base_};
      }
      names.push_back(pattern_);
    } else {
      std::string listing;
      CURL* h = handle(base_);
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendText);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, &listing);
      if (auto e = perform(h, base_); !e.ok()) {
        return e.error();
      }
      std::istringstream in(listing);
      for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        auto entry = parseListingLine(line);
        if (!entry) {
          if (!line.empty()) {
            out.skipped.push_back("a listing line that is not understood: " + shownName(line));
          }
          continue;
        }
        // A name '*' matches only across a '/' or a leading '.' is not taken, but reported.
        if (!matches(pattern_, entry->name) && !globMatch(pattern_, entry->name)) {
          continue;
        }
        if (auto why = refusedRemoteName(entry->name)) {
          out.skipped.push_back(shownName(entry->name) + ": " + *why);
        } else if (entry->type != '-') {
          out.skipped.push_back(shownName(entry->name) + ": " + typeName(entry->type) +
                                ", not a regular file");
        } else if (!entry->size) {
          out.skipped.push_back(shownName(entry->name) +
                                ": the server's listing gives no readable size for it");
        } else if (*entry->size > c_.maxSize) {
          out.skipped.push_back(shownName(entry->name) + ": " + tooLarge(entry->size));
        } else {
          names.push_back(entry->name);
        }
      }
    }
    for (const auto& name : names) {
      std::string url = urlOf(name);
      CURL* h = handle(url);
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
      curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
      if (auto e = perform(h, url); !e.ok()) {
        if (e.error().code != "FILE_MISSING" && e.error().code != "FILE_REFUSED") {
          return e.error();
        }
        out.skipped.push_back(shownName(name) + ": " + e.error().message);
        continue;
      }
      curl_off_t size = 0, mtime = 0;
      curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
      curl_easy_getinfo(h, CURLINFO_FILETIME_T, &mtime);
      auto bytes = static_cast<std::uint64_t>(size < 0 ? 0 : size);
      if (bytes > c_.maxSize) {
        out.skipped.push_back(shownName(name) + ": " + tooLarge(bytes));
        continue;
      }
      out.files.push_back({name, bytes, static_cast<std::int64_t>(mtime)});
    }
    std::stable_sort(out.files.begin(), out.files.end(),
                     [](const RemoteFile& a, const RemoteFile& b) { return a.mtime > b.mtime; });
    if (out.files.empty()) {
      std::string why = out.skipped.empty() ? "" : " (skipped " + joinSome(out.skipped, 10);
      return Error{
          "FILE_MISSING",
          (names.size() == 1 && out.skipped.size() <= 1 &&
                   pattern_.find_first_of("*?[") == std::string::npos
               ? "the file " + shownName(pattern_) + " is not on the server or cannot be taken"
               : "no file matching " + pattern_ + " on the server can be taken") +
              (why.empty() ? "" : why + ")"),
          base_};
    }
    return out;
  }

  Result<void> download(const RemoteFile& file, const std::string& localPath) override {
    namespace fs = std::filesystem;
    if (auto why = refusedRemoteName(file.name)) {
      return Error{"FILE_REFUSED", shownName(file.name) + ": " + *why, base_};
    }
    if (file.size > c_.maxSize) {
      return Error{"FILE_REFUSED", shownName(file.name) + ": " + tooLarge(file.size), base_};
    }
    std::error_code ec;
    fs::create_directories(fs::path(localPath).parent_path(), ec);
    removeStaleParts(localPath);
    // A name of its own, created here ("x": never an existing file or a link someone put
    // there): another patrond fetching the same file at the same time (a command beside the
    // service) writes its own, and the one that finishes last renames over the other.
    Download d;
    std::string part;
    for (int attempt = 0; attempt < 16 && !d.out; ++attempt) {
      part = localPath + std::string(kPartSuffix) + randomTag();
      d.out = std::fopen(part.c_str(), "wbx");
    }
    d.cap = c_.maxSize;
    if (!d.out) {
      return Error{"IO", "cannot write the download", part};
    }
    std::string url = urlOf(file.name);
    CURL* h = handle(url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, writeFile);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(c_.maxSize));
    auto r = perform(h, url);
    bool writeFailed = std::fclose(d.out) != 0;
    if (d.overCap || (!r.ok() && r.error().code == "TOO_LARGE")) {
      fs::remove(part, ec);
      return Error{
          "FILE_REFUSED",
          shownName(file.name) + ": " + tooLarge(std::nullopt) + "; the download was stopped", url};
    }
    if (!r.ok() || writeFailed) {
      fs::remove(part, ec);
      return r.ok() ? Error{"IO", "cannot write the download", part} : r.error();
    }
    auto got = fs::file_size(part, ec);
    if (ec || got != file.size) {
      fs::remove(part, ec);
      return Error{"NETWORK",
                   "the download was incomplete (" + std::to_string(got) + " of " +
                       std::to_string(file.size) + " bytes); it will be tried again",
                   url};
    }
    fs::rename(part, localPath, ec);
    if (ec) {
      fs::remove(part, ec);
      return Error{"IO", "cannot move the download into place: " + ec.message(), localPath};
    }
    return {};
  }

  ~CurlSftp() override {
    if (curl_) {
      curl_easy_cleanup(curl_);
    }
  }

 private:
  CURL* handle(const std::string& url) {
    globalInit();
    if (!curl_) {
      curl_ = curl_easy_init();
    } else {
      curl_easy_reset(curl_);
    }
    CURL* h = curl_;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "sftp");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_USERNAME, c_.username.c_str());
    // Always verified (notes: libcurl checks nothing unless this is set).
    curl_easy_setopt(h, CURLOPT_SSH_KNOWNHOSTS, c_.knownHosts.c_str());
    curl_easy_setopt(h, CURLOPT_SSH_KEYFUNCTION, checkHostKey);
    curl_easy_setopt(h, CURLOPT_SSH_KEYDATA, &hostKey_);
    if (!c_.privateKey.empty()) {
      curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES, static_cast<long>(CURLSSH_AUTH_PUBLICKEY));
      curl_easy_setopt(h, CURLOPT_SSH_PRIVATE_KEYFILE, c_.privateKey.c_str());
      std::string pub = c_.privateKey + ".pub";
      if (std::filesystem::exists(pub)) {
        pubKey_ = pub;
        curl_easy_setopt(h, CURLOPT_SSH_PUBLIC_KEYFILE, pubKey_.c_str());
      }
      if (!passphrase_.empty()) {
        curl_easy_setopt(h, CURLOPT_KEYPASSWD, passphrase_.c_str());
      }
    } else {
      curl_easy_setopt(h, CURLOPT_SSH_AUTH_TYPES,
                       static_cast<long>(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
      curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str());
    }
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf_);
    errbuf_[0] = '\0';
    hostKey_.result = -1;
    return h;
  }

  // The name URL-escaped: a space, '#', '%' or '?' is part of the name, not of the URL.
  std::string urlOf(const std::string& name) {
    globalInit();
    char* escaped = curl_easy_escape(nullptr, name.data(), static_cast<int>(name.size()));
    std::string url = base_ + (escaped ? escaped : "");
    curl_free(escaped);
    return url;
  }

  std::string tooLarge(std::optional<std::uint64_t> size) const {
    return (size ? std::to_string(*size) + " bytes, " : std::string()) +
           "larger than source.sftp.max_size (" + std::to_string(c_.maxSize) + " bytes)";
  }

  Result<void> perform(CURL* h, const std::string& where) {
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
      return {};
    }
    std::string detail = errbuf_[0] ? errbuf_ : curl_easy_strerror(rc);
    // The URL holds no password (it is set separately), so it may be shown.
    if (hostKey_.result == CURLKHMATCH_MISMATCH) {
      return Error{"HOST_KEY",
                   "the server's host key does NOT match known_hosts (" + c_.knownHosts +
                       "): refusing to connect. If the server was rebuilt, verify its new key "
                       "with its administrator and update known_hosts",
                   where};
    }
    if (hostKey_.result == CURLKHMATCH_MISSING) {
      return Error{"HOST_KEY",
                   "the server's host key is not in known_hosts (" + c_.knownHosts + ")", where};
    }
    switch (rc) {
      case CURLE_COULDNT_RESOLVE_HOST:
        return Error{"DNS", "cannot resolve the server's name: " + detail, where};
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
        return Error{"CONNECT", "cannot connect to the server: " + detail, where};
      case CURLE_LOGIN_DENIED:
        return Error{"AUTH", "the server refused the login for user " + c_.username + ": " + detail,
                     where};
      case CURLE_REMOTE_FILE_NOT_FOUND:
        return Error{"FILE_MISSING", "the file is not on the server", where};
      case CURLE_REMOTE_ACCESS_DENIED:
        return Error{"FILE_REFUSED", "the server denies reading it: " + detail, where};
      case CURLE_FILESIZE_EXCEEDED:
        return Error{"TOO_LARGE", detail, where};
      case CURLE_PEER_FAILED_VERIFICATION:
        return Error{"HOST_KEY", "host key verification failed: " + detail, where};
      default:
        if (detail.find("uthentication") != std::string::npos) {
          return Error{"AUTH",
                       "the server refused the login for user " + c_.username + ": " + detail,
                       where};
        }
        return Error{"NETWORK", detail, where};
    }
  }

  SftpConfig c_;
  std::string pattern_, password_, passphrase_, base_, pubKey_;
  CURL* curl_ = nullptr;
  HostKeyCheck hostKey_;
  char errbuf_[CURL_ERROR_SIZE] = {};
};

}  // namespace

Result<std::unique_ptr<RemoteSource>> openSftp(const SftpConfig& config, const Secrets& secrets,
                                               const std::string& file) {
  std::string password, passphrase;
  if (!config.password.empty()) {
    auto s = secrets.read(config.password);
    if (!s) {
      return Error{"AUTH", "SFTP password: " + s.error().describe(), config.url};
    }
    password = *s;
  }
  if (!config.passphraseFile.empty()) {
    auto s = secrets.read(SecretRef{config.passphraseFile, ""});
    if (!s) {
      return Error{"AUTH", "SFTP key passphrase: " + s.error().describe(), config.url};
    }
    passphrase = *s;
  }
  if (config.knownHosts.empty() || !std::filesystem::exists(config.knownHosts)) {
    return Error{"HOST_KEY", "known_hosts file " + config.knownHosts + " does not exist",
                 config.url};
  }
  return std::unique_ptr<RemoteSource>(
      std::make_unique<CurlSftp>(config, file, password, passphrase));
}

}  // namespace patrond::sftp
