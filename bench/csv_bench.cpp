// CSV reading throughput: the import's reader thread (CsvReader + CsvReadAhead, with row and
// key hashes as the import computes them) over a file, consumed as fast as it comes.
// Usage: csv_bench FILE [ROUNDS]   (bench/import_bench.py --keep DIR leaves DIR/students.csv)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "adapters/files/text_file.h"
#include "engine/csv_read_ahead.h"
#include "engine/key_index.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: csv_bench FILE [ROUNDS]\n");
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  for (int round = 0; round < rounds; ++round) {
    auto source = patrond::files::openText(argv[1], "utf-8");
    if (!source) {
      std::fprintf(stderr, "%s\n", source.error().describe().c_str());
      return 1;
    }
    auto start = std::chrono::steady_clock::now();
    patrond::CsvReader reader(**source, ',');
    patrond::CsvReadAhead ahead(reader, [](const patrond::CsvRow& r) {
      patrond::RowDigest d;
      for (std::string_view f : r.fields) {
        d.rawHash = patrond::hashBytes(f, d.rawHash);
      }
      d.keyHash = r.fields.empty() ? 0 : patrond::hashBytes(r.fields[0]);
      return d;
    });
    patrond::CsvRow row;
    patrond::RowDigest digest;
    std::size_t rows = 0, bytes = 0;
    for (;;) {
      auto more = ahead.next(row, digest);
      if (!more) {
        std::fprintf(stderr, "%s\n", more.error().describe().c_str());
        return 1;
      }
      if (!*more) {
        break;
      }
      ++rows;
      for (std::string_view f : row.fields) {
        bytes += f.size();
      }
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("round %d: %zu rows, %.0f MB of fields in %.3f s (%.0f MB/s of fields)\n",
                round + 1, rows, bytes / 1e6, s, bytes / 1e6 / s);
  }
  return 0;
}
