#pragma once
// `patrond items import FILE` (SPEC section 7): titles and copies from a CSV file with the
// header copy_barcode,title,isbn,site,purchase_price,replacement_price,condition,textbook.
// Re-importing updates copies by copy_barcode. Bad rows are reported by line and skipped,
// like patron imports; the good ones are written in one transaction.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/civil_time.h"
#include "engine/config.h"
#include "engine/import_run.h"
#include "engine/ports/byte_source.h"
#include "engine/ports/circulation_store.h"
#include "engine/result.h"

namespace patrond {

struct ItemsImportOutcome {
  std::int64_t read = 0, added = 0, updated = 0, unchanged = 0, skipped = 0;
  std::int64_t titlesAdded = 0;
  std::vector<RunMessage> messages;
};

struct ItemsImportOptions {
  char delimiter = ',';
  bool dryRun = false;  // computes everything, writes nothing
};

// Errors: "MISSING_COLUMN" (header without copy_barcode or title: nothing applied), a read
// fault, or a database error (rolled back).
Result<ItemsImportOutcome> importItems(ByteSource& source, CirculationStore& store,
                                       const Config& config, const CivilTime& now,
                                       const ItemsImportOptions& options = {});

// "true/false", "yes/no", "y/n", "1/0", "t/f"; empty is true.
std::optional<bool> parseTextbookFlag(std::string_view s);

}  // namespace patrond
