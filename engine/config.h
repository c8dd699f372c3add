#pragma once
// The whole configuration as plain structs (SPEC sections 3 and 4). The config adapter fills
// them from YAML; validateConfig() checks what spans keys. Values are already typed and
// range-checked when they get here.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/civil_time.h"
#include "engine/patron.h"
#include "engine/ports/pattern.h"

namespace patrond {

// A secret is named, never held in the YAML: a file or an environment variable.
struct SecretRef {
  std::string file;
  std::string env;
  bool empty() const { return file.empty() && env.empty(); }
};

struct Site {
  std::string code, name, type;
  bool operator==(const Site&) const = default;
};

struct DistrictConfig {
  std::string name;
  std::string timezone;               // IANA name; empty: the system's local time
  int statisticalYearStartMonth = 8;  // 1..12
};

enum class DbBackend { kSqlite3, kPostgresql, kMysql };
struct DatabaseConfig {
  DbBackend backend = DbBackend::kSqlite3;
  std::string connection;  // SOCI connection string, without the password
  SecretRef password;
};

enum class LogLevel { kTrace, kDebug, kInfo, kWarning, kError };
struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  std::string file;
  std::uint64_t rotateSize = 10ull * 1024 * 1024;
  int keepFiles = 10;
  bool system = true;
};

enum class SmtpSecurity { kNone, kStarttls, kTls };
struct SmtpConfig {
  std::string host;
  int port = 587;
  SmtpSecurity security = SmtpSecurity::kStarttls;
  std::string username;
  SecretRef password;
  std::string from;
  bool verifyCertificate = true;
  std::string caFile;
};

struct SftpConfig {
  std::string url;
  std::string username;
  SecretRef password;
  std::string privateKey;
  std::string passphraseFile;
  std::string knownHosts;
  std::chrono::seconds pollEvery{15 * 60};
  // A remote file larger than this is not downloaded (a rogue server could fill the disk).
  std::uint64_t maxSize = 2ULL << 30;
};

enum class SourceFormat { kCsv, kOneRoster };
enum class WatchMode { kNotify, kPoll };
struct SourceConfig {
  std::string directory;  // one of directory / sftp
  std::optional<SftpConfig> sftp;
  std::string file;  // name or glob
  std::string encoding = "utf-8";
  std::chrono::seconds settle{5};
  int keepCopies = 0;
  SourceFormat format = SourceFormat::kCsv;
  WatchMode watch = WatchMode::kNotify;  // extension: poll for network shares
  std::chrono::seconds pollEvery{60};    // for watch: poll
};

enum class UpdateType { kFull, kIncremental };
enum class OnNewFile { kNone, kIncremental, kFull };

struct DaySchedule {
  int weekday = 0;  // 0 = Sunday
  UpdateType update = UpdateType::kIncremental;
  std::vector<TimeOfDay> at;
};

enum class SummaryMode { kAll, kErrorsAndWarnings };
struct ImportOptions {
  bool allowDeleteWithTransactions = false;
  SummaryMode summary = SummaryMode::kAll;
  int keepRuns = 50;
};

struct LifecycleScope {
  std::vector<std::string> patronTypes, accessLevels, personas;  // empty: any
};

enum class DeleteInactiveWhen { kNoCheckoutsNoFines, kFinesBelow, kUnrestricted };
struct DeleteInactive {
  int afterDays = 365;
  DeleteInactiveWhen when = DeleteInactiveWhen::kNoCheckoutsNoFines;
  std::int64_t amountCents = 0;  // for fines_below
};
struct DeleteWithTransactions {
  std::optional<int> inactiveDays, gradYearYearsAgo, age;
};
struct Inactivate {
  int notUpdatedDays = 7;
  bool clearHomeroom = true;
  bool prefixUsername = true;
};

struct LifecycleConfig {
  int minRecordsRead = 0;  // 0..999999
  int maxSkipped = 100;
  LifecycleScope scope;
  std::optional<Inactivate> inactivate;
  bool deleteGraduatedSeniors = false;
  std::optional<DeleteInactive> deleteInactive;
  std::optional<DeleteWithTransactions> deleteWithTransactions;
  int maxPercent = 10;  // 0..100
};

// Mapping file (SPEC section 4).
struct Matcher {
  enum class Kind { kEqual, kAnyOf, kRegex, kEmpty, kNot };
  Kind kind = Kind::kEqual;
  std::string value;                // equal; regex source
  std::vector<std::string> values;  // any of
  bool empty = true;                // empty
  // regex: compiled by the regex adapter (RE2, linear time)
  std::shared_ptr<const Pattern> regex;
  std::shared_ptr<const Matcher> inner;  // not
};

struct Rule {
  std::vector<std::pair<PatronField, Matcher>> when;
  std::vector<std::pair<PatronField, std::string>> set;
  std::vector<std::pair<PatronField, std::map<std::string, std::string>>> map;
  std::optional<std::string> skip, reject;
  int line = 0;  // in the mapping file, for messages
};

struct FieldSource {
  std::string column;      // header name
  int columnNumber = 0;    // 1-based when header: false
  std::string dateFormat;  // strftime-like: %Y %m %d %y %b
};

enum class MatchOn { kDistrictId, kBarcode, kUsername };
enum class BarcodeConflict { kSkip, kTakeFromInactive };

struct Mapping {
  std::string path;
  bool header = true;
  char delimiter = ',';
  MatchOn matchOn = MatchOn::kDistrictId;
  std::vector<std::pair<PatronField, FieldSource>> fields;
  std::vector<std::pair<PatronField, std::string>> defaults;
  std::vector<Rule> rules;
  BarcodeConflict onBarcodeConflict = BarcodeConflict::kSkip;
  std::vector<PatronField> preserve;
};
PatronField matchField(MatchOn m);

struct ImportJob {
  std::string name;
  SourceConfig source;
  Mapping mapping;
  std::vector<DaySchedule> schedule;
  OnNewFile onNewFile = OnNewFile::kNone;
  ImportOptions options;
  std::optional<LifecycleConfig> lifecycle;
};

struct HomeroomConfig {
  std::string site, name, teacherEmail, teacherName;
  std::optional<int> libraryDay;  // weekday 0..6
  bool notices = true;
};

enum class NoticeReport { kOverdue, kDueSoon, kCheckedOut, kFines };
enum class Delivery { kEmail, kPrint };
enum class SendTo { kHomeroomTeacher, kPatron };
struct NoticeSchedule {
  std::vector<int> days;                // weekdays
  std::optional<int> beforeLibraryDay;  // N days before each homeroom's library day
  std::vector<TimeOfDay> at;
};
struct NoticeConfig {
  std::string name;
  NoticeReport report = NoticeReport::kOverdue;
  std::optional<NoticeSchedule> schedule;
  Delivery deliver = Delivery::kEmail;
  std::string printDir;
  std::vector<std::string> sites;
  std::vector<std::string> excludeHomerooms;
  std::vector<std::string> copyTo;
  std::string fallbackTo;
  std::optional<int> minDaysOverdue, maxDaysOverdue, dueWithinDays;
  std::vector<std::string> materials{"textbook", "library"};
  SendTo sendTo = SendTo::kHomeroomTeacher;
  std::string subject;
  std::string templatePath;
};

// One level of policy: only the keys it sets (site over site type over district).
struct PolicyLevel {
  std::optional<int> loanDays, maxCheckouts, overdueToLostDays;
  std::optional<bool> blockOnFinesOrOverdues, chargeLost;
  std::optional<bool> conditioningEnabled;
  std::map<std::string, int> demoteAfter;
};
struct PolicyTree {
  PolicyLevel district;
  std::map<std::string, PolicyLevel> siteTypes;
  std::map<std::string, PolicyLevel> sites;
};

// Extension: when the daily circulation sweep (SPEC section 6) runs, district time.
struct CirculationConfig {
  TimeOfDay sweepAt{1, 0};
};

struct Condition {
  std::string name;
  int percent = 0;
};

// SPEC section 11 `monitoring`: health, metrics and administrator alerts.
enum class AlertKind { kRunFailed, kGuardStopped, kSourceUnreachable, kDeliveryFailed };
struct AlertsConfig {
  std::vector<std::string> to;
  std::vector<AlertKind> on{AlertKind::kRunFailed, AlertKind::kGuardStopped,
                            AlertKind::kSourceUnreachable, AlertKind::kDeliveryFailed};
  std::chrono::seconds repeatAfter{24 * 3600};
  bool wants(AlertKind k) const;
};
struct MonitoringConfig {
  std::chrono::seconds grace{2 * 3600};
  std::string metrics;  // "HOST:PORT"; empty: no metrics server
  std::optional<AlertsConfig> alerts;
};

struct Config {
  std::string path;  // the patrond.yaml it came from
  DistrictConfig district;
  DatabaseConfig database;
  LoggingConfig logging;
  std::vector<Site> sites;
  std::optional<SmtpConfig> smtp;
  std::vector<ImportJob> imports;
  std::vector<HomeroomConfig> homerooms;
  std::vector<NoticeConfig> notices;
  PolicyTree textbookPolicies;
  PolicyTree libraryPolicies;
  std::vector<Condition> conditions;
  CirculationConfig circulation;
  MonitoringConfig monitoring;

  const ImportJob* findJob(std::string_view name) const;
  const Site* findSite(std::string_view code) const;
};

// A problem found in a configuration, by its key path ("imports[0].lifecycle.max_percent").
struct ConfigIssue {
  std::string path;
  std::string message;
  bool warning = false;
};

// Checks that span keys (mapping fields vs match_on, delete rules vs options, site codes,
// notice settings vs smtp). Pure; the loader maps each path back to its file:line:col.
std::vector<ConfigIssue> validateConfig(const Config& config);

std::vector<Condition> defaultConditions();

}  // namespace patrond
