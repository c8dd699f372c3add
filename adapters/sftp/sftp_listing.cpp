#include "adapters/sftp/sftp_listing.h"

#include <charconv>
#include <vector>

#include "engine/text.h"

namespace patrond::sftp {

std::optional<std::string> refusedRemoteName(std::string_view name) {
  if (name.empty()) {
    return "the name is empty";
  }
  if (name.size() > 255) {
    return "the name is longer than 255 bytes";
  }
  if (!validUtf8(name)) {
    return "the name is not valid UTF-8";
  }
  // escapeControl leaves text alone and makes every C0, DEL and C1 control visible, except a
  // tab.
  if (name.find('\t') != std::string_view::npos || escapeControl(name) != name) {
    return "the name contains a control character";
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
  constexpr std::size_t kShown = 120;
  std::string out = escapeControl(name.substr(0, 4 * kShown));
  for (std::size_t tab = out.find('\t'); tab != std::string::npos; tab = out.find('\t', tab)) {
    out.replace(tab, 1, "\\x09");
  }
  if (utf8Length(out) > kShown) {
    return utf8Truncate(out, kShown) + "...";
  }
  return name.size() > 4 * kShown ? out + "..." : out;
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
