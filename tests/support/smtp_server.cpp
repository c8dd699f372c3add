#include "tests/support/smtp_server.h"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <thread>

namespace patrond::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

SmtpServer::SmtpServer(SmtpOptions options) : options_(std::move(options)) {
  port_ = freePort();
  CommandResult r =
      run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
           "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
           dir_ / "key.pem", "-out", dir_ / "cert.pem"});
  if (r.exitCode != 0) {
    error_ = "openssl could not make a certificate: " + r.err;
  }
}

SmtpServer::~SmtpServer() {
  stop();
}

bool SmtpServer::start() {
  if (!error_.empty()) {
    return false;
  }
  std::string spool = dir_ / "spool";
  fs::remove(fs::path(spool) / "ready");
  std::vector<std::string> argv{"/usr/bin/python3",
                                std::string(PATROND_SOURCE_DIR) + "/tests/support/smtp_server.py",
                                "--port",
                                std::to_string(port_),
                                "--spool",
                                spool,
                                "--cert",
                                caFile(),
                                "--key",
                                dir_ / "key.pem"};
  if (!options_.starttls) {
    argv.push_back("--no-starttls");
  }
  if (options_.tls) {
    argv.push_back("--tls");
  }
  for (const auto& a : options_.deferOnce) {
    argv.insert(argv.end(), {"--defer-once", a});
  }
  for (const auto& a : options_.reject) {
    argv.insert(argv.end(), {"--reject", a});
  }
  if (options_.dieOnMessage > 0) {
    argv.insert(argv.end(), {"--die-on-message", std::to_string(options_.dieOnMessage)});
  }
  if (!options_.auth.empty()) {
    argv.insert(argv.end(), {"--auth", options_.auth});
  }
  server_ = std::make_unique<Process>(argv, dir_ / "server.log");
  if (!eventually([&] { return fs::exists(fs::path(spool) / "ready") || !server_->running(); },
                  15s) ||
      !fs::exists(fs::path(spool) / "ready")) {
    error_ = "the SMTP server did not start: " + readFile(dir_ / "server.log");
    return false;
  }
  return true;
}

bool SmtpServer::running() {
  return server_ && server_->running();
}

void SmtpServer::stop() {
  if (server_) {
    if (server_->running()) {
      server_->signal(SIGTERM);
      if (server_->wait(5000ms) < 0) {
        server_->signal(SIGKILL);
        server_->wait(2000ms);
      }
    }
    server_.reset();
  }
}

std::vector<std::string> SmtpServer::messages() const {
  std::vector<std::string> files;
  fs::path spool = dir_.path() / "spool";
  if (fs::exists(spool)) {
    for (const auto& e : fs::directory_iterator(spool)) {
      if (e.path().extension() == ".eml") {
        files.push_back(e.path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) {
    out.push_back(readFile(f));
  }
  return out;
}

std::string headerOf(const std::string& message, const std::string& name) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
  };
  std::string head = message.substr(0, message.find("\r\n\r\n")) + "\r\n";
  std::string key = lower(name + ":");
  std::string value;
  bool inside = false;
  for (size_t i = 0; i < head.size();) {
    size_t end = head.find("\r\n", i);
    std::string line = head.substr(i, end - i);
    i = end + 2;
    if (inside && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      value += line;
      continue;
    }
    if (inside) {
      break;
    }
    if (lower(line.substr(0, key.size())) == key) {
      inside = true;
      value = line.substr(key.size());
    }
  }
  size_t first = value.find_first_not_of(" \t");
  return first == std::string::npos ? "" : value.substr(first);
}

}  // namespace patrond::test
