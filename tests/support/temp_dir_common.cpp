// The temp dir, file and waiting helpers of temp_dir.h, on every platform (the Windows
// test binaries use these; running commands and child processes is temp_dir.cpp, Linux).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.h"

namespace patrond::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int i = 0; i < 100; ++i) {
    fs::path p = fs::temp_directory_path() / ("patrond-test-" + std::to_string(rd()));
    if (fs::create_directory(p)) {
      path_ = p;
#ifndef _WIN32
      fs::permissions(p, fs::perms::all);  // servers running as other users work in here
#endif
      return;
    }
  }
  throw std::runtime_error("cannot make a temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("PATROND_KEEP_TEMP")) {
    fs::remove_all(path_, ec);
  }
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool eventually(const std::function<bool()>& check, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (check()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return check();
}

}  // namespace patrond::test
