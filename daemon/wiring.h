#pragma once
// The composition root: the adapters this process runs with, made in one place
// (wiring*.cpp, the only daemon sources besides main.cpp that include adapters/). The rest of
// the daemon asks here for the engine's ports, or for the small daemon types below, instead
// of naming adapter classes. Thread rules are the adapters': a port made here is used by one
// thread at a time; the free functions may be called from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"
#include "engine/patron_import.h"
#include "engine/ports/bundle_files.h"
#include "engine/ports/byte_source.h"
#include "engine/ports/directory_watch.h"
#include "engine/ports/log.h"
#include "engine/ports/notice_output.h"
#include "engine/ports/notice_renderer.h"
#include "engine/ports/patron_store.h"
#include "engine/ports/remote_source.h"
#include "engine/ports/secrets.h"
#include "engine/ports/time_zone.h"
#include "engine/result.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace patrond::daemon {

// Secrets from files and the environment (adapters/secrets), for every adapter that needs
// one: the database, the mail server, SFTP.
const Secrets& processSecrets();

// --- The configuration (adapters/config, adapters/templates) -----------------------------

// One error or warning of the configuration, already formatted ("file:line:col: path: ...",
// secrets redacted) with the offending lines in `excerpt`.
struct ConfigDiagnostic {
  std::string text;
  bool warning = false;
  std::string excerpt;
  const std::string& format() const { return text; }
};

struct LoadedConfig {
  std::optional<Config> config;  // set when there are no errors (warnings allowed)
  std::vector<ConfigDiagnostic> diagnostics;
  bool ok() const { return config.has_value(); }
};

// Reads and validates the YAML file; every problem is collected. With `readSecrets`
// (check-config) each secret is read now and what cannot be is an error.
LoadedConfig loadConfigFile(const std::string& path, bool readSecrets = false);

// The keys the loader knows, with one line of documentation each (check-config --keys).
struct ConfigKey {
  std::string path;
  std::string doc;
};
std::vector<ConfigKey> configKeyReference();

// The notice templates that do not compile, one line each ("" when all do).
std::vector<std::string> templateProblems(const Config& config);

// --- The database (adapters/sql) ------------------------------------------------------------

enum class DbOpen {
  kCreate,    // a missing SQLite file is created
  kExisting,  // a missing SQLite file is an error
};

// A connection to the configured database; not migrated.
Result<std::unique_ptr<PatronStore>> openPatronStore(const DatabaseConfig& config,
                                                     DbOpen mode = DbOpen::kCreate);

// The SQLite file a connection string names ("" when it names none).
std::string sqliteFile(const std::string& connection);

// What `db status` shows (engine/ports/schema_store.h); opens nothing it would have to create.
Result<DbStatus> databaseStatus(const DatabaseConfig& config);
// A consistent copy of a SQLite database at `target` (`db backup`).
Result<void> backupSqlite(const DatabaseConfig& config, const std::string& target);

// --- Time zone and log (adapters/timezone, adapters/log) -----------------------------------

Result<std::unique_ptr<TimeZone>> makeTimeZone(const std::string& name);

struct LogOptions {
  LoggingConfig config;
  bool console = true;  // stderr
  bool journal = false;
  std::shared_ptr<const TimeZone> zone;
};
// The process's log. Throws std::exception when logging.file cannot be opened.
std::shared_ptr<Log> makeLog(const LogOptions& options);
// Whether journald's socket is there; whether stderr is connected to the journal.
bool journalReachable();
bool stderrIsJournal();

// --- Notices (adapters/templates, adapters/os, adapters/smtp) ------------------------------

Result<std::unique_ptr<NoticeRenderer>> makeRenderer(const Config& config,
                                                     const NoticeConfig& notice);
// The folder printed notices are written to (opened by the notice run).
std::unique_ptr<PrintFolder> makePrintFolder();
// Message-IDs in the sender's domain.
std::unique_ptr<MessageIds> makeMessageIds(const std::optional<SmtpConfig>& smtp);
// Connections to the mail server, with the process's secrets.
std::unique_ptr<MailerFactory> makeMailerFactory();

// --- Source files (adapters/files, adapters/bundle, adapters/sftp, adapters/crypto) --------

// A text file as UTF-8 bytes from `encoding`.
Result<std::unique_ptr<ByteSource>> openTextFile(const std::string& path,
                                                 const std::string& encoding);
// The newest file in `directory` matching `pattern` (a name or a glob).
Result<std::string> resolveSourceFile(const std::string& directory, const std::string& pattern);

struct FileStat {
  bool exists = false;
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
};
FileStat statFile(const std::string& path);
// A digest of the file's content: the same content is not imported twice.
Result<std::string> fingerprintFile(const std::string& path);

// A OneRoster bundle from a .zip (within the zip limits) or a folder.
Result<std::unique_ptr<BundleFiles>> openBundle(const std::string& path);
// The SFTP source of a job, with the process's secrets.
Result<std::unique_ptr<RemoteSource>> openRemoteSource(const SftpConfig& config,
                                                       const std::string& file);
// Why a remote file name may not be downloaded (nullopt: it may); the name made printable.
std::optional<std::string> refusedRemoteName(std::string_view name);
std::string printableRemoteName(std::string_view name);

// The password hasher keyed by the file at `keyFile` (created when missing).
Result<std::unique_ptr<PasswordHasher>> openPasswordHasher(const std::string& keyFile);

// --- The loop's outside events (adapters/fswatch, adapters/http) ---------------------------

// Changes to a folder, delivered on `io`'s thread: inotify, or ReadDirectoryChangesW.
std::unique_ptr<DirectoryWatch> makeDirectoryWatch(boost::asio::io_context& io);

struct HttpAnswer {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};
// A listening HTTP server (GET only, bounded) running on the io_context it was given.
class HttpListener {
 public:
  virtual ~HttpListener() = default;
  virtual int port() const = 0;
  // On the io_context's thread.
  virtual void stop() = 0;
};
using HttpHandler = std::function<HttpAnswer(const std::string& target)>;
Result<std::unique_ptr<HttpListener>> listenHttp(boost::asio::io_context& io,
                                                 const std::string& host, int port,
                                                 HttpHandler handler, Log& log);

// --- This host: processes, users, access (adapters/os) -------------------------------------

std::string hostName();
long currentPid();
// The boot id and pid namespace ("boot.pidns"), and a process's start time: with the pid,
// they tell a process from a later one that got the same pid.
std::string bootToken();
std::string processStartToken(long pid);
bool processExists(long pid);
std::string effectiveUserName();
std::string userLoginName();
bool canListFolder(const std::string& path);
bool canWriteFolder(const std::string& path);
bool canReadFile(const std::string& path);
bool canWriteFile(const std::string& path);

}  // namespace patrond::daemon
