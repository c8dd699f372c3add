// The YAML config adapter against real files: every error with file:line:col and key path.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "adapters/config/yaml_config.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using config::Diagnostic;
using test::TempDir;
using test::writeFile;

const char* kMapping = R"(header: true
match_on: district_id
fields:
  district_id: StudentID
  last_name: LastName
  site: School
  birthdate: {column: DOB, format: "%m/%d/%Y"}
defaults: {patron_type: Student}
rules:
  - when: {grade: "12"}
    set: {patron_type: Senior}
  - when: {email: {regex: "^$"}}
    set: {email: "${username}@example.org"}
  - map: {grade: {K: "0"}}
  - when: {site: {not: {empty: false}}}
    reject: "no site"
preserve: [email]
)";

std::string baseConfig(const std::string& extra = "") {
  return "district:\n  name: Test\n  timezone: America/Chicago\n"
         "sites:\n  - {code: LHS, name: Lincoln, type: high}\n"
         "imports:\n  - name: students\n    source: {directory: sis, file: s.csv}\n"
         "    mapping: m.yaml\n" +
         extra;
}

std::vector<Diagnostic> errorsOf(const config::LoadResult& r) {
  std::vector<Diagnostic> out;
  std::copy_if(r.diagnostics.begin(), r.diagnostics.end(), std::back_inserter(out),
               [](const Diagnostic& d) { return !d.warning; });
  return out;
}

class ConfigLoader : public ::testing::Test {
 protected:
  void SetUp() override { writeFile(dir_ / "m.yaml", kMapping); }
  config::LoadResult load(const std::string& text) {
    writeFile(dir_ / "patrond.yaml", text);
    return config::loadConfig(dir_ / "patrond.yaml");
  }
  TempDir dir_;
};

TEST_F(ConfigLoader, ShippedExampleLoads) {
  auto r = config::loadConfig(std::string(PATROND_SOURCE_DIR) + "/conf/examples/patrond.yaml");
  ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].format());
  EXPECT_EQ(r.config->imports.size(), 2u);
  EXPECT_EQ(r.config->district.statisticalYearStartMonth, 8);
  EXPECT_EQ(r.config->imports[0].schedule.size(), 6u);
  EXPECT_EQ(r.config->textbookPolicies.sites.at("LHS").overdueToLostDays, 60);
}

TEST_F(ConfigLoader, MappingFileIsReadWithRulesAndRelativePaths) {
  auto r = load(baseConfig());
  ASSERT_TRUE(r.ok()) << r.diagnostics[0].format();
  const ImportJob& j = r.config->imports[0];
  EXPECT_EQ(j.source.directory, (dir_.path() / "sis").string());
  EXPECT_EQ(j.mapping.fields.size(), 4u);
  EXPECT_EQ(j.mapping.fields[3].second.dateFormat, "%m/%d/%Y");
  ASSERT_EQ(j.mapping.rules.size(), 4u);
  EXPECT_EQ(j.mapping.rules[0].line, 10);
  EXPECT_EQ(j.mapping.rules[1].when[0].second.kind, Matcher::Kind::kRegex);
  ASSERT_TRUE(j.mapping.rules[1].when[0].second.regex);
  EXPECT_EQ(j.mapping.rules[3].when[0].second.kind, Matcher::Kind::kNot);
  EXPECT_TRUE(j.mapping.rules[3].reject.has_value());
  ASSERT_EQ(j.mapping.preserve.size(), 1u);
  EXPECT_EQ(r.config->database.connection, "db=" + (dir_.path() / "patrond.db").string());
}

TEST_F(ConfigLoader, ThreeErrorsWithExactPositions) {
  auto r =
      load(baseConfig("    shedule:\n      monday: {update: full, at: \"02:00\"}\n"
                      "    options:\n      keep_runs: lots\n"
                      "textbook_policies:\n  district:\n    max_checkouts: 1000\n"));
  ASSERT_FALSE(r.ok());
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].line, 10);
  EXPECT_EQ(errors[0].column, 5);
  EXPECT_EQ(errors[0].message, "unknown key 'shedule' (did you mean 'schedule'?)");
  EXPECT_EQ(errors[1].line, 13);
  EXPECT_EQ(errors[1].column, 18);
  EXPECT_EQ(errors[1].path, "imports[0].options.keep_runs");
  EXPECT_EQ(errors[2].line, 16);
  EXPECT_EQ(errors[2].column, 20);
  EXPECT_EQ(errors[2].path, "textbook_policies.district.max_checkouts");
  EXPECT_NE(errors[2].message.find("between 1 and 999"), std::string::npos);
  EXPECT_EQ(errors[0].format().rfind((dir_.path() / "patrond.yaml").string() + ":10:5: ", 0), 0u);
}

TEST_F(ConfigLoader, RangesFromTheSpec) {
  auto r =
      load(baseConfig("    lifecycle:\n      min_records_read: 1000000\n      max_percent: 101\n"
                      "      delete_with_transactions: {age: 100}\n"
                      "    options: {allow_delete_with_transactions: true}\n"
                      "textbook_policies:\n  district:\n"
                      "    conditioning: {demote_after: {new: 26}}\n"));
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].path, "imports[0].lifecycle.min_records_read");
  EXPECT_EQ(errors[1].path, "imports[0].lifecycle.max_percent");
  EXPECT_EQ(errors[2].path, "imports[0].lifecycle.delete_with_transactions.age");
  EXPECT_EQ(errors[3].path, "textbook_policies.district.conditioning.demote_after.new");
}

TEST_F(ConfigLoader, SecretsNeverInTheYaml) {
  auto r = load(baseConfig("smtp:\n  host: mail\n  from: a@b\n  password: hunter2\n"));
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("password_file or password_env"), std::string::npos);
  EXPECT_EQ(errors[0].format().find("hunter2"), std::string::npos);
  r = load(
      baseConfig("database:\n  backend: postgresql\n  connection: \"host=x password=hunter2\"\n"));
  errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "database.connection");
}

TEST_F(ConfigLoader, WorldReadableSecretFileIsAWarning) {
  writeFile(dir_ / "smtp.secret", "pw\n");
  ::chmod((dir_ / "smtp.secret").c_str(), 0644);
  auto r = load(baseConfig("smtp:\n  host: mail\n  from: a@b\n  password_file: smtp.secret\n"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_TRUE(r.diagnostics[0].warning);
  EXPECT_NE(r.diagnostics[0].message.find("readable by everyone"), std::string::npos);
  ::chmod((dir_ / "smtp.secret").c_str(), 0600);
  r = load(baseConfig("smtp:\n  host: mail\n  from: a@b\n  password_file: smtp.secret\n"));
  EXPECT_TRUE(r.diagnostics.empty());
  auto secret = config::readSecret(r.config->smtp->password);
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(*secret, "pw");
}

TEST_F(ConfigLoader, BadRegexIsAConfigErrorWithItsLine) {
  writeFile(dir_ / "m.yaml",
            "fields: {district_id: ID}\nrules:\n  - when: {grade: {regex: \"([a-z\"}}\n"
            "    skip: bad\n");
  auto r = load(baseConfig());
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, (dir_.path() / "m.yaml").string());
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_NE(errors[0].message.find("does not compile"), std::string::npos);
}

TEST_F(ConfigLoader, UnknownFieldsWeekdaysAndTimeZones) {
  writeFile(dir_ / "m.yaml", "fields: {district_id: ID, lastname: Last}\n");
  auto r = load("district: {timezone: America/Chikago}\n" +
                baseConfig().substr(baseConfig().find("sites")) +
                "    schedule:\n      mondy: {update: full, at: \"25:00\"}\n");
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 4u) << errors[0].format();
  std::vector<std::string> messages;
  for (const auto& e : errors) {
    messages.push_back(e.message);
  }
  EXPECT_TRUE(std::any_of(messages.begin(), messages.end(), [](auto& m) {
    return m.find("unknown time zone 'America/Chikago'") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(messages.begin(), messages.end(), [](auto& m) {
    return m.find("did you mean 'last_name'") != std::string::npos;
  }));
  EXPECT_TRUE(std::any_of(messages.begin(), messages.end(), [](auto& m) {
    return m.find("did you mean 'monday'") != std::string::npos;
  }));
}

TEST_F(ConfigLoader, SyntaxErrorAndMissingFileAreReportedNotThrown) {
  auto r = load("district: {name: [unclosed\n");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 2);
  EXPECT_NE(r.diagnostics[0].message.find("YAML syntax"), std::string::npos);
  auto missing = config::loadConfig(dir_ / "nope.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.diagnostics[0].message.find("cannot open"), std::string::npos);
}

TEST_F(ConfigLoader, CirculationSweepTime) {
  auto r = load(baseConfig() + "circulation: {sweep_at: \"02:30\"}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->circulation.sweepAt.hour, 2);
  EXPECT_EQ(r.config->circulation.sweepAt.minute, 30);
  r = load(baseConfig() + "circulation: {sweep_at: \"25:00\", sweep: 1}\n");
  auto errors = errorsOf(r);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "circulation.sweep");
  EXPECT_EQ(errors[1].path, "circulation.sweep_at");
}

TEST_F(ConfigLoader, DailyAndWeekdaysAreScheduleShorthands) {
  auto r = load(baseConfig("    schedule:\n      weekdays: {update: incremental, at: \"02:00\"}\n"
                           "      friday: {update: full, at: \"03:00\"}\n") +
                "smtp:\n  host: mail\n  from: lib@example.org\n"
                "notices:\n  - name: daily\n    report: overdue\n    subject: s\n"
                "    schedule: {days: [daily], at: \"07:00\"}\n"
                "  - name: school-days\n    report: overdue\n    subject: s\n"
                "    schedule: {days: [weekdays, monday], at: \"07:00\"}\n");
  ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].format());
  const auto& sched = r.config->imports[0].schedule;
  ASSERT_EQ(sched.size(), 5u);  // Monday to Friday
  EXPECT_EQ(sched[0].weekday, 1);
  EXPECT_EQ(sched[0].update, UpdateType::kIncremental);
  EXPECT_EQ(sched[4].weekday, 5);
  EXPECT_EQ(sched[4].update, UpdateType::kFull);  // the day named on its own wins
  EXPECT_EQ(r.config->notices[0].schedule->days.size(), 7u);
  EXPECT_EQ(r.config->notices[1].schedule->days, (std::vector<int>{1, 2, 3, 4, 5}));
  r = load(baseConfig("    schedule:\n      weekday: {update: full, at: \"02:00\"}\n"));
  auto errors = errorsOf(r);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message.find("did you mean 'weekdays'"), std::string::npos)
      << errors[0].format();
}

TEST_F(ConfigLoader, MonitoringSection) {
  const std::string smtp = "smtp:\n  host: mail\n  from: lib@example.org\n";
  auto r =
      load(baseConfig() + smtp +
           "monitoring:\n  grace: 90m\n  metrics: 127.0.0.1:9464\n  alerts:\n"
           "    to: [it@example.org, help@example.org]\n    on: [run_failed, delivery_failed]\n"
           "    repeat_after: 12h\n");
  ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].format());
  const MonitoringConfig& m = r.config->monitoring;
  EXPECT_EQ(m.grace, std::chrono::minutes(90));
  EXPECT_EQ(m.metrics, "127.0.0.1:9464");
  ASSERT_TRUE(m.alerts);
  EXPECT_EQ(m.alerts->to.size(), 2u);
  EXPECT_EQ(m.alerts->on,
            (std::vector<AlertKind>{AlertKind::kRunFailed, AlertKind::kDeliveryFailed}));
  EXPECT_EQ(m.alerts->repeatAfter, std::chrono::hours(12));
  // Defaults: grace 2h, every kind, a day between repeats.
  r = load(baseConfig() + smtp + "monitoring:\n  alerts: {to: it@example.org}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->monitoring.grace, std::chrono::hours(2));
  EXPECT_EQ(r.config->monitoring.alerts->on.size(), 4u);
  EXPECT_EQ(r.config->monitoring.alerts->repeatAfter, std::chrono::hours(24));

  r = load(baseConfig() +
           "monitoring:\n  grace: soon\n  metrics: 0.0.0.0:9464\n  alerts:\n"
           "    to: [it@example.org]\n    on: [run_failed, run_faild]\n    repeat_after: 1m\n");
  auto errors = errorsOf(r);
  std::set<std::string> paths;
  for (const auto& e : errors) {
    paths.insert(e.path);
  }
  EXPECT_EQ(paths, (std::set<std::string>{"monitoring.grace", "monitoring.alerts.on",
                                          "monitoring.alerts.repeat_after", "monitoring.alerts"}))
      << (errors.empty() ? "" : errors[0].format());
  for (const auto& e : errors) {
    if (e.path == "monitoring.alerts.on") {
      EXPECT_NE(e.message.find("unknown alert 'run_faild'"), std::string::npos);
      EXPECT_EQ(e.line, 15);
    }
    if (e.path == "monitoring.alerts") {
      EXPECT_NE(e.message.find("smtp"), std::string::npos);
    }
  }
  bool warned = false;
  for (const auto& d : r.diagnostics) {
    warned = warned || (d.warning && d.path == "monitoring.metrics");
  }
  EXPECT_TRUE(warned);
}

TEST_F(ConfigLoader, WrongShapesAreErrorsNotCrashes) {
  for (const char* text : {"sites: LHS\n", "imports: {name: x}\n", "imports:\n  - just a string\n",
                           "district: 5\n", "notices:\n  - name: n\n    schedule: friday\n",
                           "textbook_policies: [1, 2]\n", "conditions: [new]\n"}) {
    auto r = load(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_FALSE(errorsOf(r).empty()) << text;
  }
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

TEST_F(ConfigLoader, NoticesThatCannotBeDeliveredAreErrors) {
  auto r =
      load(baseConfig("notices:\n"
                      "  - name: mailed\n    report: overdue\n    deliver: email\n"
                      "    copy_to: [\"lib@example.org\\nBcc: x@example.org\"]\n"
                      "    fallback_to: not-an-address\n"
                      "  - name: printed\n    report: overdue\n    deliver: print\n"));
  auto errors = errorsOf(r);
  std::vector<std::string> paths;
  for (const auto& e : errors) {
    paths.push_back(e.path);
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"notices[0].deliver", "notices[0].copy_to",
                                             "notices[0].fallback_to", "notices[1].print_dir"}));
  EXPECT_NE(errors[0].message.find("needs an 'smtp' section"), std::string::npos);
  EXPECT_NE(errors[1].message.find("is not an e-mail address"), std::string::npos);
  EXPECT_NE(errors[3].message.find("needs print_dir"), std::string::npos);
}

}  // namespace
}  // namespace patrond

// The key reference comes from the loader's key tables (check-config --keys), and
// docs/configuration.md names every key in it: a section heading, or the key's name in code
// (a `span` or a fenced example). A key added to a table without a doc line here fails this.
TEST(ConfigKeyReference, TheConfigurationPageNamesEveryKeyOfTheTables) {
  auto keys = patrond::config::keyReference();
  ASSERT_GT(keys.size(), 100u);
  std::ifstream in(std::string(PATROND_SOURCE_DIR) + "/docs/configuration.md");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(doc.empty());
  // Code: fenced blocks, then inline spans of what is left; headings: "## a, b".
  std::string code, rest;
  for (std::size_t pos = 0;;) {
    auto open = doc.find("```", pos);
    auto close = open == std::string::npos ? open : doc.find("```", open + 3);
    if (close == std::string::npos) {
      rest += doc.substr(pos);
      break;
    }
    rest += doc.substr(pos, open - pos);
    code += doc.substr(open, close - open) + "\n";
    pos = close + 3;
  }
  std::string headings;
  std::istringstream lines(rest);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("#", 0) == 0) {
      headings += line + "\n";
    }
    for (auto a = line.find('`'); a != std::string::npos; a = line.find('`', a)) {
      auto b = line.find('`', a + 1);
      if (b == std::string::npos) {
        break;
      }
      code += line.substr(a + 1, b - a - 1) + "\n";
      a = b + 1;
    }
  }
  auto namesWord = [](const std::string& text, const std::string& word) {
    auto isWordChar = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    };
    for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
      bool startOk = at == 0 || !isWordChar(text[at - 1]);
      bool endOk = at + word.size() == text.size() || !isWordChar(text[at + word.size()]);
      if (startOk && endOk) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> missing;
  for (const auto& k : keys) {
    EXPECT_FALSE(k.doc.empty()) << k.path << " has no doc line in its key table";
    std::string name = k.path.substr(
        k.path.find_last_of(".:") == std::string::npos ? 0 : k.path.find_last_of(".:") + 1);
    if (!namesWord(code, name) && !namesWord(headings, name)) {
      missing.push_back(k.path);
    }
  }
  EXPECT_TRUE(missing.empty()) << "docs/configuration.md does not name: " << [&] {
    std::string all;
    for (const auto& m : missing) {
      all += m + " ";
    }
    return all;
  }();
}
