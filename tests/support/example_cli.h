#pragma once
// A test of the real binary on a fresh copy of the shipped example (conf/examples): the
// configuration, its sample SIS exports and a patrond() that runs the binary on them.
// For test files of the cli_tests target (PATROND_BIN).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace patrond::test {

class ExampleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = copyExamples(dir_);
    sis_ = (dir_.path() / "conf" / "sis").string();
  }
  CommandResult patrond(std::vector<std::string> args) {
    return runPatrond(PATROND_BIN, config_, std::move(args));
  }

  TempDir dir_;
  std::string config_;  // conf/patrond.yaml
  std::string sis_;     // conf/sis, the sample exports
};

}  // namespace patrond::test
