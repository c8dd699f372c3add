// Issue 13: mapping-rule regexes on RE2. Linear-time matching whatever the pattern or the
// value; what RE2 cannot take is refused when the configuration loads, at its FILE:LINE:COL.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "adapters/config/yaml_config.h"
#include "adapters/regex/re2_pattern.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const Pattern> compiled(const std::string& source) {
  auto re = regex::compile(source);
  EXPECT_TRUE(re.ok()) << source << ": " << (re.ok() ? "" : re.error().message);
  return re.ok() ? *re : nullptr;
}

// std::regex overflowed its stack on a 50 KB value (SIGSEGV).
TEST(BadInputRegex, FiftyKilobyteValueIsMatchedNotACrash) {
  auto re = compiled("^[A-Za-z0-9 ]+$");
  ASSERT_TRUE(re);
  EXPECT_TRUE(re->search(std::string(50 * 1024, 'x')));
  EXPECT_FALSE(re->search(std::string(50 * 1024, 'x') + "!"));
  EXPECT_TRUE(re->search(std::string(10 * 1024 * 1024, 'y')));
}

// std::regex backtracked for 30 s over 31 characters; RE2 takes microseconds.
TEST(BadInputRegex, NestedQuantifiersRunInLinearTime) {
  auto re = compiled("^(a+)+$");
  ASSERT_TRUE(re);
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(re->search(std::string(30, 'a') + "!"));
  EXPECT_TRUE(re->search(std::string(31, 'a')));
  EXPECT_FALSE(re->search(std::string(1 << 20, 'a') + "!"));
  auto evil = compiled("(x+x+)+y");
  ASSERT_TRUE(evil);
  EXPECT_FALSE(evil->search(std::string(5000, 'x')));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(BadInputRegex, SearchFindsAMatchAnywhereAndUnderstandsUtf8) {
  auto re = compiled("\\d{3}");
  ASSERT_TRUE(re);
  EXPECT_TRUE(re->search("Room 104"));
  EXPECT_FALSE(re->search("Room 10"));
  auto letters = compiled("^\\p{L}+$");
  ASSERT_TRUE(letters);
  EXPECT_TRUE(letters->search("Zo\xC3\xAB"));  // Zoë: one letter, not two bytes
  auto one = compiled("^.{3}$");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->search("Zo\xC3\xAB"));
  EXPECT_TRUE(compiled("^$")->search(""));
}

TEST(BadInputRegex, PatternsRe2CannotTakeAreRefusedWithItsReason) {
  struct Case {
    const char* pattern;
    const char* reason;
  };
  for (const Case& c :
       {Case{"(a)\\1", "invalid escape sequence: \\1"}, Case{"(?=a)", "invalid perl operator: (?="},
        Case{"(?<=a)b", "invalid perl operator: (?<"}, Case{"(?!a)", "invalid perl operator: (?!"},
        Case{"a{1001}", "invalid repetition size: {1001}"},
        Case{"\\pL{1000}", "pattern too large - compile failed"},
        Case{"([a-z", "missing ]: [a-z"}}) {
    auto re = regex::compile(c.pattern);
    ASSERT_FALSE(re.ok()) << c.pattern;
    EXPECT_EQ(re.error().code.name(), "CONFIG");
    EXPECT_EQ(re.error().message.rfind(c.reason, 0), 0u) << re.error().message;
  }
  auto big = regex::compile("\\pL{1000}");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("more than 4 MB"), std::string::npos);
}

TEST(BadInputRegex, RefusedPatternIsAConfigErrorAtItsPosition) {
  test::TempDir dir;
  test::writeFile(dir / "m.yaml",
                  "fields: {district_id: ID, last_name: Last, site: School}\n"
                  "rules:\n"
                  "  - when: {grade: \"12\"}\n"
                  "    set: {patron_type: Senior}\n"
                  "  - when: {homeroom: {not: {regex: \"^(?<room>\\\\d+)$\"}}}\n"
                  "    skip: no room\n");
  test::writeFile(dir / "patrond.yaml",
                  "district: {name: T, timezone: UTC}\n"
                  "sites:\n  - {code: LHS, name: L, type: high}\n"
                  "imports:\n  - name: students\n    source: {directory: sis, file: s.csv}\n"
                  "    mapping: m.yaml\n");
  auto r = config::loadConfig(dir / "patrond.yaml");
  std::vector<config::Diagnostic> errors;
  std::copy_if(r.diagnostics.begin(), r.diagnostics.end(), std::back_inserter(errors),
               [](const config::Diagnostic& d) { return !d.warning; });
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(errors[0].file, dir / "m.yaml");
  EXPECT_EQ(errors[0].line, 5);
  EXPECT_EQ(errors[0].column, 36);
  EXPECT_EQ(errors[0].format(),
            dir / "m.yaml" +
                ":5:36: rules[1].when.homeroom.not.regex: regular expression "
                "does not compile (RE2 syntax, see docs/configuration.md): invalid perl operator: "
                "(?<");
}

}  // namespace
}  // namespace patrond
