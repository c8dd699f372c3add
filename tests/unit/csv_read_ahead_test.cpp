#include "engine/csv_read_ahead.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/key_index.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

struct Seen {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::int64_t> lines;
  std::vector<bool> bad, unterminated;
  std::vector<std::uint64_t> digests;
  bool operator==(const Seen&) const = default;
};

RowDigest digestOf(const CsvRow& r) {
  RowDigest d;
  d.rawHash = r.fields.empty() ? 0 : hashBytes(r.fields.back());
  d.keyHash = static_cast<std::uint64_t>(r.fields.size());
  return d;
}

void record(Seen& s, const CsvRow& row, const RowDigest& d) {
  s.rows.emplace_back(row.fields.begin(), row.fields.end());
  s.lines.push_back(row.line);
  s.bad.push_back(row.badEncoding);
  s.unterminated.push_back(row.unterminatedQuote);
  s.digests.push_back(d.rawHash ^ (d.keyHash << 48));
}

Seen direct(const std::string& text) {
  test::StringSource src(text, 7);
  CsvReader reader(src, ',');
  CsvRow row;
  Seen s;
  for (;;) {
    auto more = reader.next(row);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) {
      break;
    }
    record(s, row, digestOf(row));
  }
  return s;
}

Seen ahead(const std::string& text, std::size_t allowance, bool firstOnCaller) {
  test::StringSource src(text, 7);
  CsvReader reader(src, ',');
  CsvRow row;
  Seen s;
  std::optional<CsvReadAhead> a;
  if (firstOnCaller) {
    auto first = reader.next(row);
    EXPECT_TRUE(first.ok() && *first);
    a.emplace(reader, digestOf, &row, allowance);
  } else {
    a.emplace(reader, digestOf, nullptr, allowance);
  }
  RowDigest d;
  for (;;) {
    auto more = a->next(row, d);
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) {
      break;
    }
    record(s, row, d);
  }
  auto again = a->next(row, d);  // the end stays the end
  EXPECT_TRUE(again.ok() && !*again);
  return s;
}

// Many batches' worth of rows, with quoted line breaks, empty fields, a bad byte and an
// unterminated quote at the end: read ahead, every row comes out as CsvReader gives it.
std::string awkwardFile(int rows) {
  std::string text = "id,name,note\n";
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(i) + ",";
    text += i % 7 == 0 ? "\"Line\nbreak, " + std::to_string(i) + "\"" : "n" + std::to_string(i);
    text += i % 5 == 0 ? ",\n" : ",x\n";
    if (i % 1000 == 999) {
      text += "\n";  // a blank line
    }
  }
  text += "bad,\xff,z\n";
  text += "last,\"never closed";
  return text;
}

TEST(CsvReadAhead, RowsAndDigestsAreExactlyWhatTheReaderGivesAcrossBatches) {
  std::string text = awkwardFile(20000);
  Seen want = direct(text);
  ASSERT_EQ(want.rows.size(), 20003u);
  EXPECT_TRUE(want.bad[20001]);
  EXPECT_TRUE(want.unterminated[20002]);
  EXPECT_EQ(ahead(text, 80u << 20, false), want);
  EXPECT_EQ(ahead(text, 80u << 20, true), want);
  // An allowance smaller than one batch: the reader waits for each batch to be taken.
  EXPECT_EQ(ahead(text, 1, false), want);
}

// 5,000 rows of `line(i)`.
std::string rowsOf(const std::function<std::string(int)>& line) {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += line(i);
  }
  return text;
}

// bytesPerRow() once the first row of `text` was read (nullopt before), in reads of `chunk`.
std::optional<double> bytesPerRowAfterOneRow(const std::string& text, std::size_t chunk) {
  test::StringSource src(text, chunk);
  CsvReader reader(src, ',');
  CsvReadAhead a(reader, digestOf);
  EXPECT_FALSE(a.bytesPerRow().has_value());
  CsvRow row;
  RowDigest d;
  EXPECT_TRUE(*a.next(row, d));
  return a.bytesPerRow();
}

// What the import sizes its indexes from: a plain row's bytes in the file (fields, commas and
// the line break), known once a row was read.
TEST(CsvReadAhead, BytesPerRowIsTheLengthOfAPlainLine) {
  // 7 + 1 + 7 (UTF-8) + 1 + 3 + 1 = 20 bytes
  auto text = rowsOf([](int i) { return "S" + std::to_string(100000 + i) + ",Núñez,LHS\n"; });
  EXPECT_EQ(bytesPerRowAfterOneRow(text, 1 << 20), 20.0);
}

// Quotes and the CR of CRLF are the file's bytes too: a file quoting every field is not taken
// for one with more rows than it has.
TEST(CsvReadAhead, BytesPerRowCountsQuotesAndLineBreaks) {
  // 9 + 1 + 5 + 2 = 17 bytes
  auto text = rowsOf([](int i) { return "\"S" + std::to_string(100000 + i) + "\",\"Lee\"\r\n"; });
  EXPECT_EQ(bytesPerRowAfterOneRow(text, 4096), 17.0);
}

// A first row the caller read itself (a file without a header) is a batch of one: too few to
// tell, so the estimate waits for the next batch.
TEST(CsvReadAhead, BytesPerRowWaitsForABatchThatCanTell) {
  auto text = rowsOf([](int i) { return "S" + std::to_string(100000 + i) + ",Lee\n"; });  // 12
  test::StringSource src(text);
  CsvReader reader(src, ',');
  CsvRow first;
  ASSERT_TRUE(*reader.next(first));
  CsvReadAhead a(reader, digestOf, &first);
  CsvRow row;
  RowDigest d;
  ASSERT_TRUE(*a.next(row, d));
  EXPECT_EQ(row.fields[0], "S100000");
  EXPECT_FALSE(a.bytesPerRow().has_value());
  ASSERT_TRUE(*a.next(row, d));
  ASSERT_TRUE(a.bytesPerRow().has_value());
  EXPECT_DOUBLE_EQ(*a.bytesPerRow(), 12.0);
}

TEST(CsvReadAhead, EmptyFileEndsAtOnce) {
  test::StringSource src("");
  CsvReader reader(src, ',');
  CsvReadAhead a(reader, digestOf);
  CsvRow row;
  RowDigest d;
  auto more = a.next(row, d);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

// Fails after `good` bytes: the rows before the fault come out, then the error.
TEST(CsvReadAhead, AReadFaultArrivesAfterTheRowsBeforeIt) {
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text += std::to_string(100000 + i) + ",x\n";  // 9 bytes a row
  }
  test::StringSource src(text, 100);
  src.failAfter(9 * 6000);
  CsvReader reader(src, ',');
  CsvReadAhead a(reader, digestOf);
  CsvRow row;
  RowDigest d;
  int rows = 0;
  for (;;) {
    auto more = a.next(row, d);
    if (!more.ok()) {
      EXPECT_EQ(more.error().message, "the read failed");
      break;
    }
    ASSERT_TRUE(*more) << "the file ended without the error";
    ++rows;
  }
  // The last complete row before the fault may be held back until the reader sees its end.
  EXPECT_GE(rows, 5999);
  EXPECT_LE(rows, 6000);
}

TEST(CsvReadAhead, StoppingEarlyDoesNotWaitForTheRestOfTheFile) {
  std::string text;
  for (int i = 0; i < 200000; ++i) {
    text += std::to_string(i) + ",some text\n";
  }
  test::StringSource src(text);
  CsvReader reader(src, ',');
  {
    // A tiny allowance: the reader thread is blocked on a full queue when this ends.
    CsvReadAhead a(reader, digestOf, nullptr, 1);
    CsvRow row;
    RowDigest d;
    ASSERT_TRUE(a.next(row, d).ok());
    EXPECT_EQ(row.fields[0], "0");
  }
  SUCCEED();  // the destructor returned
}

TEST(CsvReadAhead, PeekSeesTheDigestsOfTheRowsComing) {
  test::StringSource src("a\nbb\nccc\n");
  CsvReader reader(src, ',');
  CsvReadAhead a(reader, [](const CsvRow& r) {
    RowDigest d;
    d.keyHash = r.fields[0].size();
    return d;
  });
  CsvRow row;
  RowDigest d;
  ASSERT_TRUE(*a.next(row, d));
  ASSERT_NE(a.peek(2), nullptr);
  EXPECT_EQ(a.peek(1)->keyHash, 2u);
  EXPECT_EQ(a.peek(2)->keyHash, 3u);
  EXPECT_EQ(a.peek(3), nullptr);
}

}  // namespace
}  // namespace patrond
