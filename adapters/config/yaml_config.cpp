#include "adapters/config/yaml_config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include "adapters/config/secret_file.h"
#include "adapters/config/sections.h"
#include "adapters/config/yaml_file.h"
#include "adapters/timezone/tz_zone.h"
#include "engine/text.h"

namespace patrond::config {

std::string Diagnostic::format() const {
  std::ostringstream o;
  o << file;
  if (line > 0) {
    o << ':' << line << ':' << column;
  }
  o << ": ";
  if (warning) {
    o << "warning: ";
  }
  if (!path.empty()) {
    o << path << ": ";
  }
  o << message;
  // Diagnostics go to stderr, check-config's JSON and the service log: never a credential.
  return redactSecrets(o.str());
}

Result<std::string> readSecret(const SecretRef& ref) {
  return secrets::FileSecrets().read(ref);
}

namespace {

const Keys<DistrictConfig>& districtKeys() {
  using D = DistrictConfig;
  static const Keys<D> keys{
      key("name", &D::name, Text{}, "the district's name"),
      custom<D>("timezone", "an IANA time zone like America/Chicago (default: the system's)",
                [](Loader& L, const YAML::Node& d, const std::string& path, D& c) {
                  L.str(d, "timezone", path, c.timezone);
                  if (!c.timezone.empty() && !tz::zoneExists(c.timezone)) {
                    std::string db = tz::databaseProblem();
                    L.error(d["timezone"], "district.timezone",
                            db.empty() ? "unknown time zone '" + c.timezone +
                                             "' (use an IANA name like America/Chicago)"
                                       : "the time zone database cannot be read (" + db +
                                             "); reinstall patrond, or set PATROND_TZDATA to "
                                             "a folder with the IANA tzdata files");
                  }
                }),
      key("statistical_year_starts", &D::statisticalYearStartMonth, kMonths,
          "the month the statistical (school) year starts, on its first day (default august)"),
  };
  return keys;
}

// A relative SQLite file is relative to the config, like every other path.
void resolveSqliteFile(Loader& L, std::string& cs) {
  std::string file = cs.rfind("db=", 0) == 0 ? cs.substr(3) : cs;
  std::string rest;
  if (size_t sp = file.find(' '); sp != std::string::npos) {
    rest = file.substr(sp);
    file.resize(sp);
  }
  cs = "db=" + L.resolve(file) + rest;
}

const Keys<DatabaseConfig>& databaseKeys() {
  using D = DatabaseConfig;
  static const Keys<D> keys{
      key("backend", &D::backend,
          OneOf<DbBackend>{{{"sqlite3", DbBackend::kSqlite3},
                            {"sqlite", DbBackend::kSqlite3},
                            {"postgresql", DbBackend::kPostgresql},
                            {"mysql", DbBackend::kMysql},
                            {"mariadb", DbBackend::kMysql}}},
          "sqlite3, postgresql or mysql (mariadb)"),
      custom<D>("connection", "the SOCI connection string, without a password",
                [](Loader& L, const YAML::Node& d, const std::string&, D& db) {
                  if (d["connection"]) {
                    L.str(d, "connection", "database", db.connection);
                    if (db.backend == DbBackend::kSqlite3) {
                      resolveSqliteFile(L, db.connection);
                    }
                    L.noCredential(d["connection"], "database.connection", db.connection,
                                   "database.password_file or database.password_env");
                  } else if (db.backend != DbBackend::kSqlite3) {
                    L.error(d, "database.connection", "required key 'connection' is missing");
                  }
                }),
      custom<D>("password_file", "a file holding the password (or password_env)",
                [](Loader& L, const YAML::Node& d, const std::string& path, D& db) {
                  L.secret(d, path, db.password);
                }),
      later<D>("password_env", "an environment variable holding the password"),
  };
  return keys;
}

const Keys<LoggingConfig>& loggingKeys() {
  using G = LoggingConfig;
  static const Keys<G> keys{
      key("level", &G::level,
          OneOf<LogLevel>{{{"trace", LogLevel::kTrace},
                           {"debug", LogLevel::kDebug},
                           {"info", LogLevel::kInfo},
                           {"warning", LogLevel::kWarning},
                           {"error", LogLevel::kError}}},
          "the least severe message logged (default info)"),
      custom<G>("file", "a log file, rotated by size",
                [](Loader& L, const YAML::Node& l, const std::string& path, G& g) {
                  L.filePath(l, "file", path, g.file);
                }),
      custom<G>("rotate_size", "the size a log file is rotated at, like 10MB",
                [](Loader& L, const YAML::Node& l, const std::string&, G& g) {
                  YAML::Node s = l["rotate_size"];
                  if (!s) {
                    return;
                  }
                  auto b =
                      L.scalar(s, "logging.rotate_size") ? parseByteSize(s.Scalar()) : std::nullopt;
                  if (!b || *b < 1024 || *b > (1ull << 40)) {
                    L.error(s, "logging.rotate_size", "expected a size like 10MB (1KB to 1024GB)");
                  } else {
                    g.rotateSize = *b;
                  }
                }),
      key("keep_files", &G::keepFiles, Range{1, 1000}, "rotated files kept"),
      key("system", &G::system, Flag{}, "also log to syslog (journald)"),
  };
  return keys;
}

const Keys<Site>& siteKeys() {
  static const Keys<Site> keys{
      key("code", &Site::code, Text{true}, "the site's code, as in the SIS files"),
      key("name", &Site::name, Text{}, "the site's name"),
      key("type", &Site::type, Text{}, "the site's type (policies by site type)"),
  };
  return keys;
}

const Keys<SmtpConfig>& smtpKeys() {
  using M = SmtpConfig;
  static const Keys<M> keys{
      key("host", &M::host, Text{true}, "the mail server"),
      key("port", &M::port, Range{1, 65535}, "its port (default 587)"),
      key("security", &M::security,
          OneOf<SmtpSecurity>{{{"none", SmtpSecurity::kNone},
                               {"starttls", SmtpSecurity::kStarttls},
                               {"tls", SmtpSecurity::kTls}}},
          "none, starttls or tls (default starttls)"),
      key("username", &M::username, Text{}, "the SMTP user, if the server wants one"),
      custom<M>("password_file", "a file holding the password (or password_env)",
                [](Loader& L, const YAML::Node& s, const std::string& path, M& m) {
                  L.secret(s, path, m.password);
                }),
      later<M>("password_env", "an environment variable holding the password"),
      key("from", &M::from, Text{true}, "the sender's address"),
      key("verify_certificate", &M::verifyCertificate, Flag{},
          "check the server's certificate (default true)"),
      custom<M>("ca_file", "the CA certificates the server's is checked against",
                [](Loader& L, const YAML::Node& s, const std::string& path, M& m) {
                  L.filePath(s, "ca_file", path, m.caFile);
                }),
  };
  return keys;
}

std::optional<SmtpConfig> loadSmtp(Loader& L, const YAML::Node& s) {
  SmtpConfig m;
  if (L.section(s, "smtp", smtpKeys(), m)) {
    if (m.security == SmtpSecurity::kNone && !m.password.empty()) {
      L.warn(s["security"], "smtp.security",
             "security: none sends the SMTP password in clear text; use starttls or tls");
    }
    if (!m.verifyCertificate) {
      L.warn(s["verify_certificate"], "smtp.verify_certificate",
             "the mail server's certificate is not checked: anyone on the way can read the mail "
             "and the password; for a private CA give ca_file instead");
    }
  }
  return m;
}

const Keys<HomeroomConfig>& homeroomKeys() {
  using H = HomeroomConfig;
  static const Keys<H> keys{
      key("site", &H::site, Text{true}, "the homeroom's site code"),
      key("name", &H::name, Text{true}, "the homeroom's name, as in the SIS files"),
      key("teacher_email", &H::teacherEmail, Text{}, "the teacher notices go to"),
      key("teacher_name", &H::teacherName, Text{}, "the teacher's name in notices"),
      custom<H>("library_day", "the weekday the class visits the library",
                [](Loader& L, const YAML::Node& n, const std::string& hp, H& h) {
                  if (YAML::Node d = n["library_day"]; d && L.scalar(d, hp + ".library_day")) {
                    int wd = weekdayByName(L, d, hp + ".library_day", d.Scalar());
                    if (wd >= 0) {
                      h.libraryDay = wd;
                    }
                  }
                }),
      key("notices", &H::notices, Flag{}, "the homeroom gets notices (default true)"),
  };
  return keys;
}

// A list section of patrond.yaml: each entry read by `one`, or an error when it is no list.
template <typename T, typename F>
void loadList(Loader& L, const YAML::Node& s, const std::string& name, const std::string& what,
              std::vector<T>& out, F one) {
  if (!s.IsSequence()) {
    L.error(s, name, "expected a list of " + what);
    return;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    T item;
    one(s[i], name + "[" + std::to_string(i) + "]", item);
    out.push_back(std::move(item));
  }
}

const Keys<CirculationConfig>& circulationKeys() {
  using C = CirculationConfig;
  static const Keys<C> keys{
      custom<C>("sweep_at",
                "HH:MM, district time: when the daily circulation sweep runs (default 01:00)",
                [](Loader& L, const YAML::Node& circ, const std::string& path, C& c) {
                  std::string kp = path + ".sweep_at";
                  if (YAML::Node at = circ["sweep_at"]; at && L.scalar(at, kp)) {
                    if (auto t = parseTimeOfDay(at.Scalar())) {
                      c.sweepAt = *t;
                    } else {
                      L.error(at, kp, "expected a time HH:MM, got '" + at.Scalar() + "'");
                    }
                  }
                }),
  };
  return keys;
}

// conditions: the file names the conditions, each with its percent.
const Keys<std::vector<Condition>>& conditionKeys() {
  static const Keys<std::vector<Condition>> keys{
      custom<std::vector<Condition>>(
          "<name>",
          "0..100: a condition's value as a percent of the purchase price, best first "
          "(default new 100, good 75, fair 50, poor 25, others 0)",
          [](Loader& L, const YAML::Node& s, const std::string& path, std::vector<Condition>& out) {
            for (auto it = s.begin(); it != s.end(); ++it) {
              int pct = 0;
              L.get(s, it->first.Scalar(), path, pct, Range{0, 100});
              out.push_back({it->first.Scalar(), pct});
            }
          }),
  };
  return keys;
}

void loadConditions(Loader& L, const YAML::Node& s, std::vector<Condition>& out) {
  std::vector<Condition> conds;
  if (!L.section(s, "conditions", conditionKeys(), conds)) {
    return;
  }
  // Keep the hand-set conditions the SPEC names even when the file leaves them out.
  for (const auto& d : defaultConditions()) {
    if (std::none_of(conds.begin(), conds.end(), [&](auto& x) { return x.name == d.name; })) {
      conds.push_back(d);
    }
  }
  out = conds;
}

// A root key read by `read` when present.
template <typename F>
Key<Config> section(std::string name, std::string doc, F read) {
  return custom<Config>(
      name, std::move(doc),
      [name, read](Loader& L, const YAML::Node& r, const std::string&, Config& c) {
        if (YAML::Node n = r[name]) {
          read(L, n, c);
        }
      });
}

Keys<Config> rootKeysTable() {
  using C = Config;
  return {
      section("district", "name, timezone, statistical_year_starts",
              [](Loader& L, const YAML::Node& d, C& c) {
                L.section(d, "district", districtKeys(), c.district);
              }),
      custom<C>("database", "backend, connection, password_file | password_env",
                [](Loader& L, const YAML::Node& r, const std::string&, C& c) {
                  c.database.connection = "db=" + (L.dir() / "patrond.db").string();
                  if (YAML::Node d = r["database"]) {
                    L.section(d, "database", databaseKeys(), c.database);
                  }
                }),
      section("logging", "level, file, rotate_size, keep_files, system",
              [](Loader& L, const YAML::Node& l, C& c) {
                L.section(l, "logging", loggingKeys(), c.logging);
              }),
      section("sites", "the district's sites: code, name, type",
              [](Loader& L, const YAML::Node& s, C& c) {
                loadList(L, s, "sites", "sites", c.sites,
                         [&](const YAML::Node& n, const std::string& p, Site& site) {
                           L.section(n, p, siteKeys(), site);
                         });
              }),
      section("smtp", "the mail server notices and alerts go through",
              [](Loader& L, const YAML::Node& s, C& c) { c.smtp = loadSmtp(L, s); }),
      section("imports", "the import jobs",
              [](Loader& L, const YAML::Node& s, C& c) {
                loadList(L, s, "imports", "import jobs", c.imports,
                         [&](const YAML::Node& n, const std::string& p, ImportJob& j) {
                           loadImport(L, n, p, j);
                         });
              }),
      section("homerooms", "homeroom teachers and library days",
              [](Loader& L, const YAML::Node& s, C& c) {
                loadList(L, s, "homerooms", "homerooms", c.homerooms,
                         [&](const YAML::Node& n, const std::string& p, HomeroomConfig& h) {
                           L.section(n, p, homeroomKeys(), h);
                         });
              }),
      section("notices", "the notices sent or printed",
              [](Loader& L, const YAML::Node& s, C& c) {
                loadList(L, s, "notices", "notices", c.notices,
                         [&](const YAML::Node& n, const std::string& p, NoticeConfig& nc) {
                           loadNotice(L, n, p, nc);
                         });
              }),
      section("textbook_policies", "loan policies for textbooks: district, site_types, sites",
              [](Loader& L, const YAML::Node& t, C& c) {
                loadPolicyTree(L, t, "textbook_policies", c.textbookPolicies);
              }),
      section("library_policies", "loan policies for library books",
              [](Loader& L, const YAML::Node& t, C& c) {
                loadPolicyTree(L, t, "library_policies", c.libraryPolicies);
              }),
      section("circulation", "sweep_at: when the daily circulation sweep runs",
              [](Loader& L, const YAML::Node& circ, C& c) {
                L.section(circ, "circulation", circulationKeys(), c.circulation);
              }),
      section("monitoring", "grace, metrics, alerts",
              [](Loader& L, const YAML::Node& m, C& c) { loadMonitoring(L, m, c.monitoring); }),
      custom<C>("conditions",
                "<name>: percent of the purchase price a copy in that condition is worth",
                [](Loader& L, const YAML::Node& r, const std::string&, C& c) {
                  c.conditions = defaultConditions();
                  if (YAML::Node s = r["conditions"]) {
                    loadConditions(L, s, c.conditions);
                  }
                }),
  };
}

Config loadRoot(Loader& L, const YAML::Node& r) {
  static const Keys<Config> keys = rootKeysTable();
  Config c;
  c.path = L.file();
  L.section(r, "", keys, c);
  return c;
}

}  // namespace

namespace {

// A line shown in an excerpt never shows a secret: URL passwords and `password=` pairs are
// masked as in the logs, and the value of a key that names a password, secret or token
// (`password: x`, which the loader refuses) is not shown at all.
std::string maskSecrets(const std::string& text) {
  std::string in = redactSecrets(text), out;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::size_t copied = 0;
  for (std::size_t colon = in.find(':'); colon != std::string::npos;
       colon = in.find(':', colon + 1)) {
    std::size_t keyEnd = colon;
    while (keyEnd > 0 && in[keyEnd - 1] == ' ') {
      --keyEnd;
    }
    std::size_t keyStart = keyEnd;
    while (keyStart > 0 && word(in[keyStart - 1])) {
      --keyStart;
    }
    if (keyStart < copied) {
      continue;  // inside a value already masked
    }
    std::string key = toLower(in.substr(keyStart, keyEnd - keyStart));
    // Generous on purpose: a misspelt `pasword:` is an unknown key whose value is a secret.
    bool secret = false;
    for (const char* hint : {"pas", "pw", "secr", "token", "cred", "auth"}) {
      secret = secret || key.find(hint) != std::string::npos;
    }
    // password_file: PATH names where the secret is, not the secret.
    if (!secret || key.ends_with("_file") || key.ends_with("_env")) {
      continue;
    }
    std::size_t value = colon + 1;
    while (value < in.size() && in[value] == ' ') {
      ++value;
    }
    std::size_t valueEnd = in.find_first_of(",}]#", value);
    if (valueEnd == std::string::npos) {
      valueEnd = in.size();
    }
    if (valueEnd == value) {
      continue;
    }
    out.append(in, copied, value - copied);
    out.append("***");
    copied = valueEnd;
    colon = valueEnd == in.size() ? valueEnd - 1 : valueEnd;
  }
  out.append(in, copied, std::string::npos);
  return out;
}

std::string excerpt(std::string text, int line, int column) {
  for (char& c : text) {
    c = c == '\t' ? ' ' : c;  // one column each, as the caret counts them
  }
  text = utf8Truncate(text, 400);  // a long line is cut before anything scans it
  std::string shown = escapeControl(utf8Truncate(maskSecrets(text), 160));
  // The caret stands under the column's character as shown: what comes before it, masked
  // the same way, counted in characters.
  std::size_t before = column > 1 ? static_cast<std::size_t>(column - 1) : 0;
  std::size_t width =
      utf8Length(escapeControl(maskSecrets(text.substr(0, std::min(before, text.size())))));
  if (width > utf8Length(shown)) {
    width = utf8Length(shown);
  }
  std::string number = std::to_string(line);
  return "  " + number + " | " + shown + "\n  " + std::string(number.size(), ' ') + " | " +
         std::string(width, ' ') + "^\n";
}

// Each diagnostic in a YAML file gets the text of its line (files are read once each).
void addSourceLines(std::vector<Diagnostic>& diagnostics) {
  std::map<std::string, std::vector<std::string>> files;
  for (auto& d : diagnostics) {
    auto ends = [&](const char* ext) {
      std::string_view e(ext);
      return d.file.size() >= e.size() &&
             d.file.compare(d.file.size() - e.size(), e.size(), e) == 0;
    };
    if (d.line <= 0 || !(ends(".yaml") || ends(".yml"))) {
      continue;
    }
    auto [it, fresh] = files.try_emplace(d.file);
    if (fresh) {
      std::ifstream in(d.file, std::ios::binary);
      for (std::string text; it->second.size() < 100000 && std::getline(in, text);) {
        if (!text.empty() && text.back() == '\r') {
          text.pop_back();
        }
        it->second.push_back(std::move(text));
      }
    }
    if (static_cast<std::size_t>(d.line) <= it->second.size()) {
      d.excerpt = excerpt(it->second[static_cast<std::size_t>(d.line) - 1], d.line, d.column);
    }
  }
}

LoadResult loadConfigFile(const std::string& path, const LoadOptions& options) {
  LoadResult out;
  try {
    auto root = parseFile(path, out.diagnostics);
    if (!root) {
      return out;
    }
    Loader L(path, out.diagnostics);
    L.setReadSecrets(options.readSecrets);
    Config c;
    try {
      c = loadRoot(L, *root);
    } catch (const YAML::Exception& e) {
      // A shape the walker did not expect: report it where it is rather than crash.
      out.diagnostics.push_back({path, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                 e.mark.column >= 0 ? e.mark.column + 1 : 0, "", e.msg, false});
      return out;
    }
    for (const auto& issue : validateConfig(c)) {
      auto mark = L.markOf(issue.path);
      out.diagnostics.push_back({path, mark ? mark->line + 1 : 0, mark ? mark->column + 1 : 0,
                                 issue.path, issue.message, issue.warning});
    }
    bool errors = std::any_of(out.diagnostics.begin(), out.diagnostics.end(),
                              [](const Diagnostic& d) { return !d.warning; });
    if (!errors) {
      out.config = std::move(c);
    }
  } catch (const std::exception& e) {
    // The last line of defence: no exception leaves the loader (the service would abort).
    out.config.reset();
    out.diagnostics.push_back(
        {path, 0, 0, "", std::string("cannot load the configuration: ") + e.what(), false});
  }
  return out;
}

}  // namespace

LoadResult loadConfig(const std::string& path, const LoadOptions& options) {
  LoadResult out = loadConfigFile(path, options);
  try {
    addSourceLines(out.diagnostics);
  } catch (const std::exception&) {
    // The excerpts are a help, never a reason to fail: the diagnostics stand without them.
  }
  return out;
}

std::vector<KeyDoc> keyReference() {
  std::vector<KeyDoc> out;
  describeKeys(out, "", rootKeysTable());
  describeKeys(out, "district", districtKeys());
  describeKeys(out, "database", databaseKeys());
  describeKeys(out, "logging", loggingKeys());
  describeKeys(out, "sites[]", siteKeys());
  describeKeys(out, "smtp", smtpKeys());
  describeKeys(out, "homerooms[]", homeroomKeys());
  describeKeys(out, "circulation", circulationKeys());
  describeKeys(out, "conditions", conditionKeys());
  describeImportKeys(out);
  describeServiceKeys(out);
  describeMappingKeys(out);
  return out;
}

}  // namespace patrond::config
