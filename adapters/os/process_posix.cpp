#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "adapters/os/process.h"

namespace patrond::os {
namespace {

std::string firstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string nameOfUid(uid_t uid) {
  if (const passwd* pw = ::getpwuid(uid); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "";
}

}  // namespace

std::string hostName() {
  char host[256] = "";
  ::gethostname(host, sizeof host - 1);
  return host;
}

long currentPid() {
  return static_cast<long>(::getpid());
}

// The boot id and the pid namespace's inode: "0123456789ab.4026531836".
std::string bootToken() {
  std::string boot = firstLine("/proc/sys/kernel/random/boot_id");
  boot.erase(std::remove(boot.begin(), boot.end(), '-'), boot.end());
  std::error_code ec;
  auto ns = std::filesystem::read_symlink("/proc/self/ns/pid", ec).string();  // pid:[N]
  std::string inode;
  std::copy_if(ns.begin(), ns.end(), std::back_inserter(inode),
               [](char c) { return c >= '0' && c <= '9'; });
  return boot.substr(0, 12) + "." + inode;
}

// The start time in clock ticks since boot, field 22 of /proc/PID/stat.
std::string processStartToken(long pid) {
#ifdef __linux__
  std::string stat = firstLine("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return "";
  }
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) {
      return field;
    }
  }
#else
  (void)pid;
#endif
  return "";
}

bool processExists(long pid) {
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::string effectiveUserName() {
  std::string name = nameOfUid(::geteuid());
  return name.empty() ? "uid " + std::to_string(::geteuid()) : name;
}

std::string loginName() {
  char buf[256];
  if (::getlogin_r(buf, sizeof buf) == 0 && buf[0] != '\0') {
    return buf;
  }
  if (::geteuid() == 0) {
    if (const char* s = std::getenv("SUDO_USER"); s != nullptr && *s != '\0') {
      return s;
    }
  }
  std::string name = nameOfUid(::geteuid());
  return name.empty() ? "#" + std::to_string(::geteuid()) : name;
}

bool isPrivileged() {
  return ::geteuid() == 0;
}

}  // namespace patrond::os
