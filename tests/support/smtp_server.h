#pragma once
// A real SMTP server on loopback for notice tests (aiosmtpd, ../shared notes/servers.md):
// STARTTLS with a self-signed certificate made for the test, messages spooled as files.
// Options make it defer, reject or crash, to test the outbox's retries.

#include <memory>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace patrond::test {

struct SmtpOptions {
  bool starttls = true;  // offer STARTTLS
  bool tls = false;      // implicit TLS instead
  std::vector<std::string> deferOnce{}, reject{};
  int dieOnMessage = 0;
  std::string auth{};  // "user:pass": AUTH required
};

class SmtpServer {
 public:
  explicit SmtpServer(SmtpOptions options = {});
  ~SmtpServer();
  bool start();  // on the same port as before when restarted
  void stop();
  void setOptions(SmtpOptions options) { options_ = std::move(options); }
  bool running();
  std::string error() const { return error_; }
  int port() const { return port_; }
  // The certificate the server presents (trust it through smtp.ca_file).
  std::string caFile() const { return dir_ / "cert.pem"; }
  // The raw messages accepted so far, in order.
  std::vector<std::string> messages() const;

 private:
  TempDir dir_;
  SmtpOptions options_;
  int port_ = 0;
  std::string error_;
  std::unique_ptr<Process> server_;
};

// A header's value from a raw message (unfolded), or "" when absent.
std::string headerOf(const std::string& message, const std::string& name);

}  // namespace patrond::test
