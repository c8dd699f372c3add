// The configuration's last sections on key tables (issue 16): notices[], the policy trees,
// circulation and conditions. An unknown key gets a "did you mean" at its line, a bad value a
// located error with the line and a caret, and the key reference lists every key. One
// mistake in a schedule is one error.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "adapters/config/yaml_config.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using config::Diagnostic;
using test::TempDir;
using test::writeFile;

const char* kMapping = "fields: {district_id: ID, last_name: Last, site: School}\n";

// Lines 1-6; a section given to it starts at line 7.
std::string withJob(const std::string& extra = "") {
  return "sites:\n  - {code: LHS, name: Lincoln, type: high}\n"
         "imports:\n  - name: students\n    source: {directory: sis, file: s.csv}\n"
         "    mapping: m.yaml\n" +
         extra;
}

// Lines 7-10: a printed notice; a key given to it starts at line 11.
std::string withNotice(const std::string& keys) {
  return withJob("notices:\n  - name: weekly\n    deliver: print\n    print_dir: out\n" + keys);
}

// The 1-based line and column of the first `needle` in `text`.
std::pair<int, int> where(const std::string& text, const std::string& needle) {
  auto at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  auto newline = text.rfind('\n', at);
  auto lineStart = newline == std::string::npos ? 0 : newline + 1;
  int line = static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
  return {line, static_cast<int>(at - lineStart) + 1};
}

std::vector<Diagnostic> errorsOf(const config::LoadResult& r) {
  std::vector<Diagnostic> out;
  std::copy_if(r.diagnostics.begin(), r.diagnostics.end(), std::back_inserter(out),
               [](const Diagnostic& d) { return !d.warning; });
  return out;
}

std::string all(const config::LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) {
    s += d.format() + "\n";
  }
  return s;
}

struct Case {
  std::string text;     // the whole file
  std::string needle;   // where the error stands: its first occurrence in the text
  std::string path;     // the error's key path
  std::string message;  // a part of the message
};

class ConfigKeyTables : public ::testing::Test {
 protected:
  void SetUp() override { writeFile(dir_ / "m.yaml", kMapping); }
  config::LoadResult load(const std::string& text) {
    writeFile(dir_ / "patrond.yaml", text);
    return config::loadConfig(dir_ / "patrond.yaml");
  }
  // Each case: exactly one error, at the needle's line and column, with its path and
  // message, and the line shown with the caret under the column.
  void expectOneLocatedError(const std::vector<Case>& cases) {
    for (const auto& c : cases) {
      auto r = load(c.text);
      auto errors = errorsOf(r);
      ASSERT_EQ(errors.size(), 1u) << c.path << "\n" << all(r);
      auto [line, column] = where(c.text, c.needle);
      EXPECT_EQ(errors[0].path, c.path);
      EXPECT_EQ(errors[0].line, line) << c.path;
      EXPECT_EQ(errors[0].column, column) << c.path;
      EXPECT_NE(errors[0].message.find(c.message), std::string::npos) << errors[0].message;
      std::string caret = std::string(static_cast<std::size_t>(column) - 1, ' ') + "^";
      EXPECT_NE(errors[0].excerpt.find(" | " + caret + "\n"), std::string::npos)
          << errors[0].excerpt;
    }
  }
  TempDir dir_;
};

TEST_F(ConfigKeyTables, UnknownKeysOfTheNewTablesSuggestAtTheirLine) {
  std::vector<Case> cases{
      {withNotice("    min_days_overdu: 3\n"), "min_days_overdu", "notices[0].min_days_overdu",
       "unknown key 'min_days_overdu' (did you mean 'min_days_overdue'?)"},
      {withJob("library_policies:\n  site_type: {high: {loan_days: 7}}\n"),
       "site_type:", "library_policies.site_type", "(did you mean 'site_types'?)"},
      {withJob("library_policies:\n  sites:\n    LHS: {max_checkout: 3}\n"), "max_checkout",
       "library_policies.sites.LHS.max_checkout", "(did you mean 'max_checkouts'?)"},
      {withJob("textbook_policies:\n  distrct: {loan_days: 7}\n"), "distrct",
       "textbook_policies.distrct", "(did you mean 'district'?)"},
      {withJob("library_policies:\n  district:\n    conditioning: {enabeld: true}\n"), "enabeld",
       "library_policies.district.conditioning.enabeld", "(did you mean 'enabled'?)"},
      {withJob("circulation:\n  sweep_a: \"02:00\"\n"), "sweep_a", "circulation.sweep_a",
       "unknown key 'sweep_a' (did you mean 'sweep_at'?)"},
  };
  expectOneLocatedError(cases);
}

TEST_F(ConfigKeyTables, BadValuesOfTheNewTablesAreLocated) {
  std::vector<Case> cases{
      {withNotice("    min_days_overdue: -1\n"), "-1", "notices[0].min_days_overdue",
       "must be between 0 and 3650, got -1"},
      {withNotice("    send_to: teacher\n"), "teacher", "notices[0].send_to",
       "'teacher' is not one of homeroom_teacher patron"},
      {withJob("library_policies:\n  sites:\n    LHS: {loan_days: 0}\n"), "0}",
       "library_policies.sites.LHS.loan_days", "must be between 1 and 3650, got 0"},
      {withJob("library_policies:\n  site_types:\n    high: {charge_lost: maybe}\n"), "maybe",
       "library_policies.site_types.high.charge_lost", "expected true or false, got 'maybe'"},
      {withJob("textbook_policies:\n  district:\n    conditioning: {demote_after: {good: 30}}\n"),
       "30", "textbook_policies.district.conditioning.demote_after.good",
       "must be between 1 and 25, got 30"},
      {withJob("circulation:\n  sweep_at: \"25:61\"\n"), "\"25:61\"", "circulation.sweep_at",
       "expected a time HH:MM, got '25:61'"},
      {withJob("conditions:\n  new: 100\n  mint: 101\n"), "101", "conditions.mint",
       "must be between 0 and 100, got 101"},
      {withJob("conditions:\n  new: lots\n"), "lots", "conditions.new",
       "expected a whole number, got 'lots'"},
  };
  expectOneLocatedError(cases);
}

// Valid files read as before: the conditions the file leaves out are kept, the policy tree's
// levels land where they did, the sweep moves.
TEST_F(ConfigKeyTables, ValidSectionsReadAsBefore) {
  auto r =
      load(withJob("library_policies:\n  district: {loan_days: 21}\n"
                   "  site_types: {high: {max_checkouts: 4}}\n"
                   "  sites:\n    LHS:\n      conditioning:\n"
                   "        enabled: true\n        demote_after: {new: 3, fair: 7}\n"
                   "circulation: {sweep_at: \"02:30\"}\n"
                   "conditions:\n  new: 90\n  mint: 95\n"));
  ASSERT_TRUE(r.ok()) << all(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.libraryPolicies.district.loanDays, 21);
  EXPECT_EQ(c.libraryPolicies.siteTypes.at("high").maxCheckouts, 4);
  const PolicyLevel& lhs = c.libraryPolicies.sites.at("LHS");
  EXPECT_EQ(lhs.conditioningEnabled, true);
  EXPECT_EQ(lhs.demoteAfter, (std::map<std::string, int>{{"fair", 7}, {"new", 3}}));
  EXPECT_EQ(c.circulation.sweepAt.hour, 2);
  EXPECT_EQ(c.circulation.sweepAt.minute, 30);
  std::vector<std::pair<std::string, int>> conditions;
  for (const auto& x : c.conditions) {
    conditions.emplace_back(x.name, x.percent);
  }
  EXPECT_EQ(conditions, (std::vector<std::pair<std::string, int>>{{"new", 90},
                                                                  {"mint", 95},
                                                                  {"good", 75},
                                                                  {"fair", 50},
                                                                  {"poor", 25},
                                                                  {"usable", 0},
                                                                  {"damaged", 0},
                                                                  {"unusable", 0}}));
  r = load(withJob());
  ASSERT_TRUE(r.ok()) << all(r);
  EXPECT_EQ(r.config->conditions.size(), defaultConditions().size());
  EXPECT_EQ(r.config->circulation.sweepAt.hour, 1);
}

// A misspelt weekday is one mistake: one error, with its suggestion, in an import's schedule
// and in a notice's (no "give days or before_library_day" besides).
TEST_F(ConfigKeyTables, AMisspeltDayIsOneError) {
  std::vector<Case> cases{
      {withJob("    schedule:\n      fridya: {update: full, at: \"02:00\"}\n"), "fridya",
       "imports[0].schedule.fridya", "(did you mean 'friday'?)"},
      {withNotice("    schedule: {days: [funday], at: \"07:00\"}\n"), "[funday]",
       "notices[0].schedule.days",
       "'funday' is not a weekday, daily or weekdays (did you mean "
       "'sunday'?)"},
      {withNotice("    schedule: {before_library_day: 9, at: \"07:00\"}\n"), "9,",
       "notices[0].schedule.before_library_day", "must be between 0 and 6, got 9"},
  };
  expectOneLocatedError(cases);
  // Still an error: neither given, or an empty list.
  for (const char* schedule : {"{at: \"07:00\"}", "{days: [], at: \"07:00\"}"}) {
    auto r = load(withNotice("    schedule: " + std::string(schedule) + "\n"));
    auto errors = errorsOf(r);
    ASSERT_EQ(errors.size(), 1u) << all(r);
    EXPECT_EQ(errors[0].message, "give days or before_library_day");
  }
}

TEST(ConfigKeyReference, ListsTheKeysOfTheNewTables) {
  std::set<std::string> paths;
  for (const auto& k : config::keyReference()) {
    EXPECT_TRUE(paths.insert(k.path).second) << "twice: " << k.path;
  }
  for (const char* want :
       {"notices[].name", "notices[].min_days_overdue", "notices[].template",
        "notices[].schedule.before_library_day", "textbook_policies.district",
        "textbook_policies.site_types", "textbook_policies.<level>.loan_days",
        "library_policies.sites", "library_policies.<level>.overdue_to_lost_days",
        "library_policies.<level>.conditioning.enabled",
        "library_policies.<level>.conditioning.demote_after.<condition>", "circulation.sweep_at",
        "conditions.<name>"}) {
    EXPECT_EQ(paths.count(want), 1u) << want;
  }
}

}  // namespace
}  // namespace patrond
