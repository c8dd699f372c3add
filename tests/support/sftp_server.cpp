#include "tests/support/sftp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

namespace patrond::test {

namespace fs = std::filesystem;

namespace {
bool canConnect(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(s);
  return ok;
}

std::string firstTwoFields(const std::string& line) {
  auto a = line.find(' ');
  auto b = line.find(' ', a + 1);
  return line.substr(0, b == std::string::npos ? line.find('\n') : b);
}
}  // namespace

SftpServer::SftpServer() {
  if (::access("/usr/sbin/sshd", X_OK) != 0) {
    error_ = "openssh-server is not installed (run scripts/setup.sh --tests)";
    return;
  }
  if (run({"id", user()}).exitCode != 0 &&
      run({"useradd", "--no-create-home", "--shell", "/bin/sh", user()}).exitCode != 0) {
    error_ = "cannot create the test user " + user() + " (tests run as root)";
    return;
  }
  // A locked account refuses even keys without PAM: give it a password.
  run({"sh", "-c", "echo '" + user() + ":" + password() + "' | chpasswd"});
  fs::create_directories("/run/sshd");
  fs::create_directories(dir_.path() / "files");
  fs::create_directories(dir_.path() / "keys");
  run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir_ / "hostkey"});
  run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir_ / "client"});
  run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir_ / "otherhost"});
  writeFile(dir_ / ("keys/" + user()), readFile(dir_ / "client.pub"));
  port_ = freePort();
  std::string host = "[127.0.0.1]:" + std::to_string(port_) + " ";
  writeFile(knownHosts(), host + firstTwoFields(readFile(dir_ / "hostkey.pub")) + "\n");
  writeFile(wrongKnownHosts(), host + firstTwoFields(readFile(dir_ / "otherhost.pub")) + "\n");
  writeFile(dir_ / "sshd_config",
            "Port " + std::to_string(port_) + "\nListenAddress 127.0.0.1\nHostKey " +
                (dir_ / "hostkey") + "\nPidFile " + (dir_ / "sshd.pid") + "\nAuthorizedKeysFile " +
                (dir_ / "keys") +
                "/%u\nStrictModes no\nUsePAM no\nPasswordAuthentication yes\n"
                "KbdInteractiveAuthentication no\nAllowUsers " +
                user() + "\nSubsystem sftp internal-sftp\nForceCommand internal-sftp\n");
  start();
}

SftpServer::~SftpServer() {
  stop();
}

bool SftpServer::start() {
  if (!error_.empty() && sshd_) {
    return false;
  }
  sshd_ = std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/sshd", "-D", "-e", "-f", dir_ / "sshd_config"},
      dir_ / "sshd.log");
  if (!eventually([&] { return canConnect(port_); }, std::chrono::seconds(10))) {
    error_ = "sshd did not start: " + readFile(dir_ / "sshd.log");
    return false;
  }
  return true;
}

void SftpServer::stop() {
  if (sshd_) {
    sshd_->signal(SIGTERM);
    sshd_->wait(std::chrono::seconds(5));
    sshd_.reset();
  }
}

}  // namespace patrond::test
