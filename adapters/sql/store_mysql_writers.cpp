// Bulk patron inserts on MySQL/MariaDB: LOAD DATA LOCAL INFILE fed from memory, one statement
// a batch (docs/performance.md). Updates stay multi-row statements (store_writers.cpp).

#include <cstdlib>

#include "adapters/sql/mysql_load.h"
#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

namespace {

// The batch row a LOAD DATA error names: "... at row 17" (a value), or the row holding the
// duplicate of "Duplicate entry 'B5' for key 'patrons_barcode'"; 0 when neither.
std::size_t refusedRow(const std::string& error, const std::vector<Patron>& patrons) {
  if (auto at = error.rfind(" at row "); at != std::string::npos) {
    return std::strtoull(error.c_str() + at + 8, nullptr, 10);
  }
  const std::string dup = "Duplicate entry '";
  auto from = error.find(dup);
  auto to = from == std::string::npos ? from : error.find("' for key '", from + dup.size());
  if (to == std::string::npos) {
    return 0;
  }
  const std::string value = error.substr(from + dup.size(), to - from - dup.size());
  const PatronField key = error.find("barcode", to) != std::string::npos ? PatronField::kBarcode
                                                                         : PatronField::kDistrictId;
  for (std::size_t i = 0; i < patrons.size(); ++i) {
    if (patrons[i].get(key) == value) {
      return i + 1;
    }
  }
  return 0;
}

}  // namespace

Result<void> SociStore::mysqlLoadInsert(const std::vector<Patron>& patrons,
                                        const std::vector<PatronField>& fields,
                                        const std::string& cols) {
  CopyRows rows;
  for (const Patron& p : patrons) {
    for (PatronField f : fields) {
      rows.value(p.get(f), nullWhenEmpty(f));
    }
    copyMeta(rows, p);
    rows.value(p.createdAt);
    rows.endRow();
  }
  // The defaults of LOAD DATA are COPY's text format: tab, newline, backslash escapes, \N.
  const LoadError error = loadFromMemory(
      *sql_,
      "LOAD DATA LOCAL INFILE 'patrond-rows' INTO TABLE patrons CHARACTER SET utf8mb4 (" + cols +
          ")",
      rows.text(), patrons.size());
  if (!error.failed()) {
    return {};
  }
  if (error.disabled) {
    // A server with local_infile=OFF: multi-row statements from now on (slower, the same).
    loadDataRefused_ = true;
    return Error{"LOAD_DATA_OFF", error.message, "mysql"};
  }
  const std::size_t row = refusedRow(error.message, patrons);
  if (row >= 1 && row <= patrons.size()) {
    return Error{"DB", patronNamed("adding patron", patrons[row - 1]) + ": " + error.message,
                 "mysql"};
  }
  return Error{"DB", "adding patrons: " + error.message, "mysql"};
}

}  // namespace patrond::sql
