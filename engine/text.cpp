#include "engine/text.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>

namespace patrond {

std::string_view trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) {
    ++b;
  }
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) {
    --e;
  }
  return s.substr(b, e - b);
}

std::string singleLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      c = ' ';
    }
  }
  return std::string(trim(out));
}

std::string toLower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return r;
}

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) {
    prev[j] = j;
  }
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t bestDist = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = editDistance(toLower(word), toLower(c));
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

std::optional<std::chrono::seconds> parseDuration(std::string_view s) {
  s = trim(s);
  if (s.empty()) {
    return std::nullopt;
  }
  long long n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || n < 0) {
    return std::nullopt;
  }
  std::string_view unit(p, static_cast<size_t>(s.data() + s.size() - p));
  long long mult = 0;
  if (unit.empty() || unit == "s") {
    mult = 1;
  } else if (unit == "m") {
    mult = 60;
  } else if (unit == "h") {
    mult = 3600;
  } else if (unit == "d") {
    mult = 86400;
  } else {
    return std::nullopt;
  }
  if (n > std::numeric_limits<long long>::max() / mult) {
    return std::nullopt;  // would overflow: never a silently wrapped duration
  }
  return std::chrono::seconds(n * mult);
}

std::string formatDuration(std::chrono::seconds d) {
  long long s = d.count();
  if (s % 86400 == 0 && s != 0) {
    return std::to_string(s / 86400) + "d";
  }
  if (s % 3600 == 0 && s != 0) {
    return std::to_string(s / 3600) + "h";
  }
  if (s % 60 == 0 && s != 0) {
    return std::to_string(s / 60) + "m";
  }
  return std::to_string(s) + "s";
}

std::optional<std::uint64_t> parseByteSize(std::string_view s) {
  s = trim(s);
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p == s.data()) {
    return std::nullopt;
  }
  std::string unit =
      toLower(trim(std::string_view(p, static_cast<size_t>(s.data() + s.size() - p))));
  std::uint64_t mult = 0;
  if (unit.empty() || unit == "b") {
    mult = 1;
  } else if (unit == "kb" || unit == "k") {
    mult = 1024;
  } else if (unit == "mb" || unit == "m") {
    mult = 1024ull * 1024;
  } else if (unit == "gb" || unit == "g") {
    mult = 1024ull * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  if (n > std::numeric_limits<std::uint64_t>::max() / mult) {
    return std::nullopt;  // would wrap around
  }
  return n * mult;
}

std::optional<std::int64_t> parseCents(std::string_view s) {
  s = trim(s);
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if ((whole.empty() && frac.empty()) || frac.size() > 2 || whole.size() > 15 ||
      (dot != std::string_view::npos && frac.empty())) {
    return std::nullopt;
  }
  std::int64_t w = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    w = w * 10 + (c - '0');
  }
  std::int64_t f = 0;
  for (size_t i = 0; i < 2; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    f = f * 10 + (c - '0');
  }
  std::int64_t v = w * 100 + f;
  return neg ? -v : v;
}

std::string formatCents(std::int64_t cents) {
  bool neg = cents < 0;
  std::uint64_t a =
      neg ? static_cast<std::uint64_t>(-(cents + 1)) + 1 : static_cast<std::uint64_t>(cents);
  std::string f = std::to_string(a % 100);
  if (f.size() < 2) {
    f.insert(0, "0");
  }
  return (neg ? "-" : "") + std::to_string(a / 100) + "." + f;
}

std::string redactSecrets(std::string_view s) {
  auto boundary = [&](size_t i) {
    return i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == ';' || s[i - 1] == '?' ||
           s[i - 1] == '&' || s[i - 1] == ',' || s[i - 1] == '\'' || s[i - 1] == '"';
  };
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    // scheme://user:password@host: keep the user, mask the password.
    if (s.compare(i, 3, "://") == 0) {
      out.append("://");
      i += 3;
      size_t end = s.find_first_of("/?# \t\r\n", i);
      if (end == std::string_view::npos) {
        end = s.size();
      }
      size_t at = s.rfind('@', end == 0 ? 0 : end - 1);
      if (at != std::string_view::npos && at >= i && at < end) {
        std::string_view userinfo = s.substr(i, at - i);
        if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
          out.append(userinfo.substr(0, colon));
          out.append(":***@");
          i = at + 1;
        }
      }
      continue;
    }
    bool matched = false;
    for (std::string_view key : {"password", "passwd", "pwd", "pass"}) {
      if (i + key.size() > s.size() || toLower(s.substr(i, key.size())) != key || !boundary(i)) {
        continue;
      }
      size_t j = i + key.size();
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) {
        ++j;
      }
      if (j >= s.size() || s[j] != '=') {
        continue;
      }
      ++j;
      while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) {
        ++j;
      }
      out.append(s.substr(i, key.size()));
      out.append("=***");
      char quote = j < s.size() && (s[j] == '\'' || s[j] == '"') ? s[j] : 0;
      if (quote) {
        ++j;
        while (j < s.size() && s[j] != quote) {
          j += s[j] == '\\' ? 2 : 1;
        }
        ++j;
      } else {
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != ';' && s[j] != '&' &&
               s[j] != ',') {
          ++j;
        }
      }
      i = std::min(j, s.size());
      matched = true;
      break;
    }
    if (!matched) {
      out.push_back(s[i++]);
    }
  }
  return out;
}

size_t utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

std::string utf8Truncate(std::string_view s, size_t maxChars) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == maxChars) {
        return std::string(s.substr(0, i));
      }
      ++n;
    }
  }
  return std::string(s);
}

namespace {

// The length of the valid UTF-8 sequence at s[i] (2..4), or 0 when the bytes there are not one.
size_t utf8SequenceAt(std::string_view s, size_t i, std::uint32_t& cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  unsigned char c = p[i];
  size_t len = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

}  // namespace

bool validUtf8(std::string_view s) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    // ASCII, most of any file, is passed over 8 bytes at a time.
    for (std::uint64_t w; i + 8 <= s.size(); i += 8) {
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) != 0) {
        break;
      }
    }
    if (i >= s.size()) {
      break;
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    size_t len = utf8SequenceAt(s, i, cp);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

namespace {

void appendHex(std::string& out, const char* prefix, unsigned value, int digits) {
  static const char* kHex = "0123456789abcdef";
  out += prefix;
  for (int d = digits - 1; d >= 0; --d) {
    out += kHex[(value >> (4 * d)) & 0xF];
  }
}

std::string escapeControlImpl(std::string_view s, bool keepLines) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\t') {
      out += '\t';
      ++i;
    } else if (c == '\n') {
      out += keepLines ? "\n" : "\\n";
      ++i;
    } else if (c == '\r') {
      bool pair = keepLines && i + 1 < s.size() && s[i + 1] == '\n';
      out += pair ? "\r" : "\\r";
      ++i;
    } else if (c < 0x80) {
      appendHex(out, "\\x", c, 2);  // other C0 controls, ESC, DEL
      ++i;
    } else {
      std::uint32_t cp = 0;
      size_t len = utf8SequenceAt(s, i, cp);
      if (len == 0) {
        appendHex(out, "\\x", c, 2);  // not UTF-8: the byte, visibly
        ++i;
      } else if (cp <= 0x9F) {
        appendHex(out, "\\u", cp, 4);  // C1 controls (CSI, NEL, ...)
        i += len;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
    }
  }
  return out;
}

}  // namespace

std::string escapeControl(std::string_view s) {
  return escapeControlImpl(s, false);
}

std::string escapeControlKeepLines(std::string_view s) {
  return escapeControlImpl(s, true);
}

std::string joinSome(const std::vector<std::string>& items, std::size_t shown) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < shown; ++i) {
    out += (i == 0 ? "" : "; ") + items[i];
  }
  if (items.size() > shown) {
    out += "; and " + std::to_string(items.size() - shown) + " more";
  }
  return out;
}

}  // namespace patrond
