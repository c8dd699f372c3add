// The Boost.Log adapter writing a real, size-rotated file; secrets never reach it.
#include <gtest/gtest.h>

#include <filesystem>

#include "adapters/log/boost_log.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;

TEST(LogAdapter, RotatesBySizeKeepsNFilesAndRedactsPasswords) {
  test::TempDir dir;
  logging::LogSetup setup;
  setup.console = false;
  setup.config.system = false;
  setup.config.file = dir / "logs/patrond.log";
  setup.config.rotateSize = 2048;
  setup.config.keepFiles = 3;
  setup.config.level = LogLevel::kInfo;
  auto log = logging::setupLog(setup);
  log->debug("below the level");
  log->info("connecting host=db user=lib password=hunter2 dbname=x");
  for (int i = 0; i < 400; ++i) {
    log->info("line " + std::to_string(i) + " " + std::string(60, 'x'));
  }
  // Detach the sinks so every file is closed and collected.
  logging::LogSetup none;
  none.console = false;
  none.config.system = false;
  logging::setupLog(none);
  std::size_t files = 0;
  std::string all;
  for (const auto& e : fs::directory_iterator(dir / "logs")) {
    ++files;
    all += test::readFile(e.path().string());
    EXPECT_LE(fs::file_size(e.path()), 2048u + 200u) << e.path();
  }
  EXPECT_GE(files, 2u);
  EXPECT_LE(files, 4u);  // the active file and at most keep_files rotated ones
  EXPECT_EQ(all.find("hunter2"), std::string::npos);
  EXPECT_EQ(all.find("below the level"), std::string::npos);
  EXPECT_NE(all.find("line 399"), std::string::npos);
}

}  // namespace
}  // namespace patrond
