#include "adapters/sql/db_maintenance.h"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "adapters/os/files.h"
#include "adapters/os/process.h"
#include "adapters/sql/schema.h"
#include "adapters/sql/soci_common.h"
#include "adapters/sql/soci_store.h"
#include "adapters/sql/soci_store_impl.h"
#include "engine/text.h"

namespace patrond::sql {

namespace fs = std::filesystem;
using namespace sqlite_api;

namespace {

std::uint64_t fileSize(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// Bytes the database takes: the SQLite file and its WAL, the server's own accounting.
Result<std::uint64_t> databaseSize(soci::session& sql, const DatabaseConfig& config) {
  return guarded(config.backend, "reading the database size", [&]() -> Result<std::uint64_t> {
    long long n = 0;
    soci::indicator ind = soci::i_ok;
    switch (config.backend) {
      case DbBackend::kSqlite3: {
        fs::path file = sqliteFile(config.connection);
        return fileSize(file) + fileSize(file.string() + "-wal");
      }
      case DbBackend::kPostgresql:
        sql << "SELECT pg_database_size(current_database())", soci::into(n, ind);
        break;
      case DbBackend::kMysql:
        sql << "SELECT COALESCE(SUM(data_length + index_length), 0) FROM "
               "information_schema.tables WHERE table_schema = DATABASE()",
            soci::into(n, ind);
        break;
    }
    return static_cast<std::uint64_t>(ind == soci::i_null || n < 0 ? 0 : n);
  });
}

}  // namespace

int latestSchemaVersion(DbBackend backend) {
  auto all = migrations(backend);
  return all.empty() ? 0 : all.back().version;
}

Result<DbStatus> databaseStatus(const DatabaseConfig& config, const Secrets& secrets) {
  DbStatus s;
  s.backend = backendName(config.backend);
  s.latestVersion = latestSchemaVersion(config.backend);
  if (config.backend == DbBackend::kSqlite3) {
    std::error_code ec;
    fs::path file = fs::absolute(sqliteFile(config.connection), ec);
    s.location = (ec ? fs::path(sqliteFile(config.connection)) : file).lexically_normal().string();
    s.exists = fs::exists(s.location, ec);
  } else {
    s.location = redactSecrets(config.connection);
  }
  if (!s.exists) {
    for (const auto& m : migrations(config.backend)) {
      s.pending.push_back(m.version);
    }
    return s;
  }
  // One connection: its size first, then the store it becomes reads the schema version.
  auto session = openSession(config, secrets, OpenMode::kExisting);
  if (!session) {
    return session.error();
  }
  auto size = databaseSize(**session, config);
  if (!size) {
    return size.error();
  }
  SociStore store(config.backend, std::move(*session));
  auto version = store.schemaVersion();
  if (!version) {
    return version.error();
  }
  s.schemaVersion = *version;
  for (const auto& m : migrations(config.backend)) {
    if (m.version > s.schemaVersion) {
      s.pending.push_back(m.version);
    }
  }
  s.sizeBytes = *size;
  return s;
}

namespace {

// Copies every page of `from` into `to` in one step: the source's read transaction keeps the
// copy consistent while other connections write (WAL). Retries while the source is locked.
std::string copyPages(sqlite3* from, sqlite3* to) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (b == nullptr) {
    return sqlite3_errmsg(to);
  }
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < 200; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sqlite3_backup_finish(b);
  return rc == SQLITE_DONE ? std::string() : std::string(sqlite3_errstr(rc));
}

}  // namespace

Result<void> backupSqlite(const DatabaseConfig& config, const Secrets& secrets,
                          const std::string& target) {
  if (config.backend != DbBackend::kSqlite3) {
    const char* tool = config.backend == DbBackend::kPostgresql ? "pg_dump" : "mariadb-dump";
    return Error{"USAGE",
                 std::string("db backup copies SQLite databases only; back up this ") +
                     backendName(config.backend) + " database with " + tool +
                     " (see docs/database.md)",
                 "database.backend"};
  }
  std::error_code ec;
  if (target.empty()) {
    return Error{"USAGE", "name the file to write the copy to", "PATH"};
  }
  if (fs::exists(target, ec) || fs::is_symlink(target, ec)) {
    return Error{"USAGE", "it exists already; name a new file (nothing was overwritten)", target};
  }
  auto source = openSession(config, secrets, OpenMode::kExisting);
  if (!source) {
    return source.error();
  }
  // A name of this process's own: two backups to one name never write into one file.
  std::string part = target + ".part-" + std::to_string(os::currentPid());
  fs::remove(part, ec);
  sqlite3* out = nullptr;
  int rc = sqlite3_open_v2(part.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::string error = rc == SQLITE_OK ? copyPages(sqliteHandle(**source), out)
                                      : std::string(out ? sqlite3_errmsg(out) : "out of memory");
  if (error.empty()) {
    // One self-contained file: the copy leaves WAL mode and needs no -wal beside it.
    sqlite3_exec(out, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
  }
  sqlite3_close(out);
  if (error.empty() && !os::linkNoReplace(part, target)) {
    // link(), not rename(): a file that appeared under the name meanwhile is never replaced.
    error = errno == EEXIST ? target + " appeared meanwhile; nothing was overwritten"
                            : "cannot create " + target + ": " + std::strerror(errno);
  }
  fs::remove(part, ec);
  if (!error.empty()) {
    return Error{"DB", "backup failed: " + error, target};
  }
  return okResult();
}

}  // namespace patrond::sql
