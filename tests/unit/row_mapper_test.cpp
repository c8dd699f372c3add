#include "engine/row_mapper.h"

#include <gtest/gtest.h>

#include "tests/unit/fake_pattern.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

Matcher equal(std::string v) {
  Matcher m;
  m.value = std::move(v);
  return m;
}

class Mapper : public ::testing::Test {
 protected:
  void SetUp() override {
    m_.path = "/etc/patrond/students.mapping.yaml";
    m_.fields = {{PatronField::kDistrictId, {"ID", 0, ""}},
                 {PatronField::kLastName, {"Last", 0, ""}},
                 {PatronField::kFirstName, {"First", 0, ""}},
                 {PatronField::kSite, {"School", 0, ""}},
                 {PatronField::kGrade, {"Grade", 0, ""}},
                 {PatronField::kEmail, {"Email", 0, ""}},
                 {PatronField::kUsername, {"User", 0, ""}},
                 {PatronField::kBirthdate, {"DOB", 0, "%m/%d/%Y"}}};
    m_.defaults = {{PatronField::kPatronType, "Student"}, {PatronField::kPersona, "student"}};
    Rule senior;
    senior.when = {{PatronField::kGrade, equal("12")}};
    senior.set = {{PatronField::kPatronType, "Senior"}};
    senior.line = 12;
    Rule summer;
    Matcher any;
    any.kind = Matcher::Kind::kAnyOf;
    any.values = {"999", "SUMMER"};
    summer.when = {{PatronField::kSite, any}};
    summer.skip = "summer-school placeholder";
    summer.line = 14;
    Rule email;
    Matcher empty;
    empty.kind = Matcher::Kind::kRegex;
    empty.regex = test::fakePattern([](std::string_view s) { return s.empty(); });
    email.when = {{PatronField::kEmail, empty}};
    email.set = {{PatronField::kEmail, "${username}@example.org"}};
    Rule grades;
    grades.map = {{PatronField::kGrade, {{"K", "0"}, {"PK", "-1"}}}};
    Rule reject;
    Matcher notEmpty;
    notEmpty.kind = Matcher::Kind::kNot;
    Matcher isEmpty;
    isEmpty.kind = Matcher::Kind::kEmpty;
    isEmpty.empty = false;
    notEmpty.inner = std::make_shared<Matcher>(isEmpty);
    reject.when = {{PatronField::kFirstName, notEmpty}};
    reject.reject = "no first name";
    reject.line = 20;
    m_.rules = {senior, summer, email, grades, reject};
    mapper_ = std::make_unique<RowMapper>(
        m_, std::vector<Site>{{"LHS", "L", "high"}, {"WES", "W", "elementary"}});
    CsvRow header;
    header.line = 1;
    for (const auto& h : headerCols_) {
      header.fields.push_back(h);
    }
    ASSERT_TRUE(mapper_->bindHeader(header).ok());
  }

  RowOutcome map(std::vector<std::string> cols, std::int64_t line = 2) {
    storage_ = std::move(cols);
    CsvRow row;
    row.line = line;
    for (const auto& c : storage_) {
      row.fields.push_back(c);
    }
    messages_.clear();
    return mapper_->map(row, out_, messages_);
  }

  std::vector<std::string> headerCols_{"ID",    "Last",  "First", "School",
                                       "Grade", "Email", "User",  "DOB"};
  Mapping m_;
  std::unique_ptr<RowMapper> mapper_;
  std::vector<std::string> storage_;
  MappedRow out_;
  std::vector<RunMessage> messages_;
};

TEST_F(Mapper, MapsColumnsDefaultsRulesAndDates) {
  ASSERT_EQ(map({"S1", "Núñez", "Zoë", "LHS", "12", "", "znunez", "2/7/2008"}),
            RowOutcome::kMapped);
  EXPECT_EQ(out_.values[index(PatronField::kPatronType)], "Senior");
  EXPECT_EQ(out_.values[index(PatronField::kPersona)], "student");
  EXPECT_EQ(out_.values[index(PatronField::kEmail)], "znunez@example.org");
  EXPECT_EQ(out_.values[index(PatronField::kBirthdate)], "2008-02-07");
  EXPECT_TRUE(messages_.empty());
}

TEST_F(Mapper, MapTranslatesValues) {
  ASSERT_EQ(map({"S2", "Lee", "Al", "WES", "K", "a@b", "al", ""}), RowOutcome::kMapped);
  EXPECT_EQ(out_.values[index(PatronField::kGrade)], "0");
  EXPECT_EQ(out_.values[index(PatronField::kPatronType)], "Student");
}

TEST_F(Mapper, SkipIsAWarningWithTheRuleLine) {
  EXPECT_EQ(map({"S3", "X", "Y", "SUMMER", "9", "", "", ""}, 7), RowOutcome::kSkipped);
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].severity, Severity::kWarning);
  EXPECT_EQ(messages_[0].code, "RULE_SKIP");
  EXPECT_EQ(messages_[0].line, 7);
  EXPECT_EQ(messages_[0].key, "S3");
  EXPECT_NE(messages_[0].text.find("students.mapping.yaml:14"), std::string::npos);
}

TEST_F(Mapper, RejectIsAnError) {
  EXPECT_EQ(map({"S4", "X", "", "LHS", "9", "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "RULE_REJECT");
  EXPECT_EQ(messages_[0].severity, Severity::kError);
}

TEST_F(Mapper, RequiredFieldsAndSites) {
  EXPECT_EQ(map({"", "X", "Y", "LHS", "9", "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "MISSING_REQUIRED");
  EXPECT_NE(messages_[0].text.find("district_id"), std::string::npos);
  EXPECT_EQ(map({"S5", "", "Y", "LHS", "9", "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "MISSING_REQUIRED");
  EXPECT_EQ(map({"S6", "X", "Y", "XYZ", "9", "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "UNKNOWN_SITE");
  EXPECT_EQ(messages_[0].text, "site 'XYZ' is not configured");
}

TEST_F(Mapper, BadDateColumnCountAndEncoding) {
  EXPECT_EQ(map({"S7", "X", "Y", "LHS", "9", "", "", "13/45/2009"}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "BAD_DATE");
  EXPECT_EQ(messages_[0].key, "S7");
  EXPECT_EQ(map({"S8", "X", "Y", "LHS"}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "COLUMN_COUNT");
  EXPECT_EQ(messages_[0].text, "expected 8 columns, found 4");
  storage_ = {"S9", "X\xFF", "Y", "LHS", "9", "", "", ""};
  CsvRow row;
  row.line = 3;
  row.badEncoding = true;
  for (const auto& c : storage_) {
    row.fields.push_back(c);
  }
  messages_.clear();
  EXPECT_EQ(mapper_->map(row, out_, messages_), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "BAD_ENCODING");
  EXPECT_EQ(messages_[0].key, "S9");
}

TEST_F(Mapper, LongValuesAreCutWithAWarning) {
  std::string longName(150, 'x');
  ASSERT_EQ(map({"S10", longName, "Y", "LHS", "9", "a@b", "u", ""}), RowOutcome::kMapped);
  EXPECT_EQ(out_.values[index(PatronField::kLastName)].size(), 100u);
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].code, "TRUNCATED");
  EXPECT_EQ(messages_[0].severity, Severity::kWarning);
  EXPECT_NE(messages_[0].text.find("last_name too long; shortened to fit"), std::string::npos);
}

TEST_F(Mapper, MissingHeaderColumnNamesIt) {
  CsvRow header;
  header.line = 1;
  std::vector<std::string> cols{"ID", "Last", "First", "Grade", "Email", "User", "DOB"};
  for (const auto& c : cols) {
    header.fields.push_back(c);
  }
  auto r = mapper_->bindHeader(header);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code.name(), "MISSING_COLUMN");
  EXPECT_NE(r.error().message.find("'School'"), std::string::npos);
}

TEST_F(Mapper, WrittenFieldsCoverMappedDefaultedAndRuleSet) {
  const auto& w = mapper_->writtenFields();
  for (PatronField f : {PatronField::kDistrictId, PatronField::kPatronType, PatronField::kPersona,
                        PatronField::kEmail, PatronField::kGrade}) {
    EXPECT_NE(std::find(w.begin(), w.end(), f), w.end()) << fieldInfo(f).name;
  }
  EXPECT_EQ(std::find(w.begin(), w.end(), PatronField::kPhone), w.end());
}

TEST(Dates, Formats) {
  EXPECT_EQ(parseDate("02/27/2010", "%m/%d/%Y"), "2010-02-27");
  EXPECT_EQ(parseDate("2/7/2010", "%m/%d/%Y"), "2010-02-07");
  EXPECT_EQ(parseDate("2010-02-27", ""), "2010-02-27");
  EXPECT_EQ(parseDate("27.02.10", "%d.%m.%y"), "2010-02-27");
  EXPECT_EQ(parseDate("27 Feb 2010", "%d %b %Y"), "2010-02-27");
  EXPECT_EQ(parseDate("February 27, 2010", "%B %d, %Y"), "2010-02-27");
  EXPECT_FALSE(parseDate("02/30/2010", "%m/%d/%Y"));
  EXPECT_FALSE(parseDate("2010-02-27x", ""));
  EXPECT_FALSE(parseDate("", "%Y"));
}

TEST_F(Mapper, RawHashDiffersByFieldNotJustConcatenationAndRoundTrips) {
  auto hashOf = [&](std::vector<std::string> cols) {
    storage_ = std::move(cols);
    CsvRow row;
    for (const auto& c : storage_) {
      row.fields.push_back(c);
    }
    return mapper_->rawHash(row);
  };
  auto a = hashOf({"S1", "ab", "", "LHS", "9", "", "", ""});
  auto b = hashOf({"S1", "a", "b", "LHS", "9", "", "", ""});
  EXPECT_NE(a, b);
  EXPECT_EQ(a, hashOf({"S1", "ab", "", "LHS", "9", "", "", ""}));
  EXPECT_EQ(hexToHash(hashToHex(a)), a);
}

TEST(FieldsWrittenBy, MappedDefaultedAndRuleSetFieldsSorted) {
  Mapping m;
  m.fields = {{PatronField::kLastName, {"L", 0, ""}}, {PatronField::kDistrictId, {"I", 0, ""}}};
  m.defaults = {{PatronField::kPersona, "student"}};
  Rule r;
  r.set = {{PatronField::kPassword, "x"}};
  m.rules = {r};
  EXPECT_EQ(fieldsWrittenBy(m),
            (std::vector<PatronField>{PatronField::kDistrictId, PatronField::kPassword,
                                      PatronField::kLastName, PatronField::kPersona}));
}

}  // namespace
}  // namespace patrond
