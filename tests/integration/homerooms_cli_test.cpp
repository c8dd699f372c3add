// `patrond homerooms list|set` through the real binary on the shipped example.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;

class HomeroomsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    ASSERT_EQ(patrond({"import", "students"}).exitCode, 0);
    ASSERT_EQ(patrond({"import", "faculty"}).exitCode, 0);
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }
  json list(const std::string& site = "") {
    std::vector<std::string> args{"homerooms", "list", "--json"};
    if (!site.empty()) {
      args.push_back("--site");
      args.push_back(site);
    }
    auto r = patrond(args);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return json::parse(r.out);
  }
  static json room(const json& rooms, const std::string& name) {
    for (const auto& r : rooms) {
      if (r["name"] == name) {
        return r;
      }
    }
    ADD_FAILURE() << "no homeroom " << name;
    return json::object();
  }

  test::TempDir dir_;
  std::string config_;
};

TEST_F(HomeroomsCli, ListShowsEachHomeroomWithItsTeacherAndWhereItCameFrom) {
  json rooms = list("LHS");
  for (const auto& r : rooms) {
    EXPECT_EQ(r["site"], "LHS");
  }
  json smith = room(rooms, "Smith 104");
  EXPECT_EQ(smith["teacher_email"], "jsmith@springfield.example.org");
  EXPECT_EQ(smith["teacher_from"], "config");
  EXPECT_EQ(smith["library_day"], "tuesday");
  EXPECT_GT(smith["students"].get<int>(), 0);
  json jones = room(rooms, "Jones 210");
  EXPECT_EQ(jones["teacher_from"], "import");
  EXPECT_EQ(jones["teacher_name"], "Alice Jones");
  json moved = room(rooms, "Moved");
  EXPECT_EQ(moved["notices"], false);
  EXPECT_EQ(moved["teacher_from"], "none");
  EXPECT_EQ(room(list("JMS"), "Reed 14")["teacher_from"], "teacher_patron");
}

TEST_F(HomeroomsCli, SetOverridesAndRejectsBadInput) {
  auto r = patrond({"homerooms", "set", "LHS", "Jones 210", "--library-day", "Thursday",
                    "--notices", "off", "--teacher-email", "sub@springfield.example.org",
                    "--teacher-name", "A. Substitute"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json jones = room(list("LHS"), "Jones 210");
  EXPECT_EQ(jones["teacher_email"], "sub@springfield.example.org");
  EXPECT_EQ(jones["teacher_from"], "config");
  EXPECT_EQ(jones["library_day"], "thursday");
  EXPECT_EQ(jones["notices"], false);
  // Later settings merge: notices back on, the rest stays.
  ASSERT_EQ(patrond({"homerooms", "set", "LHS", "Jones 210", "--notices", "on"}).exitCode, 0);
  jones = room(list("LHS"), "Jones 210");
  EXPECT_EQ(jones["notices"], true);
  EXPECT_EQ(jones["library_day"], "thursday");

  EXPECT_EQ(patrond({"homerooms", "set", "XYZ", "Room 1"}).exitCode, 2);
  EXPECT_EQ(patrond({"homerooms", "set", "LHS", "Room 1", "--library-day", "someday"}).exitCode, 2);
  auto inject = patrond(
      {"homerooms", "set", "LHS", "Room 1", "--teacher-email", "a@b.org\r\nBcc: all@example.org"});
  EXPECT_EQ(inject.exitCode, 2);
  EXPECT_NE(inject.err.find("not an e-mail address"), std::string::npos);
  EXPECT_EQ(patrond({"homerooms", "list", "--site", "XYZ"}).exitCode, 2);
}

}  // namespace
}  // namespace patrond
