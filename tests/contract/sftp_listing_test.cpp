// Issue 13: what a rogue SFTP server sends about its files. Names that could leave the
// download folder, hide, or drive a terminal are refused; listing lines with odd fields are
// read safely.
#include "adapters/sftp/sftp_listing.h"

#include <gtest/gtest.h>

namespace patrond::sftp {
namespace {

TEST(BadInputSftpName, HostileNamesAreRefusedWithAReason) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"", "the name is empty"},
      {"../students.csv", "the name contains '/'"},
      {"..", "the name contains '..'"},
      {"a..csv", "the name contains '..'"},
      {"sub/students.csv", "the name contains '/'"},
      {"/etc/cron.d/x", "the name contains '/'"},
      {"..\\..\\x.csv", "the name contains '\\'"},
      {"C:\\x.csv", "the name contains '\\'"},
      {".students.csv", "the name starts with '.' (a hidden file)"},
      {".", "the name starts with '.' (a hidden file)"},
      {"stud\nents.csv", "the name contains a control character"},
      {"stud\rents.csv", "the name contains a control character"},
      {"students\x1b[2J.csv", "the name contains a control character"},
      {"students\x7f.csv", "the name contains a control character"},
      {"students\xc2\x9b"
       "31m.csv",
       "the name contains a control character"},  // C1 CSI
      {std::string("stud\0ents.csv", 13), "the name contains a control character"},
      {"stud\xff.csv", "the name is not valid UTF-8"},
      {"stud\xc0\xaf.csv", "the name is not valid UTF-8"},  // overlong '/'
      {std::string(256, 'a'), "the name is longer than 255 bytes"},
  };
  for (const auto& [name, why] : refused) {
    auto r = refusedRemoteName(name);
    ASSERT_TRUE(r.has_value()) << printableName(name);
    EXPECT_EQ(*r, why) << printableName(name);
  }
  for (const std::string& ok :
       std::vector<std::string>{"students.csv", "students 2026.csv", "students#1.csv", "100%.csv",
                                "Núñez.csv", "a.b.csv", std::string(255, 'a')}) {
    EXPECT_FALSE(refusedRemoteName(ok).has_value()) << ok;
  }
}

TEST(BadInputSftpName, PrintableNameEscapesControlsAndBadBytesAndIsBounded) {
  EXPECT_EQ(printableName("a\nb"), "a\\nb");
  EXPECT_EQ(printableName("x\x1b[2Jy"), "x\\x1b[2Jy");
  EXPECT_EQ(printableName("\xc2\x9b"
                          "1m"),
            "\\u009b1m");
  EXPECT_EQ(printableName("Núñez\xff"), "Núñez\\xff");
  EXPECT_EQ(printableName("a\tb"), "a\\x09b");
  std::string longName = printableName(std::string(10000, 'a'));
  EXPECT_EQ(longName, std::string(120, 'a') + "...");
}

TEST(BadInputSftpListing, LongListingLinesAreReadSafely) {
  auto e = parseListingLine("-rw-r--r--    1 sis      sis           42 Dec  5 09:00 students.csv");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, '-');
  EXPECT_EQ(e->name, "students.csv");
  EXPECT_EQ(e->size, 42u);
  // Blanks inside and at the start of a name are the name's.
  e = parseListingLine("-rw-r--r--    1 sis sis 7 Dec  5 09:00  two  spaces.csv");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, " two  spaces.csv");
  e = parseListingLine("drwxr-xr-x    2 sis sis 4096 Jan  1  2025 students_old.csv");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, 'd');
  e = parseListingLine("lrwxrwxrwx    1 sis sis 12 Dec  5 09:00 students_l.csv -> /etc/passwd");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, 'l');
  EXPECT_EQ(e->name, "students_l.csv");
  e = parseListingLine("crw-rw-rw-    1 root root 1, 5 Dec  5 09:00 zero");
  ASSERT_TRUE(e);  // a device: its "size" is not a number
  EXPECT_EQ(e->type, 'c');
  // Names a rogue server sends come out as they are, for the name check to refuse.
  for (const std::string& name :
       std::vector<std::string>{"../../etc/cron.d/x", "..", ".hidden.csv", "a\x1b]0;owned\x07.csv",
                                "sub/x.csv", "..\\x.csv"}) {
    e = parseListingLine("-rw-r--r-- 1 u g 5 Dec 5 09:00 " + name);
    ASSERT_TRUE(e) << name;
    EXPECT_EQ(e->name, name);
    EXPECT_TRUE(refusedRemoteName(e->name).has_value()) << name;
  }
  // Absurd sizes: beyond 2^64, negative, not a number.
  for (std::string size :
       {"99999999999999999999999", "18446744073709551616", "-1", "1e9", "0x10", "12abc"}) {
    e = parseListingLine("-rw-r--r-- 1 u g " + size + " Dec 5 09:00 students.csv");
    ASSERT_TRUE(e) << size;
    EXPECT_FALSE(e->size.has_value()) << size;
  }
  e = parseListingLine("-rw-r--r-- 1 u g 18446744073709551615 Dec 5 09:00 students.csv");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->size, 18446744073709551615ULL);
  // Lines that are not a long listing.
  for (const std::string& line :
       std::vector<std::string>{"", "students.csv", "total 12", "-rw-r--r-- 1 u g 5 Dec 5 09:00",
                                "-rw-r--r-- 1 u g 5 Dec 5 09:00 ", std::string(100000, ' ')}) {
    EXPECT_FALSE(parseListingLine(line).has_value()) << line.size();
  }
}

}  // namespace
}  // namespace patrond::sftp
