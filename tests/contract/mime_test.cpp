// The SMTP adapter's message composition: headers that cannot be injected, RFC 2047 words,
// quoted-printable bodies.
#include "adapters/smtp/mime.h"

#include <gtest/gtest.h>

namespace patrond::smtp {
namespace {

TEST(Mime, HeaderTextIsEncodedWhenNotAsciiAndNeverCarriesALineBreak) {
  EXPECT_EQ(encodeHeaderText("Overdue: Smith 104"), "Overdue: Smith 104");
  EXPECT_EQ(encodeHeaderText("a\r\nBcc: evil@example.org"), "a  Bcc: evil@example.org");
  EXPECT_EQ(encodeHeaderText("é"), "=?UTF-8?B?w6k=?=");
  EXPECT_EQ(encodeHeaderText("Zoë"), "=?UTF-8?B?Wm/Dqw==?=");
  std::string encoded = encodeHeaderText("Überfällig: Núñez");
  EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(encoded.find('\n'), std::string::npos);
  // Long text: several words of at most 75 characters, folded, never splitting a character.
  std::string longText;
  for (int i = 0; i < 40; ++i) {
    longText += "é";
  }
  std::string folded = encodeHeaderText(longText);
  size_t start = 0;
  int words = 0;
  while (start < folded.size()) {
    size_t end = folded.find("\r\n ", start);
    std::string word = folded.substr(start, end == std::string::npos ? end : end - start);
    EXPECT_LE(word.size(), 75u);
    ++words;
    start = end == std::string::npos ? folded.size() : end + 3;
  }
  EXPECT_EQ(words, 2);
}

TEST(Mime, QuotedPrintableKeepsLinesShortAndEscapesWhatItMust) {
  EXPECT_EQ(quotedPrintable("a=b"), "a=3Db");
  EXPECT_EQ(quotedPrintable("Zoë"), "Zo=C3=AB");
  EXPECT_EQ(quotedPrintable("trailing \nnext"), "trailing=20\r\nnext");
  EXPECT_EQ(quotedPrintable(".hidden"), "=2Ehidden");
  std::string line(200, 'x');
  std::string qp = quotedPrintable(line);
  for (size_t at = 0, end; at < qp.size(); at = end + 2) {
    end = qp.find("\r\n", at);
    if (end == std::string::npos) {
      end = qp.size();
    }
    EXPECT_LE(end - at, 76u);
  }
}

TEST(Mime, MessageHasTheHeadersAndBothParts) {
  OutboxMessage m;
  m.to = {"jsmith@example.org"};
  m.cc = {"lib@example.org"};
  m.subject = "Overdue: Smith 104\nBcc: x@example.org";
  m.bodyText = "Dear John,\n";
  m.bodyHtml = "<p>Dear John,</p>\n";
  m.messageId = "<1.abc@example.org>";
  Mailbox from = parseMailbox("Springfield Libraries <library@example.org>");
  EXPECT_EQ(from.address, "library@example.org");
  EXPECT_EQ(from.name, "Springfield Libraries");
  std::string msg = composeMessage(from, m, rfc5322Date(0), "=_b");
  EXPECT_NE(msg.find("From: Springfield Libraries <library@example.org>\r\n"), std::string::npos);
  EXPECT_NE(msg.find("To: jsmith@example.org\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Cc: lib@example.org\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Subject: Overdue: Smith 104 Bcc: x@example.org\r\n"), std::string::npos);
  EXPECT_EQ(msg.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(msg.find("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Message-ID: <1.abc@example.org>\r\n"), std::string::npos);
  EXPECT_NE(msg.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(msg.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(msg.find("\r\n--=_b--\r\n"), std::string::npos);
  // A display name with specials is quoted; a UTF-8 one is encoded.
  std::string quoted = composeMessage({"Library, Main", "a@example.org"}, m, "d", "=_b");
  EXPECT_NE(quoted.find("From: \"Library, Main\" <a@example.org>"), std::string::npos);
  std::string utf8 = composeMessage({"Bibliothèque", "a@example.org"}, m, "d", "=_b");
  EXPECT_NE(utf8.find("From: =?UTF-8?B?"), std::string::npos);
}

}  // namespace
}  // namespace patrond::smtp

namespace patrond::smtp {
namespace {

TEST(Mime, DotStuffingDoublesALeadingDotAndEndsTheData) {
  EXPECT_EQ(dotStuffed("a\r\n.b\r\n"), "a\r\n..b\r\n.\r\n");
  EXPECT_EQ(dotStuffed(".x"), "..x\r\n.\r\n");
}

}  // namespace
}  // namespace patrond::smtp
