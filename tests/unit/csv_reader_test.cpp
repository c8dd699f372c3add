#include "engine/csv_reader.h"

#include <gtest/gtest.h>

#include "tests/unit/string_source.h"

namespace patrond {
namespace {

struct Parsed {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::int64_t> lines;
  std::vector<bool> bad, unterminated;
};

Parsed parse(const std::string& text, char delim = ',', std::size_t chunk = 1 << 20) {
  test::StringSource src(text, chunk);
  CsvReader reader(src, delim);
  CsvRow row;
  Parsed p;
  for (;;) {
    auto more = reader.next(row);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) {
      break;
    }
    p.rows.emplace_back(row.fields.begin(), row.fields.end());
    p.lines.push_back(row.line);
    p.bad.push_back(row.badEncoding);
    p.unterminated.push_back(row.unterminatedQuote);
  }
  return p;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvReader, PlainRowsWithLfAndCrlf) {
  EXPECT_EQ(parse("a,b,c\n1,2,3\n").rows, (Rows{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(parse("a,b\r\n1,2\r\n").rows, (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(parse("a,b\n1,2").rows, (Rows{{"a", "b"}, {"1", "2"}}));  // no final newline
}

TEST(CsvReader, QuotedDelimitersDoubledQuotesAndLineBreaks) {
  auto p = parse("name,note\n\"Lee, Sam\",\"said \"\"hi\"\"\"\n\"multi\nline\",x\nlast,y\n");
  ASSERT_EQ(p.rows.size(), 4u);
  EXPECT_EQ(p.rows[1], (std::vector<std::string>{"Lee, Sam", "said \"hi\""}));
  EXPECT_EQ(p.rows[2], (std::vector<std::string>{"multi\nline", "x"}));
  EXPECT_EQ(p.lines, (std::vector<std::int64_t>{1, 2, 3, 5}));
}

TEST(CsvReader, TrimsUnquotedSpacesButNotQuotedOnes) {
  EXPECT_EQ(parse("  a  , b ,\" c \"\n").rows, (Rows{{"a", "b", " c "}}));
}

TEST(CsvReader, BlankLinesAreIgnoredAndLineNumbersKept) {
  auto p = parse("h\n\n   \nx\r\n\r\ny\n");
  EXPECT_EQ(p.rows, (Rows{{"h"}, {"x"}, {"y"}}));
  EXPECT_EQ(p.lines, (std::vector<std::int64_t>{1, 4, 6}));
}

TEST(CsvReader, EmptyFieldsAndTrailingDelimiter) {
  EXPECT_EQ(parse("a,,c,\n").rows, (Rows{{"a", "", "c", ""}}));
  EXPECT_EQ(parse(",\n").rows, (Rows{{"", ""}}));
}

TEST(CsvReader, OtherDelimiters) {
  EXPECT_EQ(parse("a;b\n1;\"2;3\"\n", ';').rows, (Rows{{"a", "b"}, {"1", "2;3"}}));
  EXPECT_EQ(parse("a\tb\n1\t 2\n", '\t').rows, (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(parse("a|b\n", '|').rows, (Rows{{"a", "b"}}));
}

TEST(CsvReader, RowsSplitAcrossReadsParseTheSame) {
  std::string text = "id,name\n1,\"Núñez, Zoë\"\n2,\"a\"\"b\"\r\n3,c\n";
  auto whole = parse(text);
  for (std::size_t chunk : {1u, 2u, 3u, 7u}) {
    EXPECT_EQ(parse(text, ',', chunk).rows, whole.rows) << chunk;
  }
}

TEST(CsvReader, UnterminatedQuoteAtEndOfFileIsFlagged) {
  auto p = parse("a,b\n1,\"never closed\n2,3\n");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_TRUE(p.unterminated[1]);
  EXPECT_EQ(p.lines[1], 2);
}

TEST(CsvReader, InvalidUtf8AndNulAreFlaggedPerRow) {
  auto p = parse(std::string("a\nok\nbad\xFF\nnul\0x\nfine\n", 21));
  ASSERT_EQ(p.rows.size(), 5u);
  EXPECT_FALSE(p.bad[1]);
  EXPECT_TRUE(p.bad[2]);
  EXPECT_TRUE(p.bad[3]);
  EXPECT_FALSE(p.bad[4]);
}

TEST(CsvReader, FieldNearTheRecordLimitIsRead) {
  std::string big(CsvReader::kMaxRowBytes - 16, 'x');
  auto p = parse("a,b\n1,\"" + big + "\"\n2,y\n");
  ASSERT_EQ(p.rows.size(), 3u);
  EXPECT_EQ(p.rows[1][1].size(), big.size());
  EXPECT_EQ(p.rows[2], (std::vector<std::string>{"2", "y"}));
}

// Whole runs of bytes are copied at once when the buffer holds them; one byte per read
// forces the byte-by-byte path. Both must give the same rows for any input.
TEST(CsvReader, ReadsTheSameWhateverTheReadSizes) {
  const std::string alphabet[] = {
      "a", "b", " ", "\t", ",", "\"", "\n", "\r", std::string(1, '\0'), "\xc3\xa9", "\xff", ";"};
  std::uint64_t seed = 42;
  auto rnd = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>(seed >> 33);
  };
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    std::size_t n = rnd() % 60;
    for (std::size_t k = 0; k < n; ++k) {
      text += alphabet[rnd() % std::size(alphabet)];
    }
    for (char delim : {',', '\t', ' '}) {
      Parsed one = parse(text, delim, 1);
      Parsed big = parse(text, delim);
      Parsed odd = parse(text, delim, 3);
      ASSERT_EQ(one.rows, big.rows) << "input #" << i << " delimiter " << int(delim);
      ASSERT_EQ(one.lines, big.lines) << "input #" << i;
      ASSERT_EQ(one.bad, big.bad) << "input #" << i;
      ASSERT_EQ(one.unterminated, big.unterminated) << "input #" << i;
      ASSERT_EQ(odd.rows, big.rows) << "input #" << i;
    }
  }
}

TEST(CsvReader, EmptyInputHasNoRows) {
  EXPECT_TRUE(parse("").rows.empty());
  EXPECT_TRUE(parse("\n\n").rows.empty());
}

class FailingSource final : public ByteSource {
 public:
  Result<std::size_t> read(char*, std::size_t) override {
    return Error{"IO", "disk on fire", "f.csv"};
  }
};

TEST(CsvReader, ReadErrorsAreReturned) {
  FailingSource src;
  CsvReader reader(src, ',');
  CsvRow row;
  auto r = reader.next(row);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "disk on fire");
}

// next(row, out): rows appended to one buffer, fields back to back, the buffer untouched by
// blank lines, the end of the file and errors.
TEST(CsvReader, RowsAppendedToACallersBufferLieBackToBack) {
  test::StringSource src("a , \"b \" ,c  \n\n  \n\"x\"\"y\",,z\n", 3);
  CsvReader reader(src, ',');
  CsvRow row;
  std::string out = "kept";
  auto r = reader.next(row, out);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(out, "keptab c");  // trailing spaces of unquoted fields dropped; quoted kept
  ASSERT_EQ(row.fields.size(), 3u);
  EXPECT_EQ(row.fields[0], "a");
  EXPECT_EQ(row.fields[1], "b ");
  EXPECT_EQ(row.fields[2], "c");
  EXPECT_EQ(row.fields[0].data(), out.data() + 4);
  EXPECT_EQ(row.fields[2].data() + row.fields[2].size(), out.data() + out.size());
  r = reader.next(row, out);  // past two blank lines
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(out, "keptab cx\"yz");
  EXPECT_EQ(row.line, 4);
  ASSERT_EQ(row.fields.size(), 3u);
  EXPECT_EQ(row.fields[0], "x\"y");
  EXPECT_EQ(row.fields[1], "");
  EXPECT_EQ(row.fields[2], "z");
  r = reader.next(row, out);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(out, "keptab cx\"yz");

  FailingSource failing;
  CsvReader broken(failing, ',');
  std::string before = "abc";
  EXPECT_FALSE(broken.next(row, before).ok());
  EXPECT_EQ(before, "abc");
}

}  // namespace
}  // namespace patrond
