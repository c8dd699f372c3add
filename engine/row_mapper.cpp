#include "engine/row_mapper.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "engine/text.h"

namespace patrond {
namespace {

bool isDateField(PatronField f) {
  return f == PatronField::kBirthdate || f == PatronField::kCardExpires;
}

bool matches(const Matcher& m, const std::string& v) {
  switch (m.kind) {
    case Matcher::Kind::kEqual:
      return v == m.value;
    case Matcher::Kind::kAnyOf:
      return std::find(m.values.begin(), m.values.end(), v) != m.values.end();
    case Matcher::Kind::kRegex:
      return m.regex && m.regex->search(v);
    case Matcher::Kind::kEmpty:
      return v.empty() == m.empty;
    case Matcher::Kind::kNot:
      return m.inner && !matches(*m.inner, v);
  }
  return false;
}

// "${username}@example.org" with the row's current values.
std::string expand(const std::string& tmpl, const PatronValues& values) {
  std::string out;
  out.reserve(tmpl.size() + 16);
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, 2, "${") == 0) {
      std::size_t close = tmpl.find('}', i + 2);
      if (close != std::string::npos) {
        if (auto f = fieldByName(std::string_view(tmpl).substr(i + 2, close - i - 2))) {
          out += values[index(*f)];
          i = close + 1;
          continue;
        }
      }
    }
    out += tmpl[i++];
  }
  return out;
}

const std::array<std::string_view, 12> kMonthNames{"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};

bool readNumber(std::string_view s, std::size_t& pos, int minDigits, int maxDigits, int& out) {
  int n = 0;
  int digits = 0;
  while (pos < s.size() && digits < maxDigits && s[pos] >= '0' && s[pos] <= '9') {
    n = n * 10 + (s[pos] - '0');
    ++pos;
    ++digits;
  }
  out = n;
  return digits >= minDigits;
}

}  // namespace

std::optional<std::string> parseDate(std::string_view value, std::string_view format) {
  if (format.empty()) {
    format = "%Y-%m-%d";
  }
  int y = -1, m = -1, d = -1;
  std::size_t p = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      if (p >= value.size() || value[p] != format[i]) {
        return std::nullopt;
      }
      ++p;
      continue;
    }
    char spec = format[++i];
    switch (spec) {
      case 'Y':
        if (!readNumber(value, p, 4, 4, y)) {
          return std::nullopt;
        }
        break;
      case 'y': {
        int yy = 0;
        if (!readNumber(value, p, 2, 2, yy)) {
          return std::nullopt;
        }
        y = yy < 69 ? 2000 + yy : 1900 + yy;
        break;
      }
      case 'm':
        if (!readNumber(value, p, 1, 2, m)) {
          return std::nullopt;
        }
        break;
      case 'd':
      case 'e':
        while (spec == 'e' && p < value.size() && value[p] == ' ') {
          ++p;
        }
        if (!readNumber(value, p, 1, 2, d)) {
          return std::nullopt;
        }
        break;
      case 'b':
      case 'B': {
        std::string rest = toLower(value.substr(p));
        m = -1;
        for (std::size_t k = 0; k < kMonthNames.size(); ++k) {
          if (rest.compare(0, 3, kMonthNames[k]) == 0) {
            m = static_cast<int>(k) + 1;
            p += 3;
            while (spec == 'B' && p < value.size() &&
                   std::isalpha(static_cast<unsigned char>(value[p]))) {
              ++p;
            }
            break;
          }
        }
        if (m < 0) {
          return std::nullopt;
        }
        break;
      }
      case '%':
        if (p >= value.size() || value[p] != '%') {
          return std::nullopt;
        }
        ++p;
        break;
      default:
        return std::nullopt;
    }
  }
  if (p != value.size() || !validDate(y, m, d)) {
    return std::nullopt;
  }
  std::string iso = "0000-00-00";  // hot path: no printf
  for (int i = 3, v = y; i >= 0; --i, v /= 10) {
    iso[static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
  }
  iso[5] = static_cast<char>('0' + m / 10);
  iso[6] = static_cast<char>('0' + m % 10);
  iso[8] = static_cast<char>('0' + d / 10);
  iso[9] = static_cast<char>('0' + d % 10);
  return iso;
}

std::string hashToHex(std::uint64_t h) {
  static const char* kHex = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kHex[h & 0xF];
    h >>= 4;
  }
  return s;
}

std::uint64_t hexToHash(std::string_view s) {
  std::uint64_t h = 0;
  std::from_chars(s.data(), s.data() + s.size(), h, 16);
  return h;
}

namespace {

void describe(const Matcher& m, std::string& out) {
  out += std::to_string(static_cast<int>(m.kind)) + "\x1F" + m.value + "\x1F";
  for (const auto& v : m.values) {
    out += v + "\x1E";
  }
  out += m.empty ? "1" : "0";
  if (m.inner) {
    out += "(";
    describe(*m.inner, out);
    out += ")";
  }
}

// Everything that decides what a row maps to, as one string.
std::string fingerprint(const Mapping& m, const std::vector<std::string>& sites) {
  std::string f = "v1\x1D" + std::to_string(m.header) + m.delimiter +
                  std::to_string(static_cast<int>(m.matchOn));
  for (const auto& [field, src] : m.fields) {
    f += "\x1D" + std::to_string(static_cast<int>(field)) + ":" + src.column + ":" +
         std::to_string(src.columnNumber) + ":" + src.dateFormat;
  }
  for (const auto& [field, v] : m.defaults) {
    f += "\x1D"
         "d" +
         std::to_string(static_cast<int>(field)) + "=" + v;
  }
  for (const auto& r : m.rules) {
    f += "\x1Dr";
    for (const auto& [field, matcher] : r.when) {
      f += std::to_string(static_cast<int>(field)) + "?";
      describe(matcher, f);
    }
    for (const auto& [field, v] : r.set) {
      f += "s" + std::to_string(static_cast<int>(field)) + "=" + v;
    }
    for (const auto& [field, table] : r.map) {
      f += "m" + std::to_string(static_cast<int>(field));
      for (const auto& [from, to] : table) {
        f += from + ">" + to + "\x1E";
      }
    }
    f += "k" + r.skip.value_or("") + "j" + r.reject.value_or("");
  }
  for (const auto& s : sites) {
    f += "\x1Ds" + s;
  }
  return f;
}

}  // namespace

RowMapper::RowMapper(const Mapping& mapping, const std::vector<Site>& sites) : mapping_(mapping) {
  for (const auto& s : sites) {
    sites_.push_back(s.code);
  }
  seed_ = hashBytes(fingerprint(mapping, sites_));
  PatronField key = matchField(mapping.matchOn);
  keyRaw_ = !isDateField(key);
  for (const auto& r : mapping.rules) {
    for (const auto& [f, v] : r.set) {
      keyRaw_ = keyRaw_ && f != key;
    }
    for (const auto& [f, t] : r.map) {
      keyRaw_ = keyRaw_ && f != key;
    }
  }
  written_ = fieldsWrittenBy(mapping);
}

bool isKeyField(PatronField f) {
  return f == PatronField::kDistrictId || f == PatronField::kBarcode || f == PatronField::kUsername;
}

std::vector<PatronField> fieldsWrittenBy(const Mapping& mapping) {
  std::vector<PatronField> written;
  auto add = [&](PatronField f) {
    if (std::find(written.begin(), written.end(), f) == written.end()) {
      written.push_back(f);
    }
  };
  for (const auto& [f, src] : mapping.fields) {
    add(f);
  }
  for (const auto& [f, v] : mapping.defaults) {
    add(f);
  }
  for (const auto& r : mapping.rules) {
    for (const auto& [f, v] : r.set) {
      add(f);
    }
    for (const auto& [f, t] : r.map) {
      add(f);
    }
  }
  std::sort(written.begin(), written.end());
  return written;
}

Result<void> RowMapper::bindHeader(const CsvRow& header) {
  positions_.clear();
  std::vector<std::string> missing;
  for (const auto& field : mapping_.fields) {
    const std::string& column = field.second.column;
    // Exact first, then case-insensitive: SIS exports are not consistent about case.
    auto it = std::find_if(header.fields.begin(), header.fields.end(), [&](std::string_view h) {
      return h == column || (h.size() == column.size() && toLower(h) == toLower(column));
    });
    if (it == header.fields.end()) {
      missing.push_back(column);
    } else {
      positions_.emplace_back(field.first, static_cast<std::size_t>(it - header.fields.begin()));
    }
  }
  columns_ = header.fields.size();
  bindDone();
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) {
      list += (list.empty() ? "'" : ", '") + m + "'";
    }
    return Error{"MISSING_COLUMN",
                 "the header has no column " + list + " (mapped in " + mapping_.path + ")",
                 "line " + std::to_string(header.line)};
  }
  return {};
}

Result<void> RowMapper::bindColumnCount(std::size_t columns) {
  positions_.clear();
  for (const auto& [f, src] : mapping_.fields) {
    if (src.columnNumber < 1 || static_cast<std::size_t>(src.columnNumber) > columns) {
      return Error{"MISSING_COLUMN",
                   std::string(fieldInfo(f).name) + " is mapped to column " +
                       std::to_string(src.columnNumber) + " but the file has " +
                       std::to_string(columns) + " columns",
                   "line 1"};
    }
    positions_.emplace_back(f, static_cast<std::size_t>(src.columnNumber - 1));
  }
  columns_ = columns;
  bindDone();
  return {};
}

void RowMapper::bindDone() {
  hashed_.clear();
  passwordColumn_.reset();
  barcodeColumn_.reset();
  PatronField key = matchField(mapping_.matchOn);
  for (const auto& [f, pos] : positions_) {
    if (f == PatronField::kPassword) {
      passwordColumn_ = pos;
      continue;
    }
    if (f == PatronField::kBarcode) {
      barcodeColumn_ = pos;
    }
    if (f == key) {
      keyColumn_ = pos;
    }
    hashed_.push_back(pos);
  }
}

std::uint64_t RowMapper::rawHash(const CsvRow& row) const {
  std::uint64_t h = seed_;
  for (std::size_t pos : hashed_) {
    h = hashBytes(pos < row.fields.size() ? row.fields[pos] : std::string_view{}, h);
  }
  return h;
}

// One row on its way through map(): where its messages go, and its key for them.
struct RowMapper::RowContext {
  const CsvRow& row;
  PatronValues& v;
  std::vector<RunMessage>& messages;
  const RowMapper& mapper;
  PatronField keyField;
  std::size_t keyMax;

  // The key as far as it can be read, for messages about rows that fail early.
  std::string rawKey() const {
    for (const auto& [f, pos] : mapper.positions_) {
      if (f == keyField && pos < row.fields.size()) {
        return validUtf8(row.fields[pos]) ? utf8Truncate(row.fields[pos], keyMax) : "";
      }
    }
    return {};
  }
  // Messages carry the key as far as it fits its column (an over-long one is an error itself).
  RowOutcome fail(const std::string& code, const std::string& text, std::string_view key) const {
    messages.push_back({Severity::kError, row.line, utf8Truncate(key, keyMax), code, text});
    return RowOutcome::kRejected;
  }
  const std::string& key() const { return v[index(keyField)]; }
};

RowOutcome RowMapper::map(const CsvRow& row, MappedRow& out,
                          std::vector<RunMessage>& messages) const {
  out.line = row.line;
  PatronValues& v = out.values;
  for (auto& s : v) {
    s.clear();
  }
  PatronField keyField = matchField(mapping_.matchOn);
  RowContext ctx{row, v, messages, *this, keyField, fieldInfo(keyField).maxLength};
  if (auto problem = rowShapeProblem(row, columns_)) {
    return ctx.fail(problem->code, problem->text, ctx.rawKey());
  }
  if (auto refused = checkCells(ctx)) {
    return *refused;
  }
  for (const auto& [f, pos] : positions_) {
    v[index(f)].assign(row.fields[pos]);
  }
  for (const auto& [f, src] : mapping_.fields) {
    std::string& val = v[index(f)];
    if (isDateField(f) && !val.empty()) {
      auto iso = parseDate(val, src.dateFormat);
      if (!iso) {
        return ctx.fail("BAD_DATE",
                        std::string(fieldInfo(f).name) + " " + quoteValue(val) +
                            " is not a date in the format " +
                            (src.dateFormat.empty() ? std::string("%Y-%m-%d") : src.dateFormat),
                        ctx.key());
      }
      val = *iso;
    }
  }
  for (const auto& [f, def] : mapping_.defaults) {
    if (v[index(f)].empty()) {
      v[index(f)] = def;
    }
  }
  if (auto ruled = applyRules(ctx)) {
    return *ruled;
  }
  if (auto refused = checkValues(ctx)) {
    return *refused;
  }
  return fitLengths(ctx);
}

// Every cell is bounded before anything looks at it; an identifier is never shortened.
std::optional<RowOutcome> RowMapper::checkCells(const RowContext& ctx) const {
  for (const auto& [f, pos] : positions_) {
    std::string_view cell = ctx.row.fields[pos];
    const PatronFieldInfo& info = fieldInfo(f);
    std::size_t limit = isKeyField(f) ? info.maxLength : kMaxCellChars;
    if (cell.size() <= limit) {
      continue;
    }
    std::size_t chars = utf8Length(cell);
    if (chars <= limit) {
      continue;
    }
    auto src = std::find_if(mapping_.fields.begin(), mapping_.fields.end(),
                            [f = f](const auto& m) { return m.first == f; });
    std::string column = "column " + std::to_string(pos + 1);
    if (src != mapping_.fields.end() && !src->second.column.empty()) {
      column += " (" + src->second.column + ")";
    }
    if (isKeyField(f)) {
      // The key itself is what is wrong: the message shows it bounded, not cut to fit.
      return ctx.fail("TOO_LONG",
                      column + ": " + std::string(info.name) + " " + quoteValue(cell) +
                          " is longer than " + std::to_string(limit) +
                          " characters; an identifier is never shortened: correct it in the file",
                      f == ctx.keyField ? std::string_view() : std::string_view(ctx.rawKey()));
    }
    return ctx.fail("TOO_LONG",
                    column + ": the cell (" + std::string(info.name) + ") is " +
                        std::to_string(chars) + " characters long, more than the " +
                        std::to_string(limit) + " a cell may hold",
                    ctx.rawKey());
  }
  return std::nullopt;
}

// The mapping file's rules, in order: skip, reject, set, map.
std::optional<RowOutcome> RowMapper::applyRules(const RowContext& ctx) const {
  PatronValues& v = ctx.v;
  for (const auto& rule : mapping_.rules) {
    bool holds = std::all_of(rule.when.begin(), rule.when.end(),
                             [&](const auto& w) { return matches(w.second, v[index(w.first)]); });
    if (!holds) {
      continue;
    }
    std::string where =
        mapping_.path.substr(mapping_.path.find_last_of('/') + 1) + ":" + std::to_string(rule.line);
    if (rule.skip) {
      ctx.messages.push_back({Severity::kWarning, ctx.row.line, utf8Truncate(ctx.key(), ctx.keyMax),
                              "RULE_SKIP", "skipped by the rule at " + where + ": " + *rule.skip});
      return RowOutcome::kSkipped;
    }
    if (rule.reject) {
      return ctx.fail("RULE_REJECT", "rejected by the rule at " + where + ": " + *rule.reject,
                      ctx.key());
    }
    if (!rule.set.empty()) {
      // All values of one `set` see the row as it was before the rule.
      PatronValues before = v;
      for (const auto& [f, value] : rule.set) {
        v[index(f)] = expand(value, before);
      }
    }
    for (const auto& [f, table] : rule.map) {
      auto it = table.find(v[index(f)]);
      if (it != table.end()) {
        v[index(f)] = it->second;
      }
    }
  }
  return std::nullopt;
}

// What a patron must have after the rules: key, last name, a configured site, a known
// persona, a four-digit graduation year.
std::optional<RowOutcome> RowMapper::checkValues(const RowContext& ctx) const {
  const PatronValues& v = ctx.v;
  const std::string& key = ctx.key();
  auto relaxed = [&](PatronField f) {
    return v[index(f)].empty() && std::find(relaxed_.begin(), relaxed_.end(), f) != relaxed_.end();
  };
  for (PatronField f : {ctx.keyField, PatronField::kLastName, PatronField::kSite}) {
    if (v[index(f)].empty() && (f == ctx.keyField || !relaxed(f))) {
      return ctx.fail("MISSING_REQUIRED", std::string(fieldInfo(f).name) + " is empty", key);
    }
  }
  if (!relaxed(PatronField::kSite) &&
      std::find(sites_.begin(), sites_.end(), v[index(PatronField::kSite)]) == sites_.end()) {
    return ctx.fail("UNKNOWN_SITE",
                    "site " + quoteValue(v[index(PatronField::kSite)]) + " is not configured", key);
  }
  const std::string& persona = v[index(PatronField::kPersona)];
  if (!persona.empty() && persona != "student" && persona != "teacher" && persona != "staff" &&
      persona != "other") {
    return ctx.fail(
        "BAD_VALUE",
        "persona " + quoteValue(persona) + " is not one of student, teacher, staff, other", key);
  }
  const std::string& gradYear = v[index(PatronField::kGradYear)];
  if (!gradYear.empty() &&
      (gradYear.size() != 4 || !std::all_of(gradYear.begin(), gradYear.end(),
                                            [](char c) { return c >= '0' && c <= '9'; }))) {
    return ctx.fail("BAD_VALUE", "grad_year " + quoteValue(gradYear) + " is not a four-digit year",
                    key);
  }
  return std::nullopt;
}

// Values too long for their column are shortened with a warning; an identifier is refused.
RowOutcome RowMapper::fitLengths(const RowContext& ctx) const {
  PatronValues& v = ctx.v;
  const std::string& key = ctx.key();
  for (std::size_t i = 0; i < kPatronFieldCount; ++i) {
    const PatronFieldInfo& info = fieldInfo(static_cast<PatronField>(i));
    if (v[i].size() > info.maxLength && utf8Length(v[i]) > info.maxLength) {
      if (isKeyField(static_cast<PatronField>(i))) {
        // A rule made an identifier too long (the cells were checked above).
        return ctx.fail("TOO_LONG",
                        std::string(info.name) + " " + quoteValue(v[i]) + " is longer than " +
                            std::to_string(info.maxLength) +
                            " characters after the rules; an identifier is never shortened: "
                            "correct the rule or the file",
                        static_cast<PatronField>(i) == ctx.keyField ? std::string_view() : key);
      }
      v[i] = utf8Truncate(v[i], info.maxLength);
      ctx.messages.push_back({Severity::kWarning, ctx.row.line, utf8Truncate(key, ctx.keyMax),
                              "TRUNCATED",
                              std::string(info.name) + " too long; shortened to fit (" +
                                  std::to_string(info.maxLength) + " characters)"});
    }
  }
  return RowOutcome::kMapped;
}
}  // namespace patrond
