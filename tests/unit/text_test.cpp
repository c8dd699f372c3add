#include "engine/text.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace patrond {
namespace {

TEST(Text, SuggestsTheClosestKey) {
  std::vector<std::string> keys{"schedule", "source", "mapping", "options"};
  EXPECT_EQ(closestMatch("shedule", keys), "schedule");
  EXPECT_EQ(closestMatch("mapings", keys), "mapping");
  EXPECT_FALSE(closestMatch("zzzzzzzz", keys));
}

TEST(Text, Durations) {
  EXPECT_EQ(parseDuration("30s")->count(), 30);
  EXPECT_EQ(parseDuration("15m")->count(), 900);
  EXPECT_EQ(parseDuration("2h")->count(), 7200);
  EXPECT_EQ(parseDuration("1d")->count(), 86400);
  EXPECT_FALSE(parseDuration("5 minutes"));
  EXPECT_FALSE(parseDuration("-5s"));
  EXPECT_FALSE(parseDuration(""));
  EXPECT_EQ(formatDuration(std::chrono::seconds(900)), "15m");
}

TEST(Text, ByteSizes) {
  EXPECT_EQ(*parseByteSize("10MB"), 10u * 1024 * 1024);
  EXPECT_EQ(*parseByteSize("512KB"), 512u * 1024);
  EXPECT_EQ(*parseByteSize("2048"), 2048u);
  EXPECT_FALSE(parseByteSize("ten MB"));
  EXPECT_FALSE(parseByteSize("10XB"));
}

TEST(BadInputText, HugeDurationsAndSizesDoNotWrapAround) {
  EXPECT_FALSE(parseDuration("106751991167301d"));  // * 86400 overflows a 64-bit count
  EXPECT_FALSE(parseDuration("9223372036854775807m"));
  EXPECT_FALSE(parseDuration("99999999999999999999s"));  // beyond long long
  EXPECT_EQ(parseDuration("9223372036854775807s")->count(), 9223372036854775807LL);
  EXPECT_FALSE(parseByteSize("17179869184GB"));  // 2^34 GB = 2^64 bytes
  EXPECT_FALSE(parseByteSize("99999999999999999999"));
  EXPECT_EQ(*parseByteSize("17179869183GB"), 17179869183ull * 1024 * 1024 * 1024);
}

TEST(Text, MoneyIsExactCents) {
  EXPECT_EQ(*parseCents("12.50"), 1250);
  EXPECT_EQ(*parseCents("12.5"), 1250);
  EXPECT_EQ(*parseCents("12"), 1200);
  EXPECT_EQ(*parseCents("0.07"), 7);
  EXPECT_EQ(*parseCents("-3.00"), -300);
  EXPECT_FALSE(parseCents("1.234"));
  EXPECT_FALSE(parseCents("abc"));
  EXPECT_FALSE(parseCents("1."));
  EXPECT_FALSE(parseCents(""));
  EXPECT_EQ(formatCents(1250), "12.50");
  EXPECT_EQ(formatCents(7), "0.07");
  EXPECT_EQ(formatCents(-300), "-3.00");
}

TEST(Text, RedactsPasswordsInConnectionStrings) {
  EXPECT_EQ(redactSecrets("host=db user=lib password=hunter2 dbname=x"),
            "host=db user=lib password=*** dbname=x");
  EXPECT_EQ(redactSecrets("password='a b' x=1"), "password=*** x=1");
  EXPECT_EQ(redactSecrets("db=/var/lib/patrond.db"), "db=/var/lib/patrond.db");
}

TEST(Text, RedactsEveryCredentialForm) {
  EXPECT_EQ(redactSecrets("host=db PASSWORD = hunter2 dbname=x"), "host=db PASSWORD=*** dbname=x");
  EXPECT_EQ(redactSecrets("db=x user=u pass=hunter2"), "db=x user=u pass=***");
  EXPECT_EQ(redactSecrets("user=u;pwd=hunter2;db=x"), "user=u;pwd=***;db=x");
  EXPECT_EQ(redactSecrets("passwd=hunter2"), "passwd=***");
  EXPECT_EQ(redactSecrets("password='it\\'s' port=5"), "password=*** port=5");
  EXPECT_EQ(redactSecrets("postgresql://lib:hunter2@db.example.org:5432/patrons"),
            "postgresql://lib:***@db.example.org:5432/patrons");
  EXPECT_EQ(redactSecrets("cannot connect to mysql://root:p@ss@db/x now"),
            "cannot connect to mysql://root:***@db/x now");
  EXPECT_EQ(redactSecrets("sftp://sis:hunter2@sis.example.org/out/"),
            "sftp://sis:***@sis.example.org/out/");
  EXPECT_EQ(redactSecrets("postgresql://host/db?user=u&password=hunter2"),
            "postgresql://host/db?user=u&password=***");
  // Nothing secret: left alone.
  EXPECT_EQ(redactSecrets("sftp://sis@sis.example.org/out/"), "sftp://sis@sis.example.org/out/");
  EXPECT_EQ(redactSecrets("passfile=/etc/pgpass bypass=1"), "passfile=/etc/pgpass bypass=1");
  EXPECT_EQ(redactSecrets("https://example.org/a@b"), "https://example.org/a@b");
  EXPECT_EQ(redactSecrets("trailing ://"), "trailing ://");
  EXPECT_EQ(redactSecrets("password="), "password=***");
}

TEST(Text, Utf8) {
  EXPECT_TRUE(validUtf8("Zoë Núñez"));
  EXPECT_FALSE(validUtf8("\xC3"));
  EXPECT_FALSE(validUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(validUtf8("\xED\xA0\x80"));  // surrogate
  // ASCII is passed over 8 bytes at a time: a fault at every place around those steps.
  for (std::size_t at = 0; at < 20; ++at) {
    std::string s(20, 'a');
    EXPECT_TRUE(validUtf8(s));
    s[at] = '\xC3';
    EXPECT_FALSE(validUtf8(s)) << "lone lead byte at " << at;
    s.insert(at + 1, "\xA9");
    EXPECT_TRUE(validUtf8(s)) << "é at " << at;
    s[at + 1] = 'a';
    EXPECT_FALSE(validUtf8(s)) << "lead byte without continuation at " << at;
  }
  EXPECT_FALSE(validUtf8("abcdefgh\xFF"));
  EXPECT_TRUE(
      validUtf8("abcdefgh\xF0\x9F\x98\x80"
                "abcdefgh"));
  EXPECT_EQ(utf8Length("Núñez"), 5u);
  EXPECT_EQ(utf8Truncate("Núñez", 2), "Nú");
  EXPECT_EQ(utf8Truncate("abc", 5), "abc");
  EXPECT_EQ(trim("  a b \t"), "a b");
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

TEST(Text, SingleLineTurnsControlCharactersIntoSpaces) {
  EXPECT_EQ(singleLine("  Smith 104\r\nBcc: x@example.org\t"), "Smith 104  Bcc: x@example.org");
  EXPECT_EQ(singleLine("Núñez"), "Núñez");
  EXPECT_EQ(singleLine("\n\n"), "");
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

// issue 13: control characters from a CSV never reach a terminal or a log raw.
TEST(BadInputText, EscapeControlMakesEveryControlCharacterVisible) {
  struct Case {
    std::string in, oneLine, keepLines;
  };
  const std::vector<Case> cases = {
      {"Smith", "Smith", "Smith"},
      {"Núñez 😀", "Núñez 😀", "Núñez 😀"},
      {"a\tb", "a\tb", "a\tb"},  // a tab is harmless
      {"\x1b[31mRed\x1b[0m", "\\x1b[31mRed\\x1b[0m", "\\x1b[31mRed\\x1b[0m"},
      {"Smith\n2026-10-16 07:00:00 error: forged", "Smith\\n2026-10-16 07:00:00 error: forged",
       "Smith\n2026-10-16 07:00:00 error: forged"},
      {"over\rwrite", "over\\rwrite", "over\\rwrite"},  // a lone CR always
      {"line\r\nnext", "line\\r\\nnext", "line\r\nnext"},
      {std::string("nul\0here", 8), "nul\\x00here", "nul\\x00here"},
      {"bell\a del\x7f", "bell\\x07 del\\x7f", "bell\\x07 del\\x7f"},
      {"\xc2\x9b"
       "2J",
       "\\u009b2J", "\\u009b2J"},                              // C1 CSI as UTF-8
      {"\xc2\x85next", "\\u0085next", "\\u0085next"},          // NEL
      {"\xc2\xa0nbsp", "\xc2\xa0nbsp", "\xc2\xa0nbsp"},        // U+00A0 is text
      {"raw\x9b[2J", "raw\\x9b[2J", "raw\\x9b[2J"},            // a lone byte, not UTF-8
      {"cut\xc3", "cut\\xc3", "cut\\xc3"},                     // a sequence cut short
      {"\xc0\xaf", "\\xc0\\xaf", "\\xc0\\xaf"},                // overlong
      {"\xed\xa0\x80", "\\xed\\xa0\\x80", "\\xed\\xa0\\x80"},  // a surrogate
  };
  for (const auto& c : cases) {
    EXPECT_EQ(escapeControl(c.in), c.oneLine) << c.in;
    EXPECT_EQ(escapeControlKeepLines(c.in), c.keepLines) << c.in;
    EXPECT_EQ(escapeControl(c.in).find('\n'), std::string::npos);
    EXPECT_EQ(escapeControl(c.in).find('\x1b'), std::string::npos);
  }
}

TEST(BadInputText, EscapedTextHasNoControlByteAtAll) {
  std::string every;
  for (int b = 0; b < 256; ++b) {
    every += static_cast<char>(b);
  }
  auto printable = [](unsigned char u) { return u == '\t' || (u >= 0x20 && u < 0x7f); };
  std::string oneLine = escapeControl(every);
  for (char c : oneLine) {
    EXPECT_TRUE(printable(static_cast<unsigned char>(c))) << int(static_cast<unsigned char>(c));
  }
  std::string lines = escapeControlKeepLines(every);
  for (char c : lines) {
    EXPECT_TRUE(printable(static_cast<unsigned char>(c)) || c == '\n')
        << int(static_cast<unsigned char>(c));
  }
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 1);
}

TEST(Text, JoinSomeNamesTheFirstItemsAndCountsTheRest) {
  EXPECT_EQ(joinSome({}, 10), "");
  EXPECT_EQ(joinSome({"a"}, 10), "a");
  EXPECT_EQ(joinSome({"a", "b", "c"}, 3), "a; b; c");
  std::vector<std::string> many(1000, "x");
  EXPECT_EQ(joinSome(many, 2), "x; x; and 998 more");
}

}  // namespace
}  // namespace patrond
