// libFuzzer: CSV reading + mapping + rules over arbitrary bytes. The first byte picks the
// delimiter; the rest is the file. Asserts the reader's invariants and that mapping never
// crashes, whatever the input; rule regexes run on the RE2 adapter, as in the service.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "adapters/regex/re2_pattern.h"
#include "engine/csv_reader.h"
#include "engine/row_mapper.h"
#include "engine/text.h"
#include "tests/unit/string_source.h"

namespace {

patrond::Mapping makeMapping() {
  using namespace patrond;
  Mapping m;
  m.path = "fuzz.mapping.yaml";
  m.fields = {{PatronField::kDistrictId, {"id", 0, ""}},
              {PatronField::kLastName, {"last", 0, ""}},
              {PatronField::kSite, {"site", 0, ""}},
              {PatronField::kGrade, {"grade", 0, ""}},
              {PatronField::kBirthdate, {"dob", 0, "%m/%d/%Y"}},
              {PatronField::kEmail, {"email", 0, ""}}};
  m.defaults = {{PatronField::kPatronType, "Student"}};
  Rule r1;
  Matcher any;
  any.kind = Matcher::Kind::kAnyOf;
  any.values = {"12", "K"};
  r1.when = {{PatronField::kGrade, any}};
  r1.set = {{PatronField::kEmail, "${last}.${id}@example.org"}};
  auto regex = [](const char* source) {
    Matcher rx;
    rx.kind = Matcher::Kind::kRegex;
    rx.value = source;
    auto re = regex::compile(source);
    if (!re) {
      std::abort();
    }
    rx.regex = *re;
    return rx;
  };
  Rule r2;
  r2.when = {{PatronField::kSite, regex("^[0-9]+$")}};
  r2.skip = "numeric site";
  Rule r3;
  r3.map = {{PatronField::kGrade, {{"K", "0"}}}};
  // Issue 13: the patterns that crashed or stalled std::regex, on any cell.
  Rule r4;
  r4.when = {{PatronField::kLastName, regex("^[A-Za-z0-9 ]+$")},
             {PatronField::kEmail, regex("^(a+)+$")}};
  r4.set = {{PatronField::kUser1, "${last_name}${last_name}${last_name}"}};
  m.rules = {r1, r2, r3, r4};
  return m;
}

// Every row as the reader gives it: line, flags and fields.
std::vector<std::string> readAll(const std::string& text, char delim, std::size_t chunk) {
  patrond::test::StringSource src(text, chunk);
  patrond::CsvReader reader(src, delim);
  patrond::CsvRow row;
  std::vector<std::string> rows;
  for (;;) {
    auto more = reader.next(row);
    if (!more || !*more) {
      break;
    }
    std::string r = std::to_string(row.line) + (row.badEncoding ? "B" : "") +
                    (row.unterminatedQuote ? "U" : "");
    for (std::string_view f : row.fields) {
      r += '|' + std::to_string(f.size()) + ':';
      r += f;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  static const char kDelims[] = {',', ';', '\t', '|'};
  static const patrond::Mapping mapping = makeMapping();
  static const std::vector<patrond::Site> sites{{"LHS", "L", "high"}};
  char delim = kDelims[data[0] % 4];
  {
    // One byte per read takes the byte-by-byte path everywhere; whole reads let plain lines be
    // split at once. Both must give the same rows.
    std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (readAll(text, delim, 1) != readAll(text, delim, 1 << 20)) {
      std::abort();
    }
  }
  // Small reads on purpose: rows straddle buffer edges.
  patrond::test::StringSource src(std::string(reinterpret_cast<const char*>(data) + 1, size - 1),
                                  13);
  patrond::CsvReader reader(src, delim, 64);
  patrond::RowMapper mapper(mapping, sites);
  patrond::CsvRow row;
  patrond::MappedRow out;
  std::vector<patrond::RunMessage> messages;
  bool header = true;
  std::int64_t lastLine = 0;
  for (;;) {
    auto more = reader.next(row);
    if (!more || !*more) {
      break;
    }
    if (row.line <= lastLine) {
      std::abort();  // line numbers only grow
    }
    lastLine = row.line;
    if (header) {
      header = false;
      if (!mapper.bindHeader(row)) {
        (void)mapper.bindColumnCount(row.fields.size());
      }
      continue;
    }
    messages.clear();
    auto outcome = mapper.map(row, out, messages);
    for (const auto& m : messages) {
      if (m.text.size() > 1024 || m.key.size() > 256) {
        std::abort();  // values are echoed bounded, whatever the cell
      }
    }
    if (outcome == patrond::RowOutcome::kMapped) {
      for (const auto& v : out.values) {
        if (!patrond::validUtf8(v)) {
          std::abort();  // mapped values are always valid UTF-8
        }
      }
    }
  }
  return 0;
}
