#pragma once
// Test helpers: a temp dir per test, running commands and child processes.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace patrond::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void writeFile(const std::string& path, const std::string& content);
std::string readFile(const std::string& path);

struct CommandResult {
  int exitCode = -1;
  std::string out, err;
};
// Runs argv (no shell) with extra environment; waits for it.
CommandResult run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env = {});

// Runs the patrond binary with `args` and `--config config`, PATROND_CONFIG cleared.
CommandResult runPatrond(const std::string& binary, const std::string& config,
                         std::vector<std::string> args);

// A child process in the background; stdout and stderr go to a file.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& logFile,
          const std::map<std::string, std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits up to `timeout`; returns the exit code, or -1 when it did not end.
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
};

// Polls `check` every 20 ms until true or timeout.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds timeout);
int freePort();

}  // namespace patrond::test

namespace patrond::test {

// Copies conf/examples into `dir`/conf, without any database or key a local run of the demo
// left there; returns the path of the copied patrond.yaml.
std::string copyExamples(const TempDir& dir);

}  // namespace patrond::test
