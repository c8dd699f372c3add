// imports[]: a job's name, source (a folder or SFTP), mapping file, schedule, options and
// lifecycle (docs/configuration.md).
#include <algorithm>
#include <cctype>

#include "adapters/config/sections.h"
#include "engine/text.h"

namespace patrond::config {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

void loadMaxSize(Loader& L, const YAML::Node& sf, const std::string& sp, SftpConfig& c) {
  if (YAML::Node m = sf["max_size"]) {
    auto b = L.scalar(m, sp + ".max_size") ? parseByteSize(m.Scalar()) : std::nullopt;
    if (!b || *b < 1 || *b > (1ull << 40)) {
      L.error(m, sp + ".max_size", "expected a size like 500MB or 2GB (1B to 1024GB)");
    } else {
      c.maxSize = *b;
    }
  }
}

const Keys<SftpConfig>& sftpKeys() {
  using C = SftpConfig;
  static const Keys<C> keys{
      custom<C>("url", "sftp://host[:port]/folder, without a password",
                [](Loader& L, const YAML::Node& sf, const std::string& sp, C& c) {
                  L.str(sf, "url", sp, c.url, true);
                  if (!c.url.empty()) {
                    L.noCredential(sf["url"], sp + ".url", c.url,
                                   "username with password_file or password_env");
                  }
                }),
      key("username", &C::username, Text{true}, "the SFTP user"),
      custom<C>("password_file", "a file holding the password (or password_env)",
                [](Loader& L, const YAML::Node& sf, const std::string& sp, C& c) {
                  L.secret(sf, sp, c.password);
                }),
      later<C>("password_env", "an environment variable holding the password"),
      custom<C>("private_key", "a private key file",
                [](Loader& L, const YAML::Node& sf, const std::string& sp, C& c) {
                  L.filePath(sf, "private_key", sp, c.privateKey);
                }),
      custom<C>("passphrase_file", "a file holding the private key's passphrase",
                [](Loader& L, const YAML::Node& sf, const std::string& sp, C& c) {
                  L.filePath(sf, "passphrase_file", sp, c.passphraseFile);
                  if (!c.passphraseFile.empty()) {
                    L.checkSecret(sf["passphrase_file"], sp + ".passphrase_file",
                                  SecretRef{c.passphraseFile, ""});
                  }
                }),
      custom<C>("known_hosts", "the known_hosts file the server's key must be in",
                [](Loader& L, const YAML::Node& sf, const std::string& sp, C& c) {
                  L.filePath(sf, "known_hosts", sp, c.knownHosts);
                }),
      key("poll_every", &C::pollEvery, Span{seconds(1), hours(24 * 7)},
          "how often the server is checked for a new file"),
      custom<C>("max_size", "the largest file downloaded, like 500MB or 2GB", loadMaxSize),
  };
  return keys;
}

const Keys<SourceConfig>& sourceKeys() {
  using S = SourceConfig;
  static const Keys<S> keys{
      custom<S>("directory", "the folder the file arrives in (or sftp)",
                [](Loader& L, const YAML::Node& n, const std::string& path, S& s) {
                  L.filePath(n, "directory", path, s.directory);
                }),
      later<S>("sftp", "the SFTP server the file is fetched from (or directory)"),
      key("file", &S::file, Text{true}, "the file's name, or a glob"),
      key("encoding", &S::encoding,
          OneOf<std::string>{{{"utf-8", "utf-8"},
                              {"utf8", "utf-8"},
                              {"windows-1252", "windows-1252"},
                              {"cp1252", "windows-1252"},
                              {"iso-8859-1", "iso-8859-1"},
                              {"latin1", "iso-8859-1"},
                              {"macroman", "macroman"},
                              {"utf-16", "utf-16"}}},
          "the file's character encoding (default utf-8)"),
      key("settle", &S::settle, Span{seconds(0), hours(24)},
          "how long a new file must stay unchanged before it is read"),
      key("keep_copies", &S::keepCopies, Range{0, 10000}, "copies of imported files kept"),
      key("format", &S::format,
          OneOf<SourceFormat>{
              {{"csv", SourceFormat::kCsv}, {"oneroster", SourceFormat::kOneRoster}}},
          "csv or oneroster (a OneRoster 1.1 bundle)"),
      key("watch", &S::watch,
          OneOf<WatchMode>{{{"notify", WatchMode::kNotify}, {"poll", WatchMode::kPoll}}},
          "notify (inotify) or poll (network shares)"),
      key("poll_every", &S::pollEvery, Span{seconds(1), hours(24)},
          "how often a polled folder is checked"),
  };
  return keys;
}

void loadSource(Loader& L, const YAML::Node& n, const std::string& path, SourceConfig& s) {
  if (!L.section(n, path, sourceKeys(), s)) {
    return;
  }
  if (YAML::Node sf = n["sftp"]) {
    SftpConfig c;
    L.section(sf, path + ".sftp", sftpKeys(), c);
    s.sftp = c;
  }
}

void loadAmount(Loader& L, const YAML::Node& s, const std::string& sp, DeleteInactive& d) {
  if (YAML::Node a = s["amount"]) {
    auto cents = L.scalar(a, sp + ".amount") ? parseCents(a.Scalar()) : std::nullopt;
    if (!cents || *cents < 0) {
      L.error(a, sp + ".amount", "expected an amount like 5.00");
    } else {
      d.amountCents = *cents;
    }
  } else if (d.when == DeleteInactiveWhen::kFinesBelow) {
    L.error(s, sp, "when: fines_below needs amount");
  }
}

const Keys<LifecycleScope>& scopeKeys() {
  using S = LifecycleScope;
  static const Keys<S> keys{
      custom<S>("patron_types", "only patrons of these types",
                [](Loader& L, const YAML::Node& s, const std::string& sp, S& scope) {
                  L.strList(s, "patron_types", sp, scope.patronTypes);
                }),
      custom<S>("access_levels", "only patrons of these access levels",
                [](Loader& L, const YAML::Node& s, const std::string& sp, S& scope) {
                  L.strList(s, "access_levels", sp, scope.accessLevels);
                }),
      custom<S>("personas", "only patrons of these personas",
                [](Loader& L, const YAML::Node& s, const std::string& sp, S& scope) {
                  L.strList(s, "personas", sp, scope.personas);
                }),
  };
  return keys;
}

const Keys<Inactivate>& inactivateKeys() {
  static const Keys<Inactivate> keys{
      key("not_updated_days", &Inactivate::notUpdatedDays, Range{0, 3650},
          "days missing from full files before a patron is inactivated"),
      key("clear_homeroom", &Inactivate::clearHomeroom, Flag{}, "empty the homeroom"),
      key("prefix_username", &Inactivate::prefixUsername, Flag{},
          "prefix the username with Inactive- and remove the password"),
  };
  return keys;
}

const Keys<DeleteInactive>& deleteInactiveKeys() {
  using D = DeleteInactive;
  static const Keys<D> keys{
      key("after_days", &D::afterDays, Range{0, 36500}, "days inactive before deletion"),
      key("when", &D::when,
          OneOf<DeleteInactiveWhen>{
              {{"no_checkouts_no_fines", DeleteInactiveWhen::kNoCheckoutsNoFines},
               {"fines_below", DeleteInactiveWhen::kFinesBelow},
               {"unrestricted", DeleteInactiveWhen::kUnrestricted}}},
          "which inactive patrons may go"),
      custom<D>("amount", "with when: fines_below, the fines limit like 5.00", loadAmount),
  };
  return keys;
}

const Keys<DeleteWithTransactions>& deleteWithTransactionsKeys() {
  using D = DeleteWithTransactions;
  static const Keys<D> keys{
      key("inactive_days", &D::inactiveDays, Range{0, 36500}, "days inactive"),
      key("grad_year_years_ago", &D::gradYearYearsAgo, Range{0, 99},
          "graduated at least this many years ago"),
      key("age", &D::age, Range{0, 99}, "at least this old"),
  };
  return keys;
}

void loadLifecycleRules(Loader& L, const YAML::Node& n, const std::string& path,
                        LifecycleConfig& l) {
  if (YAML::Node s = n["scope"]) {
    L.section(s, path + ".scope", scopeKeys(), l.scope);
  }
  if (YAML::Node s = n["inactivate"]) {
    Inactivate in;
    L.section(s, path + ".inactivate", inactivateKeys(), in);
    l.inactivate = in;
  }
  if (YAML::Node s = n["delete_inactive"]) {
    DeleteInactive d;
    L.section(s, path + ".delete_inactive", deleteInactiveKeys(), d);
    l.deleteInactive = d;
  }
  if (YAML::Node s = n["delete_with_transactions"]) {
    std::string sp = path + ".delete_with_transactions";
    DeleteWithTransactions d;
    if (L.section(s, sp, deleteWithTransactionsKeys(), d) && s.size() != 1) {
      L.error(s, sp, "give exactly one of inactive_days, grad_year_years_ago, age");
    }
    l.deleteWithTransactions = d;
  }
}

const Keys<LifecycleConfig>& lifecycleKeys() {
  using C = LifecycleConfig;
  static const Keys<C> keys{
      key("min_records_read", &C::minRecordsRead, Range{0, 999999},
          "a full file with no more rows than this runs no lifecycle"),
      key("max_skipped", &C::maxSkipped, Range{0, 999999},
          "a file with this many skipped rows runs no lifecycle"),
      later<C>("scope", "which patrons the lifecycle may touch"),
      later<C>("inactivate", "rule 1: inactivate patrons missing from full files"),
      later<C>("delete_graduated_seniors",
               "rule 2: delete seniors of past years once they have no loans or fines"),
      later<C>("delete_inactive", "rule 3: delete patrons inactive for long"),
      later<C>("delete_with_transactions", "rule 4: delete patrons with loans or fines"),
      key("max_percent", &C::maxPercent, Range{0, 100},
          "the most of the job's patrons in scope one run may inactivate and delete"),
  };
  return keys;
}

void loadLifecycle(Loader& L, const YAML::Node& n, const std::string& path, LifecycleConfig& l) {
  if (!L.section(n, path, lifecycleKeys(), l)) {
    return;
  }
  L.get(n, "delete_graduated_seniors", path, l.deleteGraduatedSeniors, Flag{});
  loadLifecycleRules(L, n, path, l);
}

const Keys<ImportOptions>& optionsKeys() {
  using O = ImportOptions;
  static const Keys<O> keys{
      key("allow_delete_with_transactions", &O::allowDeleteWithTransactions, Flag{},
          "the lifecycle may delete patrons with loans or fines"),
      key("summary", &O::summary,
          OneOf<SummaryMode>{{{"all", SummaryMode::kAll},
                              {"errors_and_warnings", SummaryMode::kErrorsAndWarnings}}},
          "what a run's summary keeps"),
      key("keep_runs", &O::keepRuns, Range{1, 100000}, "runs kept in the database per job"),
  };
  return keys;
}

// The name becomes folder and file names (archive copies, downloads, leases).
void loadJobName(Loader& L, const YAML::Node& n, const std::string& path, ImportJob& j) {
  L.str(n, "name", path, j.name, true);
  if (j.name.empty()) {
    return;
  }
  bool safe =
      j.name.size() <= 64 && std::isalnum(static_cast<unsigned char>(j.name[0])) &&
      std::all_of(j.name.begin(), j.name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
      });
  if (!safe) {
    L.error(n["name"], path + ".name",
            "a job name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
            "digit (it names folders and files), got '" +
                redactSecrets(j.name.substr(0, 64)) + "'");
  }
}

const Keys<ImportJob>& importKeys() {
  using J = ImportJob;
  static const Keys<J> keys{
      custom<J>("name", "the job's name (letters, digits, . _ -)", loadJobName),
      custom<J>("source", "where the file comes from",
                [](Loader& L, const YAML::Node& n, const std::string& path, J& j) {
                  if (n["source"]) {
                    loadSource(L, n["source"], path + ".source", j.source);
                  } else {
                    L.error(n, path + ".source", "required key 'source' is missing");
                  }
                }),
      custom<J>("mapping", "the mapping file (docs/mapping.md)",
                [](Loader& L, const YAML::Node& n, const std::string& path, J& j) {
                  // After the source: its format decides the mapping's checks.
                  std::string file;
                  L.filePath(n, "mapping", path, file, true);
                  if (!file.empty()) {
                    loadMapping(file, j.mapping, L.diagnostics(),
                                j.source.format == SourceFormat::kOneRoster);
                  }
                }),
      later<J>("schedule", "weekday (or daily, weekdays): {update, at}"),
      key("on_new_file", &J::onNewFile,
          OneOf<OnNewFile>{{{"none", OnNewFile::kNone},
                            {"incremental", OnNewFile::kIncremental},
                            {"full", OnNewFile::kFull},
                            {"false", OnNewFile::kNone}}},
          "import a new file as it arrives: none, incremental or full"),
      later<J>("options", "allow_delete_with_transactions, summary, keep_runs"),
      later<J>("lifecycle", "what happens to patrons who leave"),
  };
  return keys;
}

}  // namespace

void loadImport(Loader& L, const YAML::Node& n, const std::string& path, ImportJob& j) {
  if (!L.section(n, path, importKeys(), j)) {
    return;
  }
  if (YAML::Node s = n["schedule"]) {
    loadJobSchedule(L, s, path + ".schedule", j.schedule);
  }
  if (YAML::Node o = n["options"]) {
    L.section(o, path + ".options", optionsKeys(), j.options);
  }
  if (YAML::Node l = n["lifecycle"]) {
    LifecycleConfig lc;
    loadLifecycle(L, l, path + ".lifecycle", lc);
    j.lifecycle = lc;
  }
}

void describeImportKeys(std::vector<KeyDoc>& out) {
  describeKeys(out, "imports[]", importKeys());
  describeJobScheduleKeys(out);
  describeKeys(out, "imports[].source", sourceKeys());
  describeKeys(out, "imports[].source.sftp", sftpKeys());
  describeKeys(out, "imports[].options", optionsKeys());
  describeKeys(out, "imports[].lifecycle", lifecycleKeys());
  describeKeys(out, "imports[].lifecycle.scope", scopeKeys());
  describeKeys(out, "imports[].lifecycle.inactivate", inactivateKeys());
  describeKeys(out, "imports[].lifecycle.delete_inactive", deleteInactiveKeys());
  describeKeys(out, "imports[].lifecycle.delete_with_transactions", deleteWithTransactionsKeys());
}

}  // namespace patrond::config
