#include "engine/csv_reader.h"

#include <algorithm>

#include "engine/text.h"

namespace patrond {

CsvReader::CsvReader(ByteSource& source, char delimiter, std::size_t bufferSize)
    : source_(source), delimiter_(delimiter), buffer_(std::max<std::size_t>(bufferSize, 1)) {}

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
               "row starting on line " + std::to_string(line) + " is longer than " +
                   std::to_string(kMaxRowBytes / (1024 * 1024)) + " MB",
               "line " + std::to_string(line)};
}

Result<bool> CsvReader::next(CsvRow& row) {
  row_.clear();
  return next(row, row_);
}

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

    enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
    State state = State::kFieldStart;
    std::size_t fieldStart = rowStart;
    std::size_t lastNonSpace = rowStart;  // for trimming trailing spaces of unquoted fields
    bool quoted = false;
    bool sawAnything = false;  // any byte in the row besides the line break
    bool endOfRow = false;
    bool endOfFile = false;

    auto endField = [&] {
      std::size_t stop = quoted ? out.size() : lastNonSpace;
      if (stop < fieldStart) {
        stop = fieldStart;
      }
      out.resize(stop);  // trailing spaces of an unquoted field go: fields stay back to back
      ends_.push_back(stop);
      fieldStart = stop;
      lastNonSpace = fieldStart;
      quoted = false;
      state = State::kFieldStart;
    };

    while (!endOfRow) {
      if (pos_ == end_ && !fill()) {
        endOfFile = true;
        break;
      }
      if (state == State::kUnquoted) {
        // Most of a file: a run of ordinary bytes is copied at once; the byte that ends it
        // (delimiter, line break, CR, NUL) goes through the state machine below.
        std::size_t stop = pos_;
        while (stop < end_) {
          char c = buffer_[stop];
          if (c == delimiter_ || c == '\n' || c == '\r' || c == '\0') {
            break;
          }
          ++stop;
        }
        if (stop > pos_) {
          out.append(buffer_.data() + pos_, stop - pos_);
          std::size_t kept = stop;
          while (kept > pos_ && (buffer_[kept - 1] == ' ' || buffer_[kept - 1] == '\t')) {
            --kept;
          }
          if (kept > pos_) {
            lastNonSpace = out.size() - (stop - kept);
          }
          pos_ = stop;
          if (out.size() - rowStart > kMaxRowBytes) {
            return give(tooLong(row.line));
          }
          continue;
        }
      }
      char c = buffer_[pos_++];
      if (c == '\0') {
        row.badEncoding = true;
      }
      switch (state) {
        case State::kFieldStart:
          if ((c == ' ' || c == '\t') && c != delimiter_) {
            break;  // spaces before a value are trimmed; a line of spaces is blank
          }
          if (c == '"') {
            sawAnything = true;
            quoted = true;
            out.resize(fieldStart);  // drop leading spaces
            state = State::kQuoted;
            break;
          }
          if (c == delimiter_) {
            sawAnything = true;
            endField();
            break;
          }
          if (c == '\r') {
            break;  // part of CRLF (a lone CR is dropped)
          }
          if (c == '\n') {
            ++line_;
            endOfRow = true;
            break;
          }
          sawAnything = true;
          out.push_back(c);
          lastNonSpace = out.size();
          state = State::kUnquoted;
          break;
        case State::kUnquoted:
          if (c == delimiter_) {
            endField();
          } else if (c == '\n') {
            ++line_;
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
              ++line_;
            }
            out.push_back(c);
          }
          break;
        case State::kQuoteInQuoted:
          if (c == '"') {
            out.push_back('"');
            state = State::kQuoted;
          } else if (c == delimiter_) {
            endField();
          } else if (c == '\n') {
            ++line_;
            endOfRow = true;
          } else if (c == '\r' || c == ' ' || c == '\t') {
            // spaces after the closing quote are ignored
          } else {
            // A stray character after a closing quote: keep it rather than lose data.
            out.push_back(c);
            state = State::kUnquoted;
            quoted = true;  // keep the quoted part's spaces: no trimming
          }
          break;
      }
      if (out.size() - rowStart > kMaxRowBytes) {
        return give(tooLong(row.line));
      }
    }
    if (failed_) {
      return give(readError_);
    }
    if (state == State::kQuoted) {
      row.unterminatedQuote = true;
    }
    if (!sawAnything && !endOfRow && endOfFile) {
      return give(false);  // nothing left
    }
    if (!sawAnything) {
      if (endOfFile) {
        return give(false);
      }
      continue;  // blank line
    }
    if (state == State::kUnquoted || state == State::kFieldStart || state == State::kQuoted ||
        state == State::kQuoteInQuoted) {
      endField();
    }
    row.fields.reserve(ends_.size());
    std::size_t from = rowStart;
    for (std::size_t to : ends_) {
      row.fields.emplace_back(out.data() + from, to - from);
      from = to;
    }
    if (!row.badEncoding && !validUtf8(std::string_view(out).substr(rowStart))) {
      row.badEncoding = true;
    }
    return true;
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

}  // namespace patrond
