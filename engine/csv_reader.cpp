#include "engine/csv_reader.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "engine/text.h"

namespace patrond {

CsvReader::CsvReader(ByteSource& source, char delimiter, std::size_t bufferSize)
    : source_(source), delimiter_(delimiter), buffer_(std::max<std::size_t>(bufferSize, 4)) {}

bool CsvReader::fill() {
  if (eof_) {
    return false;
  }
  auto n = source_.read(buffer_.data(), buffer_.size());
  if (!n) {
    readError_ = n.error();
    failed_ = true;
    eof_ = true;
    return false;
  }
  readTotal_ += *n;
  pos_ = 0;
  end_ = *n;
  if (end_ == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

Error CsvReader::tooLong(std::int64_t line) {
  return Error{"CSV",
               "the record starting on line " + std::to_string(line) + " is longer than " +
                   std::to_string(kMaxRowBytes / (std::size_t{1024} * 1024)) +
                   " MB, the most a record may hold: is a quote on that line never closed?",
               "line " + std::to_string(line)};
}

void CsvReader::skipByteOrderMark() {
  static constexpr char kBom[] = "\xEF\xBB\xBF";
  if (pos_ == end_ && !fill()) {
    return;
  }
  if (buffer_[pos_] != kBom[0]) {
    return;  // nearly every row: one compare
  }
  // Three bytes are needed: what is left of the buffer moves to its front, more is read after.
  while (end_ - pos_ < 3 && !eof_) {
    if (std::memcmp(buffer_.data() + pos_, kBom, end_ - pos_) != 0) {
      return;
    }
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    auto n = source_.read(buffer_.data() + end_, buffer_.size() - end_);
    if (!n) {
      readError_ = n.error();
      failed_ = true;
      eof_ = true;
    } else if (*n == 0) {
      eof_ = true;
    } else {
      readTotal_ += *n;
      end_ += *n;
    }
  }
  if (end_ - pos_ >= 3 && std::memcmp(buffer_.data() + pos_, kBom, 3) == 0) {
    pos_ += 3;
  }
}

Result<bool> CsvReader::next(CsvRow& row) {
  row_.clear();
  return next(row, row_);
}

// The state machine's place in one record (quoted fields, CRs, NULs, blank lines). Its
// functions are forced inline: called, they cost a file with every field quoted ~15%
// (bench/csv_bench.cpp).
struct CsvReader::Scan {
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  std::string& out;
  std::vector<std::size_t>& ends;
  std::int64_t& line;
  const char delimiter;
  std::size_t fieldStart;
  std::size_t lastNonSpace;  // for trimming trailing spaces of unquoted fields
  State state = State::kFieldStart;
  bool quoted = false;
  bool sawAnything = false;  // any byte in the row besides the line break
  bool endOfRow = false;
  bool endOfFile = false;
  bool badEncoding = false;

  Scan(std::string& o, std::vector<std::size_t>& e, std::int64_t& l, char d, std::size_t start)
      : out(o), ends(e), line(l), delimiter(d), fieldStart(start), lastNonSpace(start) {}

  [[gnu::always_inline]] void endField() {
    std::size_t stop = quoted ? out.size() : lastNonSpace;
    if (stop < fieldStart) {
      stop = fieldStart;
    }
    out.resize(stop);  // trailing spaces of an unquoted field go: fields stay back to back
    ends.push_back(stop);
    fieldStart = stop;
    lastNonSpace = fieldStart;
    quoted = false;
    state = State::kFieldStart;
  }

  // Most of a file: a run of ordinary bytes in an unquoted field is copied at once; the byte
  // that ends it (delimiter, line break, CR, NUL) goes through step(). Returns the bytes taken.
  [[gnu::always_inline]] std::size_t copyRun(const char* from, const char* to) {
    const char* stop = from;
    while (stop < to) {
      char c = *stop;
      if (c == delimiter || c == '\n' || c == '\r' || c == '\0') {
        break;
      }
      ++stop;
    }
    if (stop > from) {
      out.append(from, stop);
      const char* kept = stop;
      while (kept > from && (kept[-1] == ' ' || kept[-1] == '\t')) {
        --kept;
      }
      if (kept > from) {
        lastNonSpace = out.size() - static_cast<std::size_t>(stop - kept);
      }
    }
    return static_cast<std::size_t>(stop - from);
  }

  [[gnu::always_inline]] void step(char c) {
    if (c == '\0') {
      badEncoding = true;
    }
    switch (state) {
      case State::kFieldStart:
        fieldStartByte(c);
        break;
      case State::kUnquoted:
        if (c == delimiter) {
          endField();
        } else if (c == '\n') {
          ++line;
          endOfRow = true;
        } else if (c != '\r') {
          out.push_back(c);
          if (c != ' ' && c != '\t') {
            lastNonSpace = out.size();
          }
        }
        break;
      case State::kQuoted:
        if (c == '"') {
          state = State::kQuoteInQuoted;
        } else {
          if (c == '\n') {
            ++line;
          }
          out.push_back(c);
        }
        break;
      case State::kQuoteInQuoted:
        afterQuoteByte(c);
        break;
    }
  }

  [[gnu::always_inline]] void fieldStartByte(char c) {
    if ((c == ' ' || c == '\t') && c != delimiter) {
      return;  // spaces before a value are trimmed; a line of spaces is blank
    }
    if (c == '"') {
      sawAnything = true;
      quoted = true;
      out.resize(fieldStart);  // drop leading spaces
      state = State::kQuoted;
      return;
    }
    if (c == delimiter) {
      sawAnything = true;
      endField();
      return;
    }
    if (c == '\r') {
      return;  // part of CRLF (a lone CR is dropped)
    }
    if (c == '\n') {
      ++line;
      endOfRow = true;
      return;
    }
    sawAnything = true;
    out.push_back(c);
    lastNonSpace = out.size();
    state = State::kUnquoted;
  }

  [[gnu::always_inline]] void afterQuoteByte(char c) {
    if (c == '"') {
      out.push_back('"');
      state = State::kQuoted;
    } else if (c == delimiter) {
      endField();
    } else if (c == '\n') {
      ++line;
      endOfRow = true;
    } else if (c == '\r' || c == ' ' || c == '\t') {
      // spaces after the closing quote are ignored
    } else {
      // A stray character after a closing quote: keep it rather than lose data.
      out.push_back(c);
      state = State::kUnquoted;
      quoted = true;  // keep the quoted part's spaces: no trimming
    }
  }
};

Result<bool> CsvReader::next(CsvRow& row, std::string& out) {
  const std::size_t rowStart = out.size();
  // Every way out but a row read leaves `out` as it was.
  auto give = [&](Result<bool> r) {
    if (!r || !*r) {
      out.resize(rowStart);
    }
    return r;
  };
  for (;;) {
    out.resize(rowStart);
    ends_.clear();
    row.fields.clear();
    row.badEncoding = false;
    row.unterminatedQuote = false;
    row.line = line_;
    skipByteOrderMark();
    if (plainLine(row, out, rowStart)) {
      return true;
    }
    // The state machine, refilling the buffer as it goes. (Here, not in a function of its
    // own: a Scan whose address escapes is reloaded after every byte written.)
    Scan scan(out, ends_, line_, delimiter_, rowStart);
    while (!scan.endOfRow) {
      if (pos_ == end_ && !fill()) {
        scan.endOfFile = true;
        break;
      }
      if (scan.state == Scan::State::kUnquoted) {
        if (std::size_t n = scan.copyRun(buffer_.data() + pos_, buffer_.data() + end_); n > 0) {
          pos_ += n;
          if (out.size() - rowStart > kMaxRowBytes) {
            return give(tooLong(row.line));
          }
          continue;
        }
      }
      scan.step(buffer_[pos_++]);
      if (out.size() - rowStart > kMaxRowBytes) {
        return give(tooLong(row.line));
      }
    }
    row.badEncoding = scan.badEncoding;
    if (failed_) {
      return give(readError_);
    }
    if (scan.state == Scan::State::kQuoted) {
      row.unterminatedQuote = true;
    }
    if (!scan.sawAnything) {
      if (scan.endOfFile) {
        return give(false);  // nothing left
      }
      continue;  // blank line
    }
    scan.endField();
    finishRow(row, out, rowStart);
    return true;
  }
}

namespace {

// The first `c` in [from, to), or `to`: eight bytes at a time (fields are short, so a call to
// memchr for each would cost more than it saves).
const char* findByte(const char* from, const char* to, char c) {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHighs = 0x8080808080808080ull;
    const std::uint64_t pattern = kOnes * static_cast<unsigned char>(c);
    while (to - from >= 8) {
      std::uint64_t w;
      std::memcpy(&w, from, 8);
      w ^= pattern;  // a zero byte where `c` is
      std::uint64_t zero = (w - kOnes) & ~w & kHighs;
      if (zero != 0) {
        return from + std::countr_zero(zero) / 8;  // exact for the first zero byte
      }
      from += 8;
    }
  }
  while (from != to && *from != c) {
    ++from;
  }
  return from;
}

}  // namespace

bool CsvReader::plainLine(CsvRow& row, std::string& out, std::size_t rowStart) {
  if (pos_ == end_ && !fill()) {
    return false;
  }
  const char* p = buffer_.data() + pos_;
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', end_ - pos_));
  if (nl == nullptr) {
    return false;  // the line goes on past the buffer
  }
  std::size_t len = static_cast<std::size_t>(nl - p);
  const std::size_t consumed = len + 1;
  if (len > 0 && p[len - 1] == '\r') {
    --len;  // CRLF
  }
  if (len == 0 || len > kMaxRowBytes || std::memchr(p, '"', len) != nullptr ||
      std::memchr(p, '\r', len) != nullptr || std::memchr(p, '\0', len) != nullptr) {
    return false;
  }
  const char delimiter = delimiter_;
  auto trimmed = [delimiter](char c) { return (c == ' ' || c == '\t') && c != delimiter; };
  out.resize(rowStart + len);  // at most the line: fields are the line without delimiters
  char* w = out.data() + rowStart;
  const char* const lineEnd = p + len;
  bool any = false;  // a byte besides spaces: a line of spaces is blank
  for (const char* f = p;;) {
    const char* d = findByte(f, lineEnd, delimiter);
    const char* a = f;
    while (a != d && trimmed(*a)) {
      ++a;
    }
    const char* b = d;
    while (b != a && trimmed(b[-1])) {
      --b;
    }
    any = any || b != a || d != lineEnd;
    std::memcpy(w, a, static_cast<std::size_t>(b - a));
    w += b - a;
    ends_.push_back(static_cast<std::size_t>(w - out.data()));
    if (d == lineEnd) {
      break;
    }
    f = d + 1;
  }
  if (!any) {
    ends_.clear();
    out.resize(rowStart);
    return false;  // blank: the state machine skips it
  }
  out.resize(static_cast<std::size_t>(w - out.data()));
  pos_ += consumed;
  ++line_;
  finishRow(row, out, rowStart);
  return true;
}

void CsvReader::finishRow(CsvRow& row, const std::string& out, std::size_t rowStart) {
  row.fields.reserve(ends_.size());
  std::size_t from = rowStart;
  for (std::size_t to : ends_) {
    row.fields.emplace_back(out.data() + from, to - from);
    from = to;
  }
  if (!row.badEncoding && !validUtf8(std::string_view(out).substr(rowStart))) {
    row.badEncoding = true;
  }
}

std::optional<RowProblem> rowShapeProblem(const CsvRow& row, std::size_t columns) {
  if (row.unterminatedQuote) {
    return RowProblem{
        "UNTERMINATED_QUOTE",
        "the file ends inside a quoted field that starts on this line (truncated file?)"};
  }
  if (row.fields.size() != columns) {
    return RowProblem{"COLUMN_COUNT", "expected " + std::to_string(columns) + " columns, found " +
                                          std::to_string(row.fields.size())};
  }
  if (row.badEncoding) {
    bool nul = std::any_of(row.fields.begin(), row.fields.end(), [](std::string_view f) {
      return f.find('\0') != std::string_view::npos;
    });
    return RowProblem{"BAD_ENCODING", nul ? std::string("the row contains a NUL byte")
                                          : "the row is not valid text in the configured encoding "
                                            "(source.encoding; items import: --encoding)"};
  }
  return std::nullopt;
}

std::string quoteValue(std::string_view value) {
  if (value.size() <= kEchoChars) {
    return "'" + std::string(value) + "'";
  }
  std::size_t chars = utf8Length(value);
  if (chars <= kEchoChars) {
    return "'" + std::string(value) + "'";
  }
  return "'" + utf8Truncate(value, kEchoChars) + "...' (" + std::to_string(chars) + " characters)";
}

}  // namespace patrond
