#include "tests/support/temp_dir.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace patrond::test {

namespace fs = std::filesystem;

namespace {
std::vector<char*> cargs(const std::vector<std::string>& argv) {
  std::vector<char*> a;
  for (const auto& s : argv) {
    a.push_back(const_cast<char*>(s.c_str()));
  }
  a.push_back(nullptr);
  return a;
}
void applyEnv(const std::map<std::string, std::string>& env) {
  for (const auto& [k, v] : env) {
    if (v.empty()) {
      ::unsetenv(k.c_str());
    } else {
      ::setenv(k.c_str(), v.c_str(), 1);
    }
  }
}
}  // namespace

CommandResult run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env) {
  TempDir t;
  std::string outFile = t / "out", errFile = t / "err";
  pid_t pid = ::fork();
  if (pid == 0) {
    applyEnv(env);
    int o = ::open(outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int n = ::open("/dev/null", O_RDONLY);
    ::dup2(n, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    auto a = cargs(argv);
    ::execvp(a[0], a.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = readFile(outFile);
  r.err = readFile(errFile);
  return r;
}

Process::Process(const std::vector<std::string>& argv, const std::string& logFile,
                 const std::map<std::string, std::string>& env) {
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    applyEnv(env);
    int o = ::open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int n = ::open("/dev/null", O_RDONLY);
    ::dup2(n, 0);
    ::dup2(o, 1);
    ::dup2(o, 2);
    auto a = cargs(argv);
    ::execvp(a[0], a.data());
    _exit(127);
  }
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
}

bool Process::running() {
  if (reaped_ || pid_ <= 0) {
    return false;
  }
  pid_t r = ::waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (running()) {
    ::kill(pid_, sig);
  }
}

int Process::wait(std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > end) {
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

namespace {

// A TCP socket bound to 127.0.0.1:port (0: any free port), or -1.
int boundSocket(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

// The first port the kernel hands out to outgoing connections (32768 unless configured).
int ephemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  in >> low;
  return low;
}

}  // namespace

// A port below the kernel's ephemeral range: no outgoing connection (a test's client, a
// database connection of another test running in parallel) takes it as its source port, so a
// server stopped and started again on it (the SFTP retry test) finds it still free.
int freePort() {
  static std::mt19937 random(std::random_device{}());
  const int high = std::min(ephemeralLow(), 65536) - 1;
  if (high > 20000) {
    std::uniform_int_distribution<int> pick(20000, high);
    for (int attempt = 0; attempt < 200; ++attempt) {
      int port = pick(random);
      if (int s = boundSocket(port); s >= 0) {
        ::close(s);
        return port;
      }
    }
  }
  int s = boundSocket(0);
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

}  // namespace patrond::test

namespace patrond::test {

std::string copyExamples(const TempDir& dir) {
  fs::copy(std::string(PATROND_SOURCE_DIR) + "/conf/examples", dir.path() / "conf",
           fs::copy_options::recursive);
  for (const char* f : {"patrond.db", "patrond.db-wal", "patrond.db-shm", "patrond.key"}) {
    fs::remove(dir.path() / "conf" / f);
  }
  fs::remove_all(dir.path() / "conf" / "archive");
  return (dir.path() / "conf" / "patrond.yaml").string();
}

CommandResult runPatrond(const std::string& binary, const std::string& config,
                         std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  args.push_back("--config");
  args.push_back(config);
  return run(args, {{"PATROND_CONFIG", ""}});
}

}  // namespace patrond::test
