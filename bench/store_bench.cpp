// Patron writes alone: what the import's writer thread does in a full import into an empty
// SQLite database (insertPatrons in batches of 5,000, one transaction), without reading or
// mapping a file. Rows look like bench/import_bench.py's students.
// Usage: store_bench [ROWS] [ROUNDS]
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_db.h"

using namespace patrond;

int main(int argc, char** argv) {
  const long rows = argc > 1 ? std::atol(argv[1]) : 1000000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string path = std::filesystem::temp_directory_path() / "patrond-store-bench.db";
  for (int round = 0; round < rounds; ++round) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path + suffix);
    }
    auto store = bench::openStore(path);
    std::vector<Patron> batch;
    double building = 0;
    auto start = bench::Clock::now();
    if (!store->begin()) {
      return 1;
    }
    for (long i = 0; i < rows;) {
      auto b = bench::Clock::now();
      batch.clear();
      for (; i < rows && batch.size() < 5000; ++i) {
        Patron p;
        std::string sid = std::to_string(100000 + i);
        p.get(PatronField::kDistrictId) = "S" + sid;
        p.get(PatronField::kBarcode) = "P" + sid;
        p.get(PatronField::kUsername) = "s" + sid;
        p.get(PatronField::kFirstName) = "Olivia";
        p.get(PatronField::kLastName) = "Johnson";
        p.get(PatronField::kSite) = "LHS";
        p.get(PatronField::kPatronType) = "Student";
        p.get(PatronField::kAccessLevel) = "Patron";
        p.get(PatronField::kPersona) = "student";
        p.get(PatronField::kGrade) = std::to_string(6 + i % 7);
        p.get(PatronField::kGradYear) = "2030";
        p.get(PatronField::kHomeroom) = "Room " + std::to_string(i % 400);
        p.get(PatronField::kHomeroomTeacherEmail) = "t" + std::to_string(i % 400) + "@example.org";
        p.get(PatronField::kBirthdate) = "2012-03-04";
        p.get(PatronField::kEmail) = "s" + sid + "@example.org";
        p.ownerJob = "students";
        p.seenInLastFull = true;
        p.contentHash = "0123456789abcdef";
        p.createdAt = "2026-10-15T02:00:00";
        batch.push_back(std::move(p));
      }
      building += bench::seconds(b, bench::Clock::now());
      if (auto r = store->insertPatrons(batch); !r) {
        std::fprintf(stderr, "%s\n", r.error().describe().c_str());
        return 1;
      }
    }
    auto inserted = bench::Clock::now();
    if (!store->commit()) {
      return 1;
    }
    auto end = bench::Clock::now();
    std::printf(
        "round %d: %ld rows inserted in %.2f s (%.2f s of it building rows), commit %.2f s\n",
        round + 1, rows, bench::seconds(start, inserted) - building, building,
        bench::seconds(inserted, end));
  }
  return 0;
}
