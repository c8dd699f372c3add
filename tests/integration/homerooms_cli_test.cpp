// `patrond homerooms list|set` through the real binary on the shipped example.
#include <gtest/gtest.h>

#include <filesystem>
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

namespace patrond {
namespace {

// TEACHER_DIFFERS (SPEC section 11): the SIS now names another teacher for a homeroom whose
// teacher the configuration or `homerooms set` gives.
TEST_F(HomeroomsCli, ASisTeacherThatDiffersFromTheOneSetByHandWarnsOncePerHomeroom) {
  std::string sis =
      (std::filesystem::path(config_).parent_path() / "sis" / "students.csv").string();
  std::string text = test::readFile(sis);
  for (auto at = text.find("Smith 104,jsmith@"); at != std::string::npos;
       at = text.find("Smith 104,jsmith@", at)) {
    text.replace(at, 17, "Smith 104,newteacher@");
  }
  test::writeFile(sis, text);
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto run = json::parse(r.out);
  std::vector<json> differs;
  for (const auto& m : run["messages"]) {
    if (m["code"] == "TEACHER_DIFFERS") {
      differs.push_back(m);
    }
  }
  ASSERT_EQ(differs.size(), 1u) << run["messages"].dump();
  std::string t = differs[0]["text"];
  EXPECT_EQ(differs[0]["severity"], "warning");
  EXPECT_NE(t.find("the SIS file names newteacher@springfield.example.org ("), std::string::npos)
      << t;
  EXPECT_NE(t.find("the configuration gives jsmith@springfield.example.org"), std::string::npos)
      << t;
  EXPECT_GE(run["counts"]["warnings"].get<int>(), 1);

  json smith = room(list("LHS"), "Smith 104");
  EXPECT_EQ(smith["teacher_email"], "jsmith@springfield.example.org");  // kept
  EXPECT_EQ(smith["teacher_from"], "config");
  EXPECT_EQ(smith["sis_teacher_email"], "newteacher@springfield.example.org");
  EXPECT_EQ(smith["teacher_differs"], true);
  auto plain = patrond({"homerooms", "list", "--site", "LHS"});
  EXPECT_NE(plain.out.find("(the SIS says newteacher@springfield.example.org)"), std::string::npos)
      << plain.out;

  // `homerooms set` to the SIS's teacher: no more warning.
  ASSERT_EQ(patrond({"homerooms", "set", "LHS", "Smith 104", "--teacher-email",
                     "newteacher@springfield.example.org"})
                .exitCode,
            0);
  r = patrond({"import", "students", "--json"});
  for (const auto& m : json::parse(r.out)["messages"]) {
    EXPECT_NE(m["code"], "TEACHER_DIFFERS");
  }
  EXPECT_EQ(room(list("LHS"), "Smith 104")["teacher_differs"], false);
}

}  // namespace
}  // namespace patrond
