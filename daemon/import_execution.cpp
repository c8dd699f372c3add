#include "daemon/import_execution.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <random>

#include "daemon/app.h"
#include "daemon/lease_keeper.h"
#include "daemon/wiring.h"
#include "engine/oneroster.h"
#include "engine/row_mapper.h"
#include "engine/text.h"

namespace patrond::daemon {

namespace fs = std::filesystem;

namespace {

// Ends a run early when the service is asked to stop: the import rolls back.
class StoppableSource final : public ByteSource {
 public:
  StoppableSource(ByteSource& in, const std::atomic<bool>* stop) : in_(in), stop_(stop) {}
  Result<std::size_t> read(char* buffer, std::size_t size) override {
    if (stop_ && stop_->load()) {
      return Error{"STOPPED", "the service was asked to stop; the run was rolled back", ""};
    }
    return in_.read(buffer, std::min<std::size_t>(size, std::size_t{256} * 1024));
  }
  std::optional<std::uint64_t> sizeHint() const override { return in_.sizeHint(); }

 private:
  ByteSource& in_;
  const std::atomic<bool>* stop_;
};

// keep_copies: a copy of each imported file, named with its run, the oldest pruned.
void archiveCopy(const Config& c, const ImportJob& job, const std::string& file, std::int64_t runId,
                 Log& log) {
  if (job.source.keepCopies <= 0 || runId <= 0) {
    return;
  }
  std::error_code ec;
  fs::path dir = fs::path(stateDirectory(c)) / "archive" / job.name;
  fs::create_directories(dir, ec);
  fs::path target = dir / (std::to_string(runId) + "-" + fs::path(file).filename().string());
  if (fs::is_directory(file, ec)) {
    // A OneRoster bundle delivered as a folder: its own regular files are copied, never what
    // a symbolic link or a subfolder in it leads to.
    fs::remove_all(target, ec);
    fs::create_directories(target, ec);
    for (const auto& e : fs::directory_iterator(file, ec)) {
      std::error_code one;
      if (!ec && fs::is_regular_file(e.symlink_status(one))) {
        fs::copy_file(e.path(), target / e.path().filename(), one);
        ec = one;
      }
    }
  } else {
    fs::copy_file(file, target, fs::copy_options::overwrite_existing, ec);
  }
  if (!ec) {
    // copy_file gives the copy the SIS file's mode, past the umask: never world-readable (a
    // folder copy: nobody else may enter it).
    fs::permissions(target, fs::perms::others_all | fs::perms::group_write,
                    fs::perm_options::remove, ec);
  }
  if (ec) {
    log.warning("import " + job.name + ": could not archive " + file + " to " + target.string() +
                ": " + ec.message());
    return;
  }
  // Ours are named RUNID-NAME; anything else someone put in the folder is left alone.
  std::vector<std::pair<long long, fs::path>> copies;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    long long id = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (err == std::errc() && end != name.data() && *end == '-') {
      copies.emplace_back(id, e.path());
    }
  }
  std::sort(copies.begin(), copies.end());  // oldest run first
  for (std::size_t i = 0; i + static_cast<std::size_t>(job.source.keepCopies) < copies.size();
       ++i) {
    fs::remove_all(copies[i].second, ec);  // a folder bundle's copy too
  }
}

// The mapped patron fields read from derived OneRoster columns whose files the bundle does
// not send in bulk (an empty value there means "not sent"; SPEC section 9).
std::vector<PatronField> partialFields(const Mapping& mapping,
                                       const std::vector<std::string>& prefixes) {
  std::vector<PatronField> out;
  for (const auto& [field, source] : mapping.fields) {
    for (const auto& prefix : prefixes) {
      if (source.column.rfind(prefix, 0) == 0) {
        out.push_back(field);
        break;
      }
    }
  }
  return out;
}

// A OneRoster job's source: the bundle, validated, as rows for the mapping (SPEC section 9).
// The manifest decides the run's type: a delta bundle is always incremental.
Result<std::unique_ptr<ByteSource>> openOneRoster(const std::string& path, ImportRequest& req,
                                                  Log& log) {
  auto files = openBundle(path);
  if (!files) {
    return files.error();
  }
  oneroster::ReadOptions options;
  options.today = formatDate(req.now);
  options.seed =
      (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  auto read = oneroster::readBundle(**files, options);
  if (!read) {
    return read.error();
  }
  if (read->type != req.type) {
    // Said in the run's summary too: the admin asked for the other type.
    std::string why = "the bundle's manifest says " + std::string(read->delta ? "delta" : "bulk") +
                      ": the run is " + std::string(updateTypeName(read->type)) + ", not " +
                      std::string(updateTypeName(req.type));
    log.info("import " + req.job->name + ": " + why);
    read->notes.push_back({Severity::kInfo, 0, "", "ONEROSTER_RUN_TYPE", why});
  }
  req.type = read->type;
  req.removed = read->toBeDeleted;
  req.notes = std::move(read->notes);
  req.keepWhenEmpty = partialFields(req.job->mapping, read->partialColumns);
  req.allowEmpty = read->delta;
  // The rows read the bundle's files as they go: the bundle lives as long as they do.
  struct Owning final : ByteSource {
    std::unique_ptr<BundleFiles> files;
    std::unique_ptr<ByteSource> rows;
    Result<std::size_t> read(char* b, std::size_t n) override { return rows->read(b, n); }
  };
  auto owning = std::make_unique<Owning>();
  owning->files = std::move(*files);
  owning->rows = std::move(read->rows);
  return std::unique_ptr<ByteSource>(std::move(owning));
}

}  // namespace

Result<RemoteFetch> fetchRemote(const Config& c, const ImportJob& job, Log& log,
                                std::optional<std::pair<std::uint64_t, std::int64_t>> lastSeen) {
  auto remote = openRemoteSource(*job.source.sftp, job.source.file);
  if (!remote) {
    return remote.error();
  }
  auto listed = (*remote)->list();
  if (!listed) {
    return listed.error();
  }
  RemoteFetch out;
  out.newest = listed->files.front();
  if (lastSeen == std::make_pair(out.newest.size, out.newest.mtime)) {
    out.unchanged = true;
    return out;
  }
  for (const auto& why : listed->skipped) {
    log.warning("import " + job.name + ": skipped " + why);
  }
  std::vector<std::string> failed;
  for (const RemoteFile& file : listed->files) {
    auto local = incomingPath(c, job, file.name);
    if (!local) {
      return local.error();
    }
    auto d = (*remote)->download(file, *local);
    if (d) {
      log.info("import " + job.name + ": downloaded " + printableRemoteName(file.name) + " (" +
               std::to_string(file.size) + " bytes) to " + *local);
      out.local = *local;
      return out;
    }
    // A fault of this file only: the next newest is taken. Anything else ends the run.
    if (d.error().code != "FILE_REFUSED" && d.error().code != "FILE_MISSING") {
      return d.error();
    }
    log.warning("import " + job.name + ": skipped '" + printableRemoteName(file.name) +
                "': " + d.error().message);
    failed.push_back("'" + printableRemoteName(file.name) + "': " + d.error().message);
  }
  // Bounded: a server with thousands of matching files that cannot be taken gives one
  // readable line (each is in the log above).
  std::string why = joinSome(failed, 10) + (failed.size() > 10 ? " (see the log)" : "");
  return Error{"FILE_MISSING",
               "no file matching " + job.source.file + " could be downloaded (" + why + ")",
               job.source.sftp->url};
}

Result<std::string> sourcePath(const ImportJob& job) {
  if (job.source.format == SourceFormat::kOneRoster &&
      job.source.file.find_first_of("*?[") == std::string::npos) {
    std::error_code ec;
    fs::path folder = fs::path(job.source.directory) / job.source.file;
    if (fs::is_directory(folder, ec)) {
      return folder.string();
    }
  }
  return resolveSourceFile(job.source.directory, job.source.file);
}

Result<std::string> incomingPath(const Config& c, const ImportJob& job, const std::string& name) {
  fs::path folder = (fs::path(stateDirectory(c)) / "incoming" / job.name).lexically_normal();
  fs::path incoming = (fs::path(stateDirectory(c)) / "incoming").lexically_normal();
  fs::path path = (folder / name).lexically_normal();
  // The remote name is checked by the adapter; this is the last word on where it lands.
  if (auto why = refusedRemoteName(name);
      why || path.parent_path() != folder || folder.parent_path() != incoming) {
    return Error{"FILE_REFUSED",
                 "the download '" + printableRemoteName(name) + "' would not land in " +
                     folder.string() + (why ? ": " + *why : ""),
                 job.name};
  }
  return path.string();
}

std::string passwordKeyFile(const Config& c) {
  return (fs::path(stateDirectory(c)) / "patrond.key").string();
}

std::string stateDirectory(const Config& c) {
  if (c.database.backend == DbBackend::kSqlite3) {
    // A database named without a folder (`--config patrond.yaml` from the config's folder)
    // lives in the current one.
    fs::path folder = fs::path(sqliteFile(c.database.connection)).parent_path();
    return folder.empty() ? std::string(".") : folder.string();
  }
#ifdef _WIN32
  return (fs::path(defaultConfigPath()).parent_path()).string();
#else
  return "/var/lib/patrond";
#endif
}

ImportCallResult executeImport(PatronStore& store, const ImportCall& call, Log& log) {
  ImportCallResult result;
  const ImportJob& job = *call.job;
  ImportRequest req;
  req.config = call.config;
  req.job = call.job;
  req.type = call.type;
  req.dryRun = call.dryRun;
  req.maxPercent = call.maxPercent;
  req.now = call.localNow;
  req.trigger = call.trigger;

  std::string lease = "import:" + job.name;
  std::string holder = leaseHolder();
  // A run left open by a dead holder is marked interrupted and its lease freed first, so a
  // crash never locks the job out (SPEC section 10).
  (void)store.markInterruptedRuns(formatIso(call.localNow), utcIso(call.utcNow), holderState);
  auto got = ScopedLease::acquire(store, lease, holder, utcIso(call.utcNow),
                                  utcIso(call.utcNow + kLeaseTime), holderState, &log);
  if (!got) {
    result.busy = true;
    result.error = got.error().describe();
    return result;
  }
  if (!*got) {
    result.busy = true;
    result.error = "import job '" + job.name + "' is already running (another patrond holds it)";
    return result;
  }

  HeldLease held(std::move(**got), call.config->database, &log);

  Result<std::string> path = call.file.empty() && job.source.sftp ? [&]() -> Result<std::string> {
    auto f = fetchRemote(*call.config, job, log);
    return f ? Result<std::string>(f->local) : Result<std::string>(f.error());
  }()
      : call.file.empty() ? sourcePath(job)
                          : Result<std::string>(call.file);
  req.file = path              ? *path
             : job.source.sftp ? job.source.sftp->url + job.source.file
                               : job.source.directory + "/" + job.source.file;
  std::unique_ptr<PasswordHasher> hasher;
  // Defaults and rules can write a password too, not only a mapped column.
  auto written = fieldsWrittenBy(job.mapping);
  bool mapsPassword =
      std::find(written.begin(), written.end(), PatronField::kPassword) != written.end();
  Result<std::unique_ptr<ByteSource>> source =
      !path ? Result<std::unique_ptr<ByteSource>>(path.error())
      : job.source.format == SourceFormat::kOneRoster ? openOneRoster(*path, req, log)
                                                      : openTextFile(*path, job.source.encoding);
  if (source && mapsPassword) {
    auto h = openPasswordHasher(passwordKeyFile(*call.config));
    if (!h) {
      source = h.error();
    } else {
      hasher = std::move(*h);
    }
  }
  log.info("import " + job.name + " (" + std::string(updateTypeName(req.type)) +
           (req.dryRun ? ", dry run" : "") + ", " + call.trigger + ") from " + req.file);
  if (!source) {
    result.outcome = failedImport(store, req, source.error());
  } else {
    StoppableSource stoppable(**source, call.stop);
    result.outcome = runImport(store, stoppable, req, hasher.get());
  }
  held.release();
  const ImportRun& run = result.outcome.run;
  setLogRunId(run.id);
  if (run.status == RunStatus::kCompleted && !req.dryRun && path) {
    archiveCopy(*call.config, job, *path, run.id, log);
  }
  const RunCounts& c = run.counts;
  std::string line = "import " + job.name + " run " + std::to_string(run.id) + " " +
                     std::string(runStatusName(run.status)) + ": read " + std::to_string(c.read) +
                     ", added " + std::to_string(c.added) + ", updated " +
                     std::to_string(c.updated) + ", unchanged " + std::to_string(c.unchanged) +
                     ", skipped " + std::to_string(c.skipped) + ", inactivated " +
                     std::to_string(c.inactivated) + ", deleted " + std::to_string(c.deleted);
  if (run.status == RunStatus::kCompleted) {
    log.info(line);
  } else {
    // The cause is the last error; a RUN_NOT_RECORDED warning after it is said too.
    const auto& messages = result.outcome.messages;
    auto cause = std::find_if(messages.rbegin(), messages.rend(),
                              [](const RunMessage& m) { return m.severity == Severity::kError; });
    if (cause != messages.rend()) {
      line += ": " + cause->text;
    }
    for (const auto& m : messages) {
      if (m.code == kRunNotRecorded) {
        line += "; " + m.text;
      }
    }
    log.error(line);
  }
  return result;
}

}  // namespace patrond::daemon
