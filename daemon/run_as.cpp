#include "daemon/run_as.h"

#include <filesystem>

#include "daemon/app.h"
#include "daemon/import_execution.h"
#include "daemon/wiring.h"

#ifndef _WIN32
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#endif

namespace patrond::daemon {

namespace fs = std::filesystem;

std::string stateOwnerPath(const Config& config) {
  // A relative SQLite path (a config given as a relative path) is in the current folder.
  std::error_code ec;
  std::string state = stateDirectory(config);
  fs::path dir = state.empty() ? fs::current_path(ec) : fs::absolute(state, ec);
  return !ec && fs::exists(dir, ec) ? dir.lexically_normal().string() : "";
}

#ifndef _WIN32
namespace {

int refuse(const std::string& path, const std::string& owner, const std::string& why) {
  return fail(kExitUsage, "this command runs as root, but the service's state " + path +
                              " belongs to " + owner + ", and " + why +
                              ". Run it as the owner: sudo -u " + owner + " patrond ...");
}

std::string ownerName(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return pw ? std::string(pw->pw_name) : "#" + std::to_string(uid);
}

// The SQLite file inside a state folder that belongs to `owner`: it must be a plain file of
// that owner. A root-owned one (restored as root) would keep root-owned -wal/-shm files and
// a root-owned key coming; a symbolic link there could send root's writes anywhere.
int checkDatabaseFile(const Config& config, const std::string& folder, uid_t owner) {
  if (config.database.backend != DbBackend::kSqlite3) {
    return kExitOk;
  }
  std::string db = sqliteFile(config.database.connection);
  std::error_code ec;
  fs::path file = fs::absolute(db, ec).lexically_normal();
  struct stat st {};
  if (db.empty() || ec || ::lstat(file.c_str(), &st) != 0) {
    return kExitOk;  // not there yet: created by the owner after the switch
  }
  const std::string who = ownerName(owner);
  if (S_ISLNK(st.st_mode)) {
    return refuse(folder, who,
                  "the database " + file.string() +
                      " is a symbolic link, which root does not follow there; name the real "
                      "file in database.connection");
  }
  if (st.st_uid != owner) {
    return fail(kExitUsage, "the database " + file.string() + " belongs to " +
                                ownerName(st.st_uid) + ", but its folder " + folder + " to " + who +
                                "; give it to " + who + " (chown " + who + ": " + file.string() +
                                ") and run the command as " + who + ": sudo -u " + who +
                                " patrond ...");
  }
  return kExitOk;
}

}  // namespace

int runAsStateOwner(const Config& config) {
  if (::geteuid() != 0) {
    return kExitOk;
  }
  std::string path = stateOwnerPath(config);
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || st.st_uid == 0) {
    return kExitOk;
  }
  if (int rc = checkDatabaseFile(config, path, st.st_uid); rc != kExitOk) {
    return rc;
  }
  const passwd* pw = ::getpwuid(st.st_uid);
  if (!pw) {
    return refuse(path, "#" + std::to_string(st.st_uid), "that uid is no user of this system");
  }
  std::string name = pw->pw_name;
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  if (::initgroups(name.c_str(), gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
    return refuse(path, name,
                  std::string("switching to that user failed: ") + std::strerror(errno));
  }
  // setuid from root drops every privilege for good; make sure nothing lets it back.
  if (::setuid(0) == 0) {
    return refuse(path, name, "root privileges could not be given up");
  }
  std::cerr << "patrond: running as " << name << ", the owner of " << path << "\n";
  return kExitOk;
}
#else
int runAsStateOwner(const Config&) {
  return kExitOk;
}
#endif

}  // namespace patrond::daemon
