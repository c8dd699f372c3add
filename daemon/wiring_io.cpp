// The composition root, part two: the import's sources (files, bundles, SFTP, the password
// hasher), the loop's outside events (folder watches, the HTTP listener) and this host
// (processes, users, access checks).
#include <boost/asio/io_context.hpp>
#include <utility>

#include "adapters/bundle/bundle_files.h"
#include "adapters/crypto/password_hasher.h"
#include "adapters/files/text_file.h"
#include "adapters/http/http_server.h"
#include "adapters/os/files.h"
#include "adapters/os/process.h"
#include "adapters/sftp/curl_sftp.h"
#include "adapters/sftp/sftp_listing.h"
#include "daemon/wiring.h"
#ifdef _WIN32
#include <boost/asio/post.hpp>

#include "adapters/fswatch/win_watch.h"
#else
#include "adapters/fswatch/inotify_watch.h"
#endif

namespace patrond::daemon {

Result<std::unique_ptr<ByteSource>> openTextFile(const std::string& path,
                                                 const std::string& encoding) {
  return files::openText(path, encoding);
}

Result<std::string> resolveSourceFile(const std::string& directory, const std::string& pattern) {
  return files::resolveSourceFile(directory, pattern);
}

FileStat statFile(const std::string& path) {
  auto st = files::statFile(path);
  return FileStat{st.exists, st.size, st.mtimeNs};
}

Result<std::string> fingerprintFile(const std::string& path) {
  return files::fingerprintFile(path);
}

Result<std::unique_ptr<BundleFiles>> openBundle(const std::string& path) {
  return bundle::openBundle(path);
}

Result<std::unique_ptr<RemoteSource>> openRemoteSource(const SftpConfig& config,
                                                       const std::string& file) {
  return sftp::openSftp(config, processSecrets(), file);
}

std::optional<std::string> refusedRemoteName(std::string_view name) {
  return sftp::refusedRemoteName(name);
}

std::string printableRemoteName(std::string_view name) {
  return sftp::printableName(name);
}

Result<std::unique_ptr<PasswordHasher>> openPasswordHasher(const std::string& keyFile) {
  return crypto::openHasher(keyFile);
}

std::unique_ptr<DirectoryWatch> makeDirectoryWatch(boost::asio::io_context& io) {
#ifdef _WIN32
  return fswatch::makeWindowsWatch(
      [&io](std::function<void()> f) { boost::asio::post(io, std::move(f)); });
#else
  return fswatch::makeInotifyWatch(io);
#endif
}

namespace {

class HttpServerListener final : public HttpListener {
 public:
  explicit HttpServerListener(std::unique_ptr<http::HttpServer> server)
      : server_(std::move(server)) {}
  int port() const override { return server_->port(); }
  void stop() override { server_->stop(); }

 private:
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace

Result<std::unique_ptr<HttpListener>> listenHttp(boost::asio::io_context& io,
                                                 const std::string& host, int port,
                                                 HttpHandler handler, Log& log) {
  auto answer = [handler = std::move(handler)](const std::string& target) {
    HttpAnswer a = handler(target);
    return http::Response{a.status, std::move(a.contentType), std::move(a.body)};
  };
  PATROND_ASSIGN(server, http::listen(io, host, port, std::move(answer), http::Limits{}, log));
  return std::unique_ptr<HttpListener>(std::make_unique<HttpServerListener>(std::move(server)));
}

std::string hostName() {
  return os::hostName();
}

long currentPid() {
  return os::currentPid();
}

std::string bootToken() {
  return os::bootToken();
}

std::string processStartToken(long pid) {
  return os::processStartToken(pid);
}

bool processExists(long pid) {
  return os::processExists(pid);
}

std::string effectiveUserName() {
  return os::effectiveUserName();
}

std::string userLoginName() {
  return os::loginName();
}

bool canListFolder(const std::string& path) {
  return os::canListFolder(path);
}

bool canWriteFolder(const std::string& path) {
  return os::canWriteFolder(path);
}

bool canReadFile(const std::string& path) {
  return os::canReadFile(path);
}

bool canWriteFile(const std::string& path) {
  return os::canWriteFile(path);
}

}  // namespace patrond::daemon
