#pragma once
// Mapping and rules engine (SPEC section 4): turns one CSV row into patron values, or into
// messages saying why not. Pure; one thread per mapper.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/csv_reader.h"
#include "engine/import_run.h"
#include "engine/key_index.h"

namespace patrond {

struct MappedRow {
  std::int64_t line = 0;
  PatronValues values;
  const std::string& key(PatronField f) const { return values[index(f)]; }
};

enum class RowOutcome { kMapped, kSkipped, kRejected };

// The longest cell a mapping reads (docs/imports.md). Cells are checked before dates, defaults
// and rules see them: a longer one is a TOO_LONG error for its row, naming line and column.
inline constexpr std::size_t kMaxCellChars = 1024;
// Fields that identify a patron (district_id, barcode, username): one longer than the field's
// limit is a TOO_LONG error, never shortened (two IDs cut to the same length would merge).
bool isKeyField(PatronField f);

class RowMapper {
 public:
  RowMapper(const Mapping& mapping, const std::vector<Site>& sites);

  bool expectsHeader() const { return mapping_.header; }
  // Binds mapped column names to positions. A mapped column missing from the header is a
  // job-level error naming every missing column.
  Result<void> bindHeader(const CsvRow& header);
  // Without a header: binds column numbers; the first data row fixes the column count.
  Result<void> bindColumnCount(std::size_t columns);

  // Maps one data row. kMapped fills `out` (messages may hold warnings such as TRUNCATED);
  // kSkipped (a warning) and kRejected (an error) leave a message saying why.
  RowOutcome map(const CsvRow& row, MappedRow& out, std::vector<RunMessage>& messages) const;

  // The patron fields this mapping writes (mapped, defaulted, or set by a rule); an import
  // updates only these columns so hand-entered fields survive.
  const std::vector<PatronField>& writtenFields() const { return written_; }
  // Fields a row may leave empty although they are required, because an empty value keeps the
  // stored one (ImportRequest::keepWhenEmpty); the import requires them of a new patron.
  void mayBeEmpty(std::vector<PatronField> fields) { relaxed_ = std::move(fields); }
  std::size_t columnCount() const { return columns_; }

  // The content hash of a row: its mapped columns as read, seeded with a fingerprint of the
  // mapping and the sites, so an unchanged row is recognised before it is mapped and any
  // change to the mapping rewrites every row once. The password column is left out (its
  // keyed fingerprint is mixed in by the caller).
  std::uint64_t rawHash(const CsvRow& row) const;
  // Whether a row's key can be read straight from its column (no rule or date rewrites it),
  // so unchanged rows can skip mapping; and which column that is.
  bool keyReadsRaw() const { return keyRaw_; }
  std::size_t keyColumn() const { return keyColumn_; }
  std::optional<std::size_t> passwordColumn() const { return passwordColumn_; }
  // The column the barcode is read from, if mapped (rules may still rewrite it).
  std::optional<std::size_t> barcodeColumn() const { return barcodeColumn_; }

 private:
  struct RowContext;
  std::optional<RowOutcome> checkCells(const RowContext& ctx) const;
  std::optional<RowOutcome> applyRules(const RowContext& ctx) const;
  std::optional<RowOutcome> checkValues(const RowContext& ctx) const;
  RowOutcome fitLengths(const RowContext& ctx) const;
  const Mapping& mapping_;
  std::vector<std::string> sites_;
  std::vector<std::pair<PatronField, std::size_t>> positions_;  // field -> column index
  std::vector<PatronField> written_;
  std::size_t columns_ = 0;
  std::uint64_t seed_ = 0;
  bool keyRaw_ = false;
  std::size_t keyColumn_ = 0;
  std::optional<std::size_t> passwordColumn_;
  std::optional<std::size_t> barcodeColumn_;
  std::vector<std::size_t> hashed_;  // mapped columns in the hash, in mapping order
  std::vector<PatronField> relaxed_;
  void bindDone();
};

// Converts a date in `format` (%Y %y %m %d %e %b %B, other characters literal; 1-digit
// months and days accepted) to YYYY-MM-DD. An empty format accepts only YYYY-MM-DD.
std::optional<std::string> parseDate(std::string_view value, std::string_view format);

// The patron fields a mapping writes (mapped, defaulted, or set by a rule), sorted: an
// import updates only these columns, so hand-entered fields survive.
std::vector<PatronField> fieldsWrittenBy(const Mapping& mapping);

// The stored form of a content hash (RowMapper::rawHash).
std::string hashToHex(std::uint64_t h);
std::uint64_t hexToHash(std::string_view s);

}  // namespace patrond
