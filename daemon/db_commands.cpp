#include "daemon/db_commands.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "daemon/wiring.h"
#include "engine/text.h"

namespace patrond::daemon {

namespace {

std::string versionList(const std::vector<int>& versions) {
  std::string out;
  for (int v : versions) {
    out += (out.empty() ? "" : ", ") + std::to_string(v);
  }
  return out.empty() ? "none" : out;
}

void printStatus(const DbStatus& s, bool json) {
  if (json) {
    nlohmann::json j{
        {"backend", s.backend},
        {"location", s.location},
        {"exists", s.exists},
        {"schema_version", s.schemaVersion},
        {"latest_version", s.latestVersion},
        {"pending_migrations", s.pending},
        {"size_bytes", s.sizeBytes ? nlohmann::json(*s.sizeBytes) : nlohmann::json(nullptr)}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "backend: " << s.backend << "\n"
            << "database: " << escapeControl(s.location) << (s.exists ? "" : " (does not exist)")
            << "\n"
            << "schema version: " << s.schemaVersion << " (this patrond: " << s.latestVersion
            << ")\n"
            << "pending migrations: " << versionList(s.pending) << "\n"
            << "size: " << (s.sizeBytes ? std::to_string(*s.sizeBytes) + " bytes" : "-") << "\n";
}

}  // namespace

int cmdDbStatus(App& app) {
  auto status = databaseStatus(app.config().database);
  if (!status) {
    return fail(kExitFailed, status.error().describe());
  }
  printStatus(*status, app.json());
  if (!status->exists || !status->pending.empty()) {
    return fail(kExitUsage,
                "the database " + status->location +
                    (status->exists ? " is not at the current schema" : " does not exist") +
                    ": run 'patrond db migrate'");
  }
  if (status->schemaVersion > status->latestVersion) {
    return fail(kExitUsage, "the database schema is newer than this patrond: upgrade patrond");
  }
  return kExitOk;
}

int cmdDbBackup(App& app, const std::string& target) {
  if (target.empty()) {
    return fail(kExitUsage,
                "db backup: name the file to write the copy to, e.g. "
                "/var/lib/patrond/backup.db");
  }
  std::error_code ec;
  auto absolute = std::filesystem::absolute(target, ec).lexically_normal().string();
  if (ec) {
    return fail(kExitUsage, "db backup: " + escapeControl(target) + ": " + ec.message());
  }
  const auto folder = std::filesystem::path(absolute).parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    return fail(kExitUsage, "db backup: the folder " + escapeControl(folder.string()) +
                                " does not exist; create it or name a file in an existing folder");
  }
  auto done = backupSqlite(app.config().database, absolute);
  if (!done) {
    const Error& e = done.error();
    return fail(exitCodeFor(e), e.describe());
  }
  if (app.json()) {
    std::cout << nlohmann::json{{"ok", true}, {"backup", absolute}}.dump(2) << "\n";
  } else {
    std::cout << "backed up the database to " << escapeControl(absolute) << "\n";
  }
  return kExitOk;
}

}  // namespace patrond::daemon
