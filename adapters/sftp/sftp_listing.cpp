#include "adapters/sftp/sftp_listing.h"

#include <charconv>
#include <vector>

namespace patrond::sftp {
namespace {

// The byte length of the UTF-8 sequence at `s[i]`, 0 when it is not one.
std::size_t utf8Sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4)) {
    return 0;
  }
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      return 0;
    }
  }
  if ((n == 3 && c == 0xE0 && b(i + 1) < 0xA0) || (n == 3 && c == 0xED && b(i + 1) >= 0xA0) ||
      (n == 4 && c == 0xF0 && b(i + 1) < 0x90) || (n == 4 && c == 0xF4 && b(i + 1) >= 0x90)) {
    return 0;  // overlong, surrogate or beyond U+10FFFF
  }
  return n;
}

bool isControl(std::string_view s, std::size_t i, std::size_t n) {
  auto c = static_cast<unsigned char>(s[i]);
  if (n == 1) {
    return c < 0x20 || c == 0x7F;
  }
  // C1 controls (U+0080..U+009F), CSI among them, drive terminals as ESC does.
  return n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
}

}  // namespace

std::optional<std::string> refusedRemoteName(std::string_view name) {
  if (name.empty()) {
    return "the name is empty";
  }
  if (name.size() > 255) {
    return "the name is longer than 255 bytes";
  }
  for (std::size_t i = 0; i < name.size();) {
    std::size_t n = utf8Sequence(name, i);
    if (n == 0) {
      return "the name is not valid UTF-8";
    }
    if (isControl(name, i, n)) {
      return "the name contains a control character";
    }
    i += n;
  }
  if (name.find('/') != std::string_view::npos) {
    return "the name contains '/'";
  }
  if (name.find('\\') != std::string_view::npos) {
    return "the name contains '\\'";
  }
  if (name.find("..") != std::string_view::npos) {
    return "the name contains '..'";
  }
  if (name.front() == '.') {
    return "the name starts with '.' (a hidden file)";
  }
  return std::nullopt;
}

std::string printableName(std::string_view name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < name.size() && out.size() < 120;) {
    std::size_t n = utf8Sequence(name, i);
    if (n == 0 || isControl(name, i, n)) {
      std::size_t bad = n == 0 ? 1 : n;
      for (std::size_t k = 0; k < bad; ++k) {
        auto c = static_cast<unsigned char>(name[i + k]);
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      i += bad;
    } else {
      out.append(name.substr(i, n));
      i += n;
    }
    if (out.size() >= 120 && i < name.size()) {
      out += "...";
    }
  }
  return out;
}

std::optional<ListingEntry> parseListingLine(std::string_view line) {
  // mode links owner group size month day time-or-year name
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  auto blank = [&](std::size_t k) { return line[k] == ' ' || line[k] == '\t'; };
  while (fields.size() < 8) {
    while (i < line.size() && blank(i)) {
      ++i;
    }
    std::size_t start = i;
    while (i < line.size() && !blank(i)) {
      ++i;
    }
    if (start == i) {
      return std::nullopt;
    }
    fields.push_back(line.substr(start, i - start));
  }
  // One separator, then the name as it is (it may start with or hold blanks).
  if (i >= line.size() || i + 1 >= line.size()) {
    return std::nullopt;
  }
  ListingEntry e;
  e.type = fields[0].front();
  e.name = std::string(line.substr(i + 1));
  if (e.type == 'l') {
    if (auto arrow = e.name.find(" -> "); arrow != std::string::npos) {
      e.name.resize(arrow);
    }
  }
  std::uint64_t size = 0;
  auto [end, ec] = std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), size);
  if (ec == std::errc() && end == fields[4].data() + fields[4].size()) {
    e.size = size;
  }
  return e;
}

}  // namespace patrond::sftp
