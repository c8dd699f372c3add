#pragma once
// A real OpenSSH server on loopback for SFTP tests (../shared notes/servers.md): its own
// ed25519 host key, a test user with a password and an ed25519 client key. Needs root (to
// create the user once) and the openssh-server package. Stop/start to test outages.

#include <memory>
#include <string>

#include "tests/support/temp_dir.h"

namespace patrond::test {

class SftpServer {
 public:
  SftpServer();
  ~SftpServer();
  bool start();
  void stop();
  std::string error() const { return error_; }
  int port() const { return port_; }
  std::string user() const { return "patrondsftp"; }
  std::string password() const { return "sftp-Pass 1"; }
  std::string clientKey() const { return dir_ / "client"; }
  std::string authorizedKeys() const { return dir_ / ("keys/" + user()); }
  std::string knownHosts() const { return dir_ / "known_hosts"; }
  // A known_hosts naming this server with some other key.
  std::string wrongKnownHosts() const { return dir_ / "known_hosts.wrong"; }
  // Files served from here: sftp://127.0.0.1:PORT<root()>/
  std::string root() const { return (dir_.path() / "files").string(); }
  std::string url() const { return "sftp://127.0.0.1:" + std::to_string(port_) + root() + "/"; }

 private:
  TempDir dir_;
  int port_ = 0;
  std::string error_;
  std::unique_ptr<Process> sshd_;
};

}  // namespace patrond::test
