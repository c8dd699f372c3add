#include "adapters/smtp/mime.h"

#include <Poco/Base64Encoder.h>

#include <ctime>
#include <random>
#include <sstream>

#include "engine/text.h"

namespace patrond::smtp {
namespace {

std::string base64(const std::string& in) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);  // encoded words are split by the caller
  encoder << in;
  encoder.close();
  return out.str();
}

bool printableAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

std::string addressList(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& a : list) {
    out += (out.empty() ? "" : ",\r\n ") + singleLine(a);
  }
  return out;
}

std::string formatMailbox(const Mailbox& m) {
  if (m.name.empty()) {
    return m.address;
  }
  std::string name = singleLine(m.name);
  bool plain = printableAscii(name) && name.find_first_of("()<>[]:;@\\,.\"") == std::string::npos;
  if (plain) {
    return name + " <" + m.address + ">";
  }
  if (printableAscii(name)) {
    std::string quoted = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') {
        quoted += '\\';
      }
      quoted += c;
    }
    return quoted + "\" <" + m.address + ">";
  }
  return encodeHeaderText(name) + " <" + m.address + ">";
}

}  // namespace

Mailbox parseMailbox(const std::string& text) {
  std::string t = singleLine(text);
  auto lt = t.rfind('<');
  auto gt = t.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) {
    std::string name(trim(t.substr(0, lt)));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    return {name, std::string(trim(t.substr(lt + 1, gt - lt - 1)))};
  }
  return {"", t};
}

std::string encodeHeaderText(const std::string& value) {
  std::string v = singleLine(value);
  if (printableAscii(v)) {
    return v;
  }
  // 45 bytes of UTF-8 make 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" is 72 <= 75.
  std::string out;
  size_t i = 0;
  while (i < v.size()) {
    size_t end = std::min(v.size(), i + 45);
    while (end < v.size() && end > i && (static_cast<unsigned char>(v[end]) & 0xC0) == 0x80) {
      --end;  // never split a UTF-8 sequence
    }
    if (end == i) {
      end = std::min(v.size(), i + 45);
    }
    out += (out.empty() ? "" : "\r\n ") + std::string("=?UTF-8?B?") + base64(v.substr(i, end - i)) +
           "?=";
    i = end;
  }
  return out;
}

std::string quotedPrintable(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  size_t lineLen = 0;
  auto put = [&](const std::string& piece) {
    if (lineLen + piece.size() > 75) {
      out += "=\r\n";
      lineLen = 0;
    }
    out += piece;
    lineLen += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // the '\n' ends the line
    }
    if (c == '\n') {
      out += "\r\n";
      lineLen = 0;
      continue;
    }
    bool atLineEnd = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !atLineEnd);
    // A '.' opening a line is safe through SMTP's dot-stuffing, but some relays mangle it.
    if (literal && !(c == '.' && lineLen == 0)) {
      put(std::string(1, static_cast<char>(c)));
    } else {
      put(std::string{'=', kHex[c >> 4], kHex[c & 15]});
    }
  }
  return out;
}

std::string dotStuffed(const std::string& message) {
  std::string out;
  out.reserve(message.size() + 8);
  bool lineStart = true;
  for (char c : message) {
    if (lineStart && c == '.') {
      out += '.';
    }
    out += c;
    lineStart = c == '\n';
  }
  if (!out.empty() && out.back() != '\n') {
    out += "\r\n";
  }
  return out + ".\r\n";
}

std::string rfc5322Date(long long unixSeconds) {
  std::time_t t = static_cast<std::time_t>(unixSeconds);
  std::tm tm{};
#ifdef _WIN32
  gmtime_s(&tm, &t);
#else
  gmtime_r(&t, &tm);
#endif
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string composeMessage(const Mailbox& from, const OutboxMessage& m, const std::string& date,
                           const std::string& boundary) {
  std::string h;
  h += "From: " + formatMailbox(from) + "\r\n";
  h += "To: " + addressList(m.to) + "\r\n";
  if (!m.cc.empty()) {
    h += "Cc: " + addressList(m.cc) + "\r\n";
  }
  h += "Subject: " + encodeHeaderText(m.subject) + "\r\n";
  h += "Date: " + date + "\r\n";
  h += "Message-ID: " + singleLine(m.messageId) + "\r\n";
  h += "MIME-Version: 1.0\r\n";
  h += "Auto-Submitted: auto-generated\r\n";
  h += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  h += "\r\n";
  std::string body = "This is a message in MIME format.\r\n";
  auto part = [&](const char* type, const std::string& content) {
    body += "\r\n--" + boundary + "\r\n";
    body += std::string("Content-Type: ") + type + "; charset=utf-8\r\n";
    body += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    body += quotedPrintable(content);
  };
  part("text/plain", m.bodyText);
  if (!m.bodyHtml.empty()) {
    part("text/html", m.bodyHtml);
  }
  body += "\r\n--" + boundary + "--\r\n";
  return h + body;
}

SenderMessageIds::SenderMessageIds(const std::optional<SmtpConfig>& smtp)
    : domain_("patrond.invalid") {
  if (smtp) {
    std::string addr = parseMailbox(smtp->from).address;
    if (auto at = addr.rfind('@'); at != std::string::npos && at + 1 < addr.size()) {
      domain_ = addr.substr(at + 1);
    }
  }
}

std::string SenderMessageIds::next(const std::string& date) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string r;
  for (int i = 0; i < 20; ++i) {
    r += kHex[rng() & 15];
  }
  std::string d;
  for (char c : date) {
    if (c != '-') {
      d += c;
    }
  }
  return "<" + d + "." + r + "@" + domain_ + ">";
}

}  // namespace patrond::smtp
