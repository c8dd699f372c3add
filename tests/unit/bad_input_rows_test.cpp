// Issue 13, hostile rows: cells too long for rules or for an identifier, values echoed into
// messages, byte order marks in mid-file and records that never end. Each is a located error
// (or dropped, for a BOM); nothing is cut short silently, nothing grows without bound.
#include <gtest/gtest.h>

#include "engine/csv_reader.h"
#include "engine/row_mapper.h"
#include "engine/text.h"
#include "tests/unit/fake_pattern.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

class BadInputCells : public ::testing::Test {
 protected:
  void SetUp() override {
    m_.path = "/etc/patrond/students.mapping.yaml";
    m_.fields = {{PatronField::kDistrictId, {"ID", 0, ""}},
                 {PatronField::kLastName, {"Last", 0, ""}},
                 {PatronField::kSite, {"School", 0, ""}},
                 {PatronField::kHomeroom, {"Homeroom", 0, ""}},
                 {PatronField::kBarcode, {"Barcode", 0, ""}},
                 {PatronField::kUsername, {"User", 0, ""}},
                 {PatronField::kBirthdate, {"DOB", 0, "%m/%d/%Y"}},
                 {PatronField::kGradYear, {"Grad", 0, ""}}};
    Rule homeroom;
    Matcher rx;
    rx.kind = Matcher::Kind::kRegex;
    pattern_ = test::fakePattern([](std::string_view s) { return !s.empty(); });
    rx.regex = pattern_;
    homeroom.when = {{PatronField::kHomeroom, rx}};
    homeroom.set = {{PatronField::kUser1, "has homeroom"}};
    homeroom.line = 9;
    m_.rules = {homeroom};
    mapper_ = std::make_unique<RowMapper>(m_, std::vector<Site>{{"LHS", "L", "high"}});
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

  std::vector<std::string> headerCols_{"ID",      "Last", "School", "Homeroom",
                                       "Barcode", "User", "DOB",    "Grad"};
  Mapping m_;
  std::shared_ptr<test::FakePattern> pattern_;
  std::unique_ptr<RowMapper> mapper_;
  std::vector<std::string> storage_;
  MappedRow out_;
  std::vector<RunMessage> messages_;
};

// Today the 50 KB cell reached std::regex (stack overflow): now no rule sees it.
TEST_F(BadInputCells, FiftyKilobyteCellIsTooLongBeforeAnyRuleSeesIt) {
  std::string big(50 * 1024, 'x');
  EXPECT_EQ(map({"S1", "Lee", "LHS", big, "", "", "", ""}, 17), RowOutcome::kRejected);
  EXPECT_EQ(pattern_->calls, 0);
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].severity, Severity::kError);
  EXPECT_EQ(messages_[0].code, "TOO_LONG");
  EXPECT_EQ(messages_[0].line, 17);
  EXPECT_EQ(messages_[0].key, "S1");
  EXPECT_EQ(messages_[0].text,
            "column 4 (Homeroom): the cell (homeroom) is 51200 characters long, more than the "
            "1024 a cell may hold");
}

// Up to the cap a cell is read; past its field's limit it is cut after the rules (SPEC 4).
TEST_F(BadInputCells, CellAtTheCapIsReadAndCutAfterTheRules) {
  std::string cell(kMaxCellChars, 'y');
  ASSERT_EQ(map({"S2", "Lee", "LHS", cell, "", "", "", ""}), RowOutcome::kMapped);
  EXPECT_EQ(pattern_->calls, 1);
  EXPECT_EQ(out_.values[index(PatronField::kUser1)], "has homeroom");
  EXPECT_EQ(out_.values[index(PatronField::kHomeroom)], std::string(100, 'y'));
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].code, "TRUNCATED");
}

// The cap counts characters, not bytes: 1024 two-byte letters are within it.
TEST_F(BadInputCells, CapCountsCharactersNotBytes) {
  std::string cell;
  for (std::size_t i = 0; i < kMaxCellChars; ++i) {
    cell += "\xC3\xA9";
  }
  EXPECT_EQ(map({"S3", "Lee", "LHS", cell, "", "", "", ""}), RowOutcome::kMapped);
  EXPECT_EQ(map({"S3", "Lee", "LHS", cell + "\xC3\xA9", "", "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "TOO_LONG");
}

// Today a 65-character ID was cut to 64, so two students became one.
TEST_F(BadInputCells, IdOverSixtyFourCharactersIsAnErrorNeverCut) {
  std::string id(64, '7');
  EXPECT_EQ(map({id, "Lee", "LHS", "", "", "", "", ""}), RowOutcome::kMapped);
  EXPECT_EQ(out_.key(PatronField::kDistrictId), id);
  for (std::string last : {"1", "2"}) {
    EXPECT_EQ(map({id + last, "Lee", "LHS", "", "", "", "", ""}, 5), RowOutcome::kRejected);
    ASSERT_EQ(messages_.size(), 1u);
    EXPECT_EQ(messages_[0].code, "TOO_LONG");
    EXPECT_EQ(messages_[0].line, 5);
    EXPECT_EQ(messages_[0].key, "");  // not a cut-down ID that could name someone else
    EXPECT_EQ(messages_[0].text,
              "column 1 (ID): district_id '" + std::string(40, '7') +
                  "...' (65 characters) is longer than 64 characters; an identifier is never "
                  "shortened: correct it in the file");
  }
}

TEST_F(BadInputCells, LongBarcodeAndUsernameAreErrorsNeverCut) {
  EXPECT_EQ(map({"S4", "Lee", "LHS", "", std::string(65, 'B'), "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "TOO_LONG");
  EXPECT_EQ(messages_[0].key, "S4");
  EXPECT_NE(messages_[0].text.find("column 5 (Barcode): barcode"), std::string::npos);
  EXPECT_EQ(map({"S4", "Lee", "LHS", "", "", std::string(129, 'u'), "", ""}),
            RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "TOO_LONG");
  EXPECT_NE(messages_[0].text.find("column 6 (User): username"), std::string::npos);
  EXPECT_EQ(map({"S4", "Lee", "LHS", "", "", std::string(128, 'u'), "", ""}), RowOutcome::kMapped);
}

TEST_F(BadInputCells, RuleThatMakesAnIdTooLongIsAnError) {
  Rule twice;
  twice.set = {{PatronField::kDistrictId, "${district_id}${district_id}"}};
  m_.rules.push_back(twice);
  RowMapper mapper(m_, {{"LHS", "L", "high"}});
  CsvRow header;
  for (const auto& h : headerCols_) {
    header.fields.push_back(h);
  }
  ASSERT_TRUE(mapper.bindHeader(header).ok());
  std::vector<std::string> cells{std::string(40, 'S'), "Lee", "LHS", "", "", "", "", ""};
  CsvRow row;
  row.line = 4;
  for (const auto& c : cells) {
    row.fields.push_back(c);
  }
  messages_.clear();
  EXPECT_EQ(mapper.map(row, out_, messages_), RowOutcome::kRejected);
  ASSERT_EQ(messages_.size(), 1u);
  EXPECT_EQ(messages_[0].code, "TOO_LONG");
  EXPECT_NE(messages_[0].text.find("(80 characters) is longer than 64 characters after the rules"),
            std::string::npos)
      << messages_[0].text;
}

// Today the whole value went into the message (a 200 KB message was stored).
TEST_F(BadInputCells, ValuesEchoedIntoMessagesAreBounded) {
  std::string site(1000, 's');
  EXPECT_EQ(map({"S5", "Lee", site, "", "", "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "UNKNOWN_SITE");
  EXPECT_EQ(messages_[0].text,
            "site '" + std::string(40, 's') + "...' (1000 characters) is not configured");
  EXPECT_EQ(map({"S5", "Lee", "LHS", "", "", "", std::string(1000, '1'), ""}),
            RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "BAD_DATE");
  EXPECT_LT(messages_[0].text.size(), 150u);
  EXPECT_NE(messages_[0].text.find("(1000 characters)"), std::string::npos);
  EXPECT_EQ(map({"S5", "Lee", "LHS", "", "", "", "", std::string(1000, 'g')}),
            RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].code, "BAD_VALUE");
  EXPECT_LT(messages_[0].text.size(), 150u);
  // Short values are quoted whole, as before.
  EXPECT_EQ(map({"S5", "Lee", "XYZ", "", "", "", "", ""}), RowOutcome::kRejected);
  EXPECT_EQ(messages_[0].text, "site 'XYZ' is not configured");
}

TEST(BadInputEcho, QuoteValueKeepsWholeCharacters) {
  EXPECT_EQ(quoteValue("abc"), "'abc'");
  std::string forty;
  for (int i = 0; i < 40; ++i) {
    forty += "\xC3\xA9";
  }
  EXPECT_EQ(quoteValue(forty), "'" + forty + "'");  // 80 bytes, 40 characters
  std::string v = forty + "x";
  EXPECT_EQ(quoteValue(v), "'" + forty + "...' (41 characters)");
  EXPECT_TRUE(validUtf8(quoteValue(std::string(3, 'a') + forty)));
}

std::vector<std::vector<std::string>> readRows(const std::string& text, std::size_t chunk,
                                               std::size_t buffer = 1 << 20) {
  test::StringSource src(text, chunk);
  CsvReader reader(src, ',', buffer);
  CsvRow row;
  std::vector<std::vector<std::string>> rows;
  for (;;) {
    auto more = reader.next(row);
    EXPECT_TRUE(more.ok()) << more.error().describe();
    if (!more.ok() || !*more) {
      break;
    }
    rows.emplace_back(row.fields.begin(), row.fields.end());
  }
  return rows;
}

// Two exports joined into one file: the second one's byte order mark is not part of an ID.
TEST(BadInputCsv, ByteOrderMarkInMidFileIsNotPartOfAnId) {
  const std::string bom = "\xEF\xBB\xBF";
  std::string text =
      bom + "ID,Last\nS1,A\n" + bom + "S2,B\n" + bom + "\"S3\",C\n\n" + bom + "\r\n" + bom + "S4,D";
  using Rows = std::vector<std::vector<std::string>>;
  Rows want{{"ID", "Last"}, {"S1", "A"}, {"S2", "B"}, {"S3", "C"}, {"S4", "D"}};
  for (std::size_t chunk : {1u, 2u, 3u, 5u, 1u << 20}) {
    EXPECT_EQ(readRows(text, chunk), want) << chunk;
    EXPECT_EQ(readRows(text, chunk, 4), want) << chunk;
  }
  // Only a whole mark at the start of a row goes; data that merely starts like one stays.
  std::string almost = "a\n\xEF\xBBx\n\xEF\n";
  for (std::size_t chunk : {1u, 2u, 1u << 20}) {
    EXPECT_EQ(readRows(almost, chunk),
              (Rows{{"a"}, {std::string("\xEF\xBBx")}, {std::string("\xEF")}}))
        << chunk;
  }
  EXPECT_EQ(readRows("a,b" + bom + "c\n", 1), (Rows{{"a", "b" + bom + "c"}}));
}

// Today a quote never closed took the rest of the file, up to 64 MB, into one cell.
TEST(BadInputCsv, UnclosedQuoteIsALocatedErrorNotOneGiantCell) {
  std::string rows;
  while (rows.size() <= CsvReader::kMaxRowBytes) {
    rows += "S" + std::to_string(rows.size()) + ",Lee\n";
  }
  std::string text = "ID,Last\nS1,\"Lee\n" + rows;
  for (std::size_t chunk : {7u, 1u << 20}) {
    test::StringSource src(text, chunk);
    CsvReader reader(src, ',');
    CsvRow row;
    ASSERT_TRUE(*reader.next(row));  // the header
    auto more = reader.next(row);
    ASSERT_FALSE(more.ok());
    EXPECT_EQ(more.error().code.name(), "CSV");
    EXPECT_EQ(more.error().where, "line 2");
    EXPECT_EQ(more.error().message,
              "the record starting on line 2 is longer than 1 MB, the most a record may hold: is "
              "a quote on that line never closed?");
  }
}

TEST(BadInputCsv, UnquotedLineWithoutEndIsALocatedError) {
  std::string text = "ID,Last\nS1,Lee\n" + std::string(CsvReader::kMaxRowBytes + 1, 'x');
  test::StringSource src(text);
  CsvReader reader(src, ',');
  CsvRow row;
  ASSERT_TRUE(*reader.next(row));
  ASSERT_TRUE(*reader.next(row));
  auto more = reader.next(row);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().where, "line 3");
}

}  // namespace
}  // namespace patrond
