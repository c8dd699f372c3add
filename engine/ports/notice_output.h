#pragma once
// Ports of a notice run (engine/notice_run.h): the folder printed notices go to, where each
// e-mail's Message-ID comes from, and how a run reaches its mail server. One thread at a time.

#include <memory>
#include <string>

#include "engine/config.h"
#include "engine/ports/mailer.h"
#include "engine/result.h"

namespace patrond {

// One run's folder of printed notices (the os adapter: files written whole, never through a
// symbolic link).
class PrintFolder {
 public:
  virtual ~PrintFolder() = default;
  // Creates `dir` and its parents when missing and opens it; an error when it is a symbolic
  // link or not a folder.
  virtual Result<void> open(const std::string& dir) = 0;
  // Writes `name` whole into the open folder: a new file renamed into place.
  virtual Result<void> write(const std::string& name, const std::string& content) = 0;
};

// Message-IDs for queued e-mail (the SMTP adapter: unique, from the sender's domain).
class MessageIds {
 public:
  virtual ~MessageIds() = default;
  // A new Message-ID, angle brackets included, for a message of notice date `date`.
  virtual std::string next(const std::string& date) = 0;
};

// Opens a connection to the configured mail server for one delivery.
class MailerFactory {
 public:
  virtual ~MailerFactory() = default;
  virtual Result<std::unique_ptr<Mailer>> open(const SmtpConfig& smtp) = 0;
};

}  // namespace patrond
