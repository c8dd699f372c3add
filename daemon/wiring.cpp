// The composition root, part one: the secrets, the configuration, the database, the time
// zone, the log and the notice run's outputs. Sources, the loop's events and this host are
// in wiring_io.cpp.
#include "daemon/wiring.h"

#include "adapters/config/yaml_config.h"
#include "adapters/log/boost_log.h"
#include "adapters/log/journal.h"
#include "adapters/os/files.h"
#include "adapters/secrets/file_secrets.h"
#include "adapters/smtp/mime.h"
#include "adapters/smtp/smtp_mailer.h"
#include "adapters/sql/db_maintenance.h"
#include "adapters/sql/soci_store.h"
#include "adapters/templates/mustache_renderer.h"
#include "adapters/timezone/tz_zone.h"

namespace patrond::daemon {

const Secrets& processSecrets() {
  static const secrets::FileSecrets kSecrets;
  return kSecrets;
}

LoadedConfig loadConfigFile(const std::string& path, bool readSecrets) {
  config::LoadOptions options;
  options.readSecrets = readSecrets;
  auto result = config::loadConfig(path, options);
  LoadedConfig out;
  out.config = std::move(result.config);
  out.diagnostics.reserve(result.diagnostics.size());
  for (const auto& d : result.diagnostics) {
    out.diagnostics.push_back(ConfigDiagnostic{d.format(), d.warning, d.excerpt});
  }
  return out;
}

std::vector<ConfigKey> configKeyReference() {
  std::vector<ConfigKey> out;
  for (auto& k : config::keyReference()) {
    out.push_back(ConfigKey{std::move(k.path), std::move(k.doc)});
  }
  return out;
}

std::vector<std::string> templateProblems(const Config& config) {
  return templates::templateProblems(config);
}

Result<std::unique_ptr<PatronStore>> openPatronStore(const DatabaseConfig& config, DbOpen mode) {
  return sql::openStore(
      config, processSecrets(),
      mode == DbOpen::kExisting ? sql::OpenMode::kExisting : sql::OpenMode::kCreate);
}

std::string sqliteFile(const std::string& connection) {
  return sql::sqliteFile(connection);
}

Result<DbStatus> databaseStatus(const DatabaseConfig& config) {
  return sql::databaseStatus(config, processSecrets());
}

Result<void> backupSqlite(const DatabaseConfig& config, const std::string& target) {
  return sql::backupSqlite(config, processSecrets(), target);
}

Result<std::unique_ptr<TimeZone>> makeTimeZone(const std::string& name) {
  return tz::makeZone(name);
}

std::shared_ptr<Log> makeLog(const LogOptions& options) {
  logging::LogSetup setup;
  setup.config = options.config;
  setup.console = options.console;
  setup.journal = options.journal;
  setup.zone = options.zone;
  return logging::setupLog(setup);
}

bool journalReachable() {
  return logging::journalReachable();
}

bool stderrIsJournal() {
  return logging::stderrIsJournal();
}

Result<std::unique_ptr<NoticeRenderer>> makeRenderer(const Config& config,
                                                     const NoticeConfig& notice) {
  return templates::makeNoticeRenderer(config, notice);
}

std::unique_ptr<PrintFolder> makePrintFolder() {
  return std::make_unique<os::NoticeFolder>();
}

std::unique_ptr<MessageIds> makeMessageIds(const std::optional<SmtpConfig>& smtp) {
  return std::make_unique<smtp::SenderMessageIds>(smtp);
}

std::unique_ptr<MailerFactory> makeMailerFactory() {
  return std::make_unique<smtp::SmtpMailerFactory>(processSecrets());
}

}  // namespace patrond::daemon
