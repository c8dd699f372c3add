// Homerooms and where their teacher comes from (SPEC section 8), pure.
#include "engine/homerooms.h"

#include <gtest/gtest.h>

namespace patrond {
namespace {

const Homeroom& find(const std::vector<Homeroom>& rooms, const std::string& site,
                     const std::string& name) {
  for (const auto& h : rooms) {
    if (h.site == site && h.name == name) {
      return h;
    }
  }
  static Homeroom none;
  ADD_FAILURE() << "no homeroom " << site << "/" << name;
  return none;
}

TEST(Homerooms, TeacherComesFromConfigThenStudentsThenTeacherPatrons) {
  std::vector<HomeroomStudentGroup> groups{{"LHS", "Smith 104", "old@example.org", "", 3},
                                           {"LHS", "Jones 210", "ajones@example.org", "", 4},
                                           {"LHS", "Jones 210", "typo@example.org", "", 1},
                                           {"LHS", "Reed 14", "", "", 8},
                                           {"LHS", "Gym", "", "", 2}};
  std::vector<TeacherPatron> teachers{{"LHS", "Reed 14", "treed@example.org", "Tom", "Reed"},
                                      {"LHS", "Jones 210", "ajones@example.org", "Alice", "Jones"},
                                      {"WES", "Gym", "coach@example.org", "Pat", "Coach"}};
  std::vector<HomeroomConfig> configured{
      {"LHS", "Smith 104", "jsmith@example.org", "John Smith", 2, true},
      {"LHS", "Moved", "", "", std::nullopt, false}};
  auto rooms = resolveHomerooms(groups, teachers, configured, {});
  ASSERT_EQ(rooms.size(), 6u);  // sorted by site, then name
  EXPECT_EQ(rooms[0].name, "Gym");
  EXPECT_EQ(rooms.back().site, "WES");
  const auto& smith = find(rooms, "LHS", "Smith 104");
  EXPECT_EQ(smith.teacherEmail, "jsmith@example.org");
  EXPECT_EQ(smith.teacherFrom, "config");
  EXPECT_EQ(smith.students, 3);
  EXPECT_EQ(smith.libraryDay, 2);
  const auto& jones = find(rooms, "LHS", "Jones 210");
  EXPECT_EQ(jones.teacherEmail, "ajones@example.org");  // what most students say
  EXPECT_EQ(jones.teacherName, "Alice Jones");          // named from the teacher patron
  EXPECT_EQ(jones.teacherFrom, "import");
  EXPECT_EQ(jones.students, 5);
  const auto& reed = find(rooms, "LHS", "Reed 14");
  EXPECT_EQ(reed.teacherEmail, "treed@example.org");
  EXPECT_EQ(reed.teacherFrom, "teacher_patron");
  const auto& gym = find(rooms, "LHS", "Gym");  // the WES teacher is another site's
  EXPECT_EQ(gym.teacherFrom, "none");
  EXPECT_TRUE(gym.teacherEmail.empty());
  const auto& moved = find(rooms, "LHS", "Moved");
  EXPECT_FALSE(moved.notices);
  EXPECT_EQ(moved.students, 0);
}

TEST(Homerooms, SetByHandOverridesConfigKeyByKey) {
  std::vector<HomeroomConfig> configured{
      {"LHS", "Smith 104", "jsmith@example.org", "John Smith", 2, true}};
  HomeroomOverride day{"LHS", "Smith 104", std::nullopt, std::nullopt, 4, false};
  auto rooms = resolveHomerooms({}, {}, configured, {day});
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].teacherEmail, "jsmith@example.org");  // not given: config stays
  EXPECT_EQ(rooms[0].libraryDay, 4);
  EXPECT_FALSE(rooms[0].notices);
  HomeroomOverride teacher{"LHS",          "Smith 104",  "sub@example.org",
                           "A Substitute", std::nullopt, std::nullopt};
  rooms = resolveHomerooms({}, {}, configured, {teacher});
  EXPECT_EQ(rooms[0].teacherEmail, "sub@example.org");
  EXPECT_EQ(rooms[0].teacherName, "A Substitute");
  EXPECT_EQ(rooms[0].teacherFrom, "config");
  EXPECT_TRUE(rooms[0].notices);
}

TEST(Homerooms, AddressesThatCouldInjectHeadersAreNotPlausible) {
  EXPECT_TRUE(plausibleEmail("jsmith@springfield.example.org"));
  for (const char* bad :
       {"", "jsmith", "@example.org", "a@b", "a@@b.org", "a b@c.org", "a@b.org\r\nBcc: x@y.org",
        "a@b.org, c@d.org", "<a@b.org>", "a@b.org\n"}) {
    EXPECT_FALSE(plausibleEmail(bad)) << bad;
  }
}

}  // namespace
}  // namespace patrond
