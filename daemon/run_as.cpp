#include "daemon/run_as.h"

#include <filesystem>

#include "daemon/app.h"
#include "daemon/import_execution.h"

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
  std::error_code ec;
  if (config.database.backend == DbBackend::kSqlite3) {
    const std::string& c = config.database.connection;
    std::string db = c.size() > 3 ? c.substr(3, c.find(' ') - 3) : "";
    if (!db.empty() && fs::exists(db, ec)) {
      return fs::absolute(db, ec).lexically_normal().string();
    }
  }
  // A relative SQLite path (a config given as a relative path) is in the current folder.
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
