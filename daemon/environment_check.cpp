#include "daemon/environment_check.h"

#include <filesystem>

#include "daemon/import_execution.h"
#include "daemon/wiring.h"

namespace patrond::daemon {

namespace fs = std::filesystem;

namespace {

#ifdef _WIN32
constexpr const char* kMkdir = "mkdir ";
#else
constexpr const char* kMkdir = "mkdir -p ";
#endif

// What to do about a folder or file the running user cannot use, in the system's terms.
#ifdef _WIN32
constexpr const char* kReadFolderHint =
    "; give NT SERVICE\\patrond (the service) read access in the folder's Security tab";
constexpr const char* kWriteFolderHint =
    "; give NT SERVICE\\patrond (the service) modify access in the folder's Security tab, "
    "or run 'patrond.exe service setup' as the installer does";
constexpr const char* kWriteFileHint =
    "; give NT SERVICE\\patrond (the service) modify access in the file's Security tab";
std::string readFileHint(const std::string&) {
  return "; give NT SERVICE\\patrond (the service) read access in the file's Security tab";
}
#else
constexpr const char* kReadFolderHint =
    "; give that user read access (chmod o+rx, or add it to the folder's group)";
constexpr const char* kWriteFolderHint =
    "; run as the user the service runs as (sudo -u patrond patrond ...) or chown that user "
    "the folder";
constexpr const char* kWriteFileHint =
    "; run as the user the service runs as (sudo -u patrond patrond ...) or chown that user "
    "the file";
std::string readFileHint(const std::string& p) {
  return "; chown root:patrond " + p + " && chmod 640 " + p;
}
#endif

std::string absolute(const std::string& p) {
  std::error_code ec;
  auto a = fs::absolute(p, ec);
  return (ec ? fs::path(p) : a).lexically_normal().string();
}

class Checker {
 public:
  explicit Checker(EnvironmentReport& r) : r_(r), user_(effectiveUserName()) {}

  // A folder patrond reads from (a source): it must exist and be listable.
  void readableFolder(const std::string& what, const std::string& dir) {
    std::string p = note(what, dir);
    if (!isDir(p, what)) {
      return;
    }
    if (!canListFolder(p)) {
      error(p, what + " cannot be read by user " + user_ + kReadFolderHint);
    }
  }

  // A folder patrond writes into. `creatable`: it may be missing when the nearest folder
  // above it is writable (patrond creates it on first use).
  void writableFolder(const std::string& what, const std::string& dir, bool creatable) {
    std::string p = note(what, dir);
    fs::path existing = p;
    std::error_code ec;
    while (creatable && !existing.empty() && !fs::exists(existing, ec) &&
           existing != existing.parent_path()) {
      existing = existing.parent_path();
    }
    if (!isDir(existing.string(), what)) {
      return;
    }
    if (!canWriteFolder(existing.string())) {
      error(existing.string(), what + " is not writable by user " + user_ + kWriteFolderHint);
    }
  }

  // A file patrond reads (a secret, known_hosts, a private key).
  void readableFile(const std::string& what, const std::string& file) {
    std::string p = note(what, file);
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      error(p, what + " does not exist");
    } else if (!fs::is_regular_file(p, ec)) {
      error(p, what + " is not a regular file");
    } else if (!canReadFile(p)) {
      error(p, what + " cannot be read by user " + user_ + readFileHint(p));
    }
  }

  // A file patrond writes when it is there (the SQLite database).
  void writableIfPresent(const std::string& what, const std::string& file) {
    std::string p = note(what, file);
    std::error_code ec;
    if (fs::exists(p, ec) && !canWriteFile(p)) {
      error(p, what + " is not writable by user " + user_ + kWriteFileHint);
    }
  }

  void warn(const std::string& text) { r_.warnings.push_back(text); }

 private:
  std::string note(const std::string& what, const std::string& path) {
    std::string p = absolute(path);
    r_.paths.emplace_back(what, p);
    return p;
  }

  bool isDir(const std::string& p, const std::string& what) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      error(p, ec ? what + " cannot be checked by user " + user_ + " (" + ec.message() + ")"
                  : what + " does not exist; create it (" + kMkdir + p + ") or fix the path");
      return false;
    }
    if (!fs::is_directory(p, ec)) {
      error(p, what + " is not a folder");
      return false;
    }
    return true;
  }

  void error(const std::string& path, const std::string& text) {
    r_.errors.push_back(path + ": " + text);
  }

  EnvironmentReport& r_;
  std::string user_;
};

void checkSftp(Checker& check, const std::string& job, const SftpConfig& s) {
  if (!s.knownHosts.empty()) {
    check.readableFile("known_hosts of import " + job, s.knownHosts);
  }
  if (!s.privateKey.empty()) {
    check.readableFile("private key of import " + job, s.privateKey);
  }
  if (!s.passphraseFile.empty()) {
    check.readableFile("key passphrase of import " + job, s.passphraseFile);
  }
}

void checkMail(Checker& check, const SmtpConfig& smtp) {
  if (smtp.security == SmtpSecurity::kNone && smtp.password.empty()) {
    // With a password the configuration loader has warned already.
    check.warn("smtp.security: none: notices (names and overdue books) go to " + smtp.host +
               " unencrypted; use starttls or tls");
  }
  if (!smtp.caFile.empty()) {
    check.readableFile("smtp.ca_file", smtp.caFile);
  }
}

// Secret files as the user running the check (after a root run has become the state's
// owner): the configuration loader read them already, but perhaps as root.
void checkSecretFiles(Checker& check, const Config& c) {
  if (!c.database.password.file.empty()) {
    check.readableFile("database.password_file", c.database.password.file);
  }
  if (c.smtp && !c.smtp->password.file.empty()) {
    check.readableFile("smtp.password_file", c.smtp->password.file);
  }
  for (const auto& job : c.imports) {
    if (job.source.sftp && !job.source.sftp->password.file.empty()) {
      check.readableFile("the SFTP password of import " + job.name, job.source.sftp->password.file);
    }
  }
}

}  // namespace

EnvironmentReport checkEnvironment(const Config& c) {
  EnvironmentReport r;
  Checker check(r);
  r.paths.emplace_back("configuration", absolute(c.path));
  if (c.database.backend == DbBackend::kSqlite3) {
    check.writableIfPresent("the database", sqliteFile(c.database.connection));
    check.writableFolder("the database folder", stateDirectory(c), false);
  } else if (std::error_code ec; fs::exists(stateDirectory(c), ec)) {
    check.writableFolder("the state folder", stateDirectory(c), false);
  } else {
    check.warn(stateDirectory(c) + ": the state folder does not exist (the package and the " +
               "unit's StateDirectory= create it)");
  }
  for (const auto& job : c.imports) {
    if (job.source.sftp) {
      checkSftp(check, job.name, *job.source.sftp);
    } else {
      // Only read: keep_copies archives into the state folder, not the source folder.
      check.readableFolder("the source folder of import " + job.name, job.source.directory);
    }
  }
  for (const auto& n : c.notices) {
    if (n.deliver == Delivery::kPrint) {
      check.writableFolder("the print folder of notice " + n.name, n.printDir, true);
    }
  }
  if (!c.logging.file.empty()) {
    check.writableFolder("the log folder", fs::path(c.logging.file).parent_path().string(), true);
  }
  if (c.smtp) {
    checkMail(check, *c.smtp);
  }
  checkSecretFiles(check, c);
  return r;
}

}  // namespace patrond::daemon
