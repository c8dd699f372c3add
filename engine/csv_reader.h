#pragma once
// Streaming RFC 4180 reader (SPEC section 4 "CSV"): quoted fields with delimiters, doubled
// quotes and line breaks; CRLF or LF; surrounding spaces of unquoted fields trimmed; blank
// lines ignored. Memory is bounded by the longest row, not the file. One thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ports/byte_source.h"
#include "engine/result.h"

namespace patrond {

struct CsvRow {
  std::int64_t line = 0;                 // 1-based line in the file where the row starts
  std::vector<std::string_view> fields;  // valid until the next call to next()
  bool badEncoding = false;              // invalid UTF-8 or a NUL byte in the row
  bool unterminatedQuote = false;        // the file ended inside a quoted field
};

// What is wrong with a row's shape, if anything (checked before its cells are read):
// UNTERMINATED_QUOTE, COLUMN_COUNT (against `columns`), BAD_ENCODING (invalid text or a NUL).
struct RowProblem {
  std::string code, text;
};
std::optional<RowProblem> rowShapeProblem(const CsvRow& row, std::size_t columns);

// A value from a file, quoted for a message: 'value', or, past kEchoChars characters, its
// start, an ellipsis and its length ('abc...' (51200 characters)). Messages stay short whatever
// the file holds.
inline constexpr std::size_t kEchoChars = 40;
std::string quoteValue(std::string_view value);

class CsvReader {
 public:
  // The longest record (a row, with the line breaks of its quoted fields): far beyond any real
  // row, small enough that a quote never closed cannot take the whole file into one cell.
  static constexpr std::size_t kMaxRowBytes = 1024u * 1024;

  CsvReader(ByteSource& source, char delimiter, std::size_t bufferSize = 1 << 20);
  // Reads the next non-blank row. Returns false at the end of the file. A row longer than
  // kMaxRowBytes, or a read fault, is an error that ends the file. A UTF-8 byte order mark at
  // the start of a row (two exports joined into one file) is dropped, not read as data.
  Result<bool> next(CsvRow& row);
  // The same, with the row's field bytes appended to `out`, back to back (field i ends at
  // out.size() before the call + the sum of the lengths of fields 0..i), and the row's views
  // pointing into `out`: valid until `out` changes. Lets a caller collect many rows in one
  // buffer without copying them again. On an error or at the end, `out` is as it was.
  Result<bool> next(CsvRow& row, std::string& out);
  // The source's bytes read into rows so far (quotes, line breaks and a BOM included).
  std::uint64_t consumed() const { return readTotal_ - (end_ - pos_); }

 private:
  bool fill();
  void skipByteOrderMark();
  // Most rows: a whole line in the buffer, with no quote, CR (but a CRLF's), NUL or nothing but
  // spaces in it, is split at its delimiters at once. Anything else returns false, with
  // nothing consumed, for the state machine to read.
  bool plainLine(CsvRow& row, std::string& out, std::size_t rowStart);
  void finishRow(CsvRow& row, const std::string& out, std::size_t rowStart);
  struct Scan;  // the state machine's place in a record that plainLine() left
  static Error tooLong(std::int64_t line);
  ByteSource& source_;
  char delimiter_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0, end_ = 0;
  std::uint64_t readTotal_ = 0;  // bytes the source gave
  bool eof_ = false;
  Error readError_;
  bool failed_ = false;
  std::int64_t line_ = 1;
  std::string row_;                // field bytes, back to back (next(row))
  std::vector<std::size_t> ends_;  // where each field of the row ends in the output
};

}  // namespace patrond
