#include "adapters/sql/soci_store.h"

#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <mutex>

#include "adapters/sql/mysql_load.h"
#include "adapters/sql/soci_alerts.h"
#include "adapters/sql/soci_circulation.h"
#include "adapters/sql/soci_common.h"
#include "adapters/sql/soci_outbox.h"
#include "adapters/sql/soci_store_impl.h"
#include "engine/patron_archive.h"
#include "engine/text.h"

namespace patrond::sql {

std::string columnName(PatronField f) {
  return f == PatronField::kPassword ? "password_hash" : std::string(fieldInfo(f).name);
}

// Columns that are unique keys store "" as NULL so several patrons may lack them.
bool nullWhenEmpty(PatronField f) {
  return f == PatronField::kDistrictId || f == PatronField::kBarcode;
}

std::string patronNamed(const std::string& what, const Patron& p) {
  std::string s = what + " " + p.get(PatronField::kDistrictId);
  if (p.line > 0) {
    s += " (line " + std::to_string(p.line) + ")";
  }
  return s;
}

std::string withoutInactivePrefix(const std::string& col) {
  const std::string prefix(kInactivePrefix);  // letters and a hyphen: nothing to quote
  const std::string length = std::to_string(prefix.size());
  return "CASE WHEN SUBSTR(" + col + ", 1, " + length + ") = '" + prefix + "' THEN SUBSTR(" + col +
         ", " + std::to_string(prefix.size() + 1) + ") ELSE " + col + " END";
}

SociStore::SociStore(DbBackend backend, std::unique_ptr<soci::session> sql)
    : backend_(backend),
      dialect_(backend),
      sql_(std::move(sql)),
      circulation_(makeCirculationStore(backend_, *sql_, *this)),
      outbox_(makeOutboxStore(backend_, *sql_, *this)),
      alerts_(makeAlertStore(backend_, *sql_, *this)) {}

namespace {

#ifdef _WIN32
constexpr const char* kMkdir = "mkdir ";
#else
constexpr const char* kMkdir = "mkdir -p ";
#endif

using namespace sqlite_api;

std::string quoteParam(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "'";
}

// SQLite's defaults serialize every call on a connection mutex and count every allocation
// under a global one: together a quarter of a bulk import's time. patrond never shares a
// connection between threads at once (each worker and the loop open their own), which is
// what multi-thread mode requires. Set once, before SQLite initializes; if something
// initialized it first, the defaults stay (slower, never wrong).
void configureSqlite() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

}  // namespace

std::string sqliteFile(const std::string& connection) {
  return connection.rfind("db=", 0) == 0 ? connection.substr(3, connection.find(' ') - 3)
                                         : connection;
}

Result<std::unique_ptr<PatronStore>> openStore(const DatabaseConfig& config, const Secrets& secrets,
                                               OpenMode mode) {
  auto s = openSession(config, secrets, mode);
  if (!s) {
    return s.error();
  }
  return std::unique_ptr<PatronStore>(std::make_unique<SociStore>(config.backend, std::move(*s)));
}

Result<std::unique_ptr<soci::session>> openSession(const DatabaseConfig& config,
                                                   const Secrets& secrets, OpenMode mode) {
  std::string conn = config.connection;
  if (!config.password.empty()) {
    auto secret = secrets.read(config.password);
    if (!secret) {
      return Error{"DB", "database password: " + secret.error().describe(), "database"};
    }
    conn += " password=" + quoteParam(*secret);
  }
  try {
    std::unique_ptr<soci::session> s;
    switch (config.backend) {
      case DbBackend::kSqlite3: {
        std::string file = sqliteFile(conn);
        // The folder first: migrating into a folder that is not there cannot work either.
        auto dir = std::filesystem::path(file).parent_path();
        if (!dir.empty() && !std::filesystem::exists(dir)) {
          const std::string abs = std::filesystem::absolute(dir).string();
          return Error{"DB_MISSING",
                       "the database folder " + abs + " does not exist: create it (" +
                           std::string(kMkdir) + abs +
                           ") or fix the path, then run 'patrond db migrate'",
                       "database.connection"};
        }
        if (mode == OpenMode::kExisting && !std::filesystem::exists(file)) {
          return Error{"DB_MISSING",
                       "the database file " + std::filesystem::absolute(file).string() +
                           " does not exist: run 'patrond db migrate' to create it",
                       "database.connection"};
        }
        configureSqlite();
        s = std::make_unique<soci::session>(soci::sqlite3, conn);
        // First: every later statement, the journal mode included, waits for a busy lock
        // (an import in another process) instead of failing.
        *s << "PRAGMA busy_timeout = 10000";
        *s << "PRAGMA journal_mode = WAL";
        *s << "PRAGMA synchronous = NORMAL";
        *s << "PRAGMA cache_size = " + std::to_string(kSqliteCacheKib);
        *s << "PRAGMA temp_store = MEMORY";
        break;
      }
      case DbBackend::kPostgresql:
        s = std::make_unique<soci::session>(soci::postgresql, conn);
        *s << "SET client_min_messages = warning";
        break;
      case DbBackend::kMysql:
        // local_infile lets bulk inserts use LOAD DATA LOCAL from memory; every other
        // request of a file by the server is refused (refuseLocalFiles).
        s = std::make_unique<soci::session>(soci::mysql, conn + " charset=utf8mb4 local_infile=1");
        refuseLocalFiles(*s);
        *s << "SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES,NO_ZERO_DATE'";
        break;
    }
    return s;
  } catch (const std::exception& e) {
    return Error{"DB", "cannot connect: " + redactSecrets(e.what()), backendName(config.backend)};
  }
}

}  // namespace patrond::sql
