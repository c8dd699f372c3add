// issue 13, finding 7: logging.file is one file; every setup appends to it, only its size
// rotates it, into FILE.1 (newest) .. FILE.keep_files; each record is one line.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "adapters/log/boost_log.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;

logging::LogSetup fileSetup(const std::string& file, std::uint64_t rotateSize, int keepFiles) {
  logging::LogSetup setup;
  setup.console = false;
  setup.config.system = false;
  setup.config.file = file;
  setup.config.rotateSize = rotateSize;
  setup.config.keepFiles = keepFiles;
  setup.config.level = LogLevel::kInfo;
  return setup;
}

void detach() {
  logging::LogSetup none;
  none.console = false;
  none.config.system = false;
  logging::setupLog(none);
}

std::set<std::string> namesIn(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

TEST(BadInputLogFile, SetupsOneAfterAnotherAppendAndNeverRotateWithoutSizePressure) {
  test::TempDir dir;
  std::string file = dir / "logs/patrond.log";
  for (int process = 0; process < 5; ++process) {
    auto log = logging::setupLog(fileSetup(file, 1024 * 1024, 2));
    log->info("setup " + std::to_string(process));
    detach();  // what a command's exit does
  }
  EXPECT_EQ(namesIn(dir / "logs"), std::set<std::string>{"patrond.log"});
  auto lines = linesOf(test::readFile(file));
  ASSERT_EQ(lines.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(lines[static_cast<size_t>(i)].find("info: setup " + std::to_string(i)),
              std::string::npos);
  }
}

TEST(BadInputLogFile, SizeRotationKeepsExactlyKeepFilesAndLosesNoKeptRecord) {
  test::TempDir dir;
  std::string file = dir / "logs/patrond.log";
  auto log = logging::setupLog(fileSetup(file, 1024, 3));
  for (int i = 0; i < 200; ++i) {
    log->info("line " + std::to_string(i) + " " + std::string(40, 'x'));
  }
  detach();
  EXPECT_EQ(namesIn(dir / "logs"), (std::set<std::string>{"patrond.log", "patrond.log.1",
                                                          "patrond.log.2", "patrond.log.3"}));
  std::vector<std::string> all;
  for (const char* name : {"patrond.log.3", "patrond.log.2", "patrond.log.1", "patrond.log"}) {
    std::string text = test::readFile(dir / ("logs/" + std::string(name)));
    EXPECT_LE(text.size(), 1024u) << name;
    if (std::string(name) != "patrond.log") {
      EXPECT_GT(text.size(), 1024u - 80u) << name;  // full, less than one record short
    }
    for (auto& l : linesOf(text)) {
      all.push_back(l);
    }
  }
  ASSERT_FALSE(all.empty());
  // The kept records are the newest ones, in order, none missing between the files.
  int first = std::stoi(all.front().substr(all.front().find("line ") + 5));
  for (size_t k = 0; k < all.size(); ++k) {
    EXPECT_NE(all[k].find("line " + std::to_string(first + static_cast<int>(k)) + " "),
              std::string::npos)
        << all[k];
  }
  EXPECT_NE(all.back().find("line 199 "), std::string::npos);
}

TEST(BadInputLogFile, ALogOpenBesideAnotherFollowsItsRotation) {
  // Two writers on one file, as the service and a command: a rotation by one is seen by the
  // other, which writes on into the new file instead of the renamed one.
  test::TempDir dir;
  std::string file = dir / "patrond.log";
  auto log = logging::setupLog(fileSetup(file, 1024, 1));
  log->info("service line");
  fs::rename(file, file + ".1");  // another process rotated it
  log->info("after the rotation");
  detach();
  EXPECT_NE(test::readFile(file).find("after the rotation"), std::string::npos);
  EXPECT_EQ(test::readFile(file + ".1").find("after the rotation"), std::string::npos);
}

TEST(BadInputLogFile, ARecordIsOneLineWhateverItHolds) {
  test::TempDir dir;
  std::string file = dir / "patrond.log";
  auto log = logging::setupLog(fileSetup(file, 1024 * 1024, 2));
  log->warning("homeroom \x1b[31mRed\r\n2026-10-16 07:00:00 error: forged\x7f\xc2\x9b");
  detach();
  std::string text = test::readFile(file);
  auto lines = linesOf(text);
  ASSERT_EQ(lines.size(), 1u) << text;
  EXPECT_NE(
      lines[0].find(
          "warning: homeroom \\x1b[31mRed\\r\\n2026-10-16 07:00:00 error: forged\\x7f\\u009b"),
      std::string::npos)
      << text;
}

TEST(BadInputLogFile, TheLogFileIsNotWorldReadable) {
  test::TempDir dir;
  std::string file = dir / "patrond.log";
  mode_t old = ::umask(0);
  auto log = logging::setupLog(fileSetup(file, 1024 * 1024, 2));
  log->info("x");
  detach();
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

}  // namespace
}  // namespace patrond
