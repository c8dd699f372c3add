// libFuzzer: a OneRoster bundle whose one file (chosen by the first byte) is the fuzzer's
// input, the others the valid sample. Validation and the rows it gives must never crash,
// hang or read out of bounds; a bundle that validates must give rows a CSV reader reads back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/csv_reader.h"
#include "engine/oneroster.h"
#include "tests/support/oneroster_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace patrond;
  if (size < 1) {
    return 0;
  }
  static const char* const kFiles[] = {"users.csv",   "enrollments.csv",     "classes.csv",
                                       "orgs.csv",    "manifest.csv",        "demographics.csv",
                                       "courses.csv", "academicSessions.csv"};
  auto files = test::oneRosterSample();
  files[kFiles[data[0] % 8]] = std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  test::MemoryBundle bundle(std::move(files));
  oneroster::ReadOptions options;
  options.today = "2026-10-15";
  auto read = oneroster::readBundle(bundle, options);
  if (!read) {
    return 0;
  }
  CsvReader reader(*read->rows, ',');
  CsvRow row;
  std::size_t columns = 0;
  for (bool first = true;; first = false) {
    auto got = reader.next(row);
    if (!got || !*got) {
      break;
    }
    if (first) {
      columns = row.fields.size();
    } else if (row.fields.size() != columns) {
      __builtin_trap();  // every row has the header's columns
    }
  }
  for (const auto& removed : *read->toBeDeleted) {
    if (removed.fields.size() != columns) {
      __builtin_trap();
    }
  }
  return 0;
}
