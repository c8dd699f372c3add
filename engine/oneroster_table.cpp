// OneRoster bundles: the shapes of values and one CSV file of the bundle read by column name
// (engine/oneroster_table.h).
#include "engine/oneroster_table.h"

#include <utility>

#include "engine/civil_time.h"

namespace patrond::oneroster::detail {
namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) {
    return false;
  }
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}
int number(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

bool isDate(std::string_view s) {
  return s.size() == 10 && digits(s, 0, 4) && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
         digits(s, 8, 2) && validDate(number(s, 0, 4), number(s, 5, 2), number(s, 8, 2));
}
bool isDateTime(std::string_view s) {
  if (s.size() < 19 || !isDate(s.substr(0, 10)) || s[10] != 'T' || !digits(s, 11, 2) ||
      s[13] != ':' || !digits(s, 14, 2) || s[16] != ':' || !digits(s, 17, 2) ||
      number(s, 11, 2) > 23 || number(s, 14, 2) > 59 || number(s, 17, 2) > 60) {
    return false;
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    if (i == start) {
      return false;
    }
  }
  if (i == s.size()) {
    return true;
  }
  if (s[i] == 'Z') {
    return i + 1 == s.size();
  }
  return (s[i] == '+' || s[i] == '-') && s.size() == i + 6 && digits(s, i + 1, 2) &&
         s[i + 3] == ':' && digits(s, i + 4, 2) && number(s, i + 1, 2) <= 14 &&
         number(s, i + 4, 2) <= 59;
}
bool isBoolean(std::string_view v) {
  auto lower = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == y;
           });
  };
  return lower(v, "true") || lower(v, "false");
}
bool isTrue(std::string_view v) {
  return v.size() == 4 && (v[0] == 't' || v[0] == 'T');
}

bool Table::open(const std::vector<std::string>& required) {
  auto source = files_.open(name_);
  if (!source) {
    problems_.add(name_, 0, "", source.error().describe());
    return false;
  }
  source_ = std::move(*source);
  reader_ = std::make_unique<CsvReader>(*source_, ',');
  auto got = reader_->next(row_);
  if (!got) {
    problems_.add(name_, 0, "", got.error().describe());
    return false;
  }
  if (!*got) {
    problems_.add(name_, 0, "", "the file is empty; a header line naming its columns is needed");
    return false;
  }
  if (row_.badEncoding) {
    problems_.add(name_, row_.line, "", "the header is not valid UTF-8");
    return false;
  }
  header_.clear();
  for (auto f : row_.fields) {
    header_.emplace_back(f);
  }
  std::vector<std::string> missing;
  for (const auto& c : required) {
    if (std::find(header_.begin(), header_.end(), c) == header_.end()) {
      missing.push_back(c);
    }
  }
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (std::find(header_.begin(), header_.begin() + static_cast<std::ptrdiff_t>(i), header_[i]) !=
        header_.begin() + static_cast<std::ptrdiff_t>(i)) {
      problems_.add(name_, row_.line, header_[i], "the column is named twice in the header");
      return false;
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) {
      list += (list.empty() ? "" : ", ") + m;
    }
    problems_.add(name_, row_.line, "",
                  "the header lacks the column" + std::string(missing.size() > 1 ? "s " : " ") +
                      list + " (OneRoster 1.1 files carry every column of their table)");
    return false;
  }
  return true;
}

bool Table::next() {
  for (;;) {
    auto got = reader_->next(row_);
    if (!got) {
      problems_.add(name_, 0, "", got.error().describe());
      return false;
    }
    if (!*got) {
      return false;
    }
    if (auto shape = rowShapeProblem(row_, header_.size())) {
      problems_.add(name_, row_.line, "",
                    shape->code == "BAD_ENCODING"
                        ? "the row is not valid UTF-8 (OneRoster files are UTF-8) or holds a "
                          "NUL byte"
                        : shape->text);
      continue;
    }
    return true;
  }
}

std::vector<std::string_view> Table::list(std::size_t c) {
  auto out = items(at(c));
  if (out.size() > kMaxItems) {
    problem(c, std::to_string(out.size()) + " values; at most " + std::to_string(kMaxItems) +
                   " are taken in one field");
    out.resize(kMaxItems);
  }
  return out;
}

void checkStatus(Table& t, std::size_t status, std::size_t modified, bool delta) {
  std::string_view s = t.at(status);
  if (delta) {
    if (t.required(status).empty()) {
    } else if (s != "active" && s != "tobedeleted") {
      t.problem(status, quoteValue(s) + " is not one of active, tobedeleted");
    }
    if (!t.required(modified).empty()) {
      t.dateTime(modified);
    }
  } else {
    if (!s.empty() && s != "active") {
      t.problem(status, quoteValue(s) + (s == "tobedeleted"
                                             ? " belongs in a delta file; this file is sent in bulk"
                                             : " is not active (or blank, in a bulk file)"));
    }
    t.dateTime(modified);
  }
}

}  // namespace patrond::oneroster::detail
