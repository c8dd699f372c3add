// Patron passwords (issue 13): the cost of one hash for each scheme patrond knows, and the
// cost of a first import with N passwords into an empty SQLite database, next to the same
// import without a password column and a second, unchanged run (which hashes nothing).
// Usage: password_bench [PASSWORDS] [HASH_THREADS] [pbkdf2]
//   (defaults 50000, 0 = one per core; `pbkdf2`: the import with PBKDF2 at 600,000 too)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/crypto/password_hasher.h"
#include "adapters/files/text_file.h"
#include "bench/bench_db.h"
#include "engine/patron_import.h"

using namespace patrond;

namespace {

double perHashMs(const crypto::HashParams& params, int n) {
  auto start = bench::Clock::now();
  for (int i = 0; i < n; ++i) {
    (void)crypto::hashPassword("Correct-Horse-" + std::to_string(i), params);
  }
  return bench::seconds(start, bench::Clock::now()) * 1000 / n;
}

void writeCsv(const std::string& path, long rows, bool passwords) {
  std::ofstream f(path);
  f << "StudentID,LastName,FirstName,SchoolCode,Grade,Homeroom" << (passwords ? ",Password" : "")
    << "\n";
  for (long i = 0; i < rows; ++i) {
    std::string sid = std::to_string(100000 + i);
    f << "S" << sid << ",Johnson,Olivia,LHS," << 6 + i % 7 << ",Room " << i % 400;
    if (passwords) {
      f << ",Pw-" << sid << "-" << (i * 7919) % 100003;
    }
    f << "\n";
  }
}

struct Timed {
  double seconds = 0;
  ImportOutcome outcome;
};

Timed runOnce(const Config& config, const std::string& csv, const std::string& db,
              PasswordHasher* hasher, unsigned threads) {
  auto store = bench::openStore(db);
  auto source = files::openText(csv, "utf-8");
  if (!source) {
    std::fprintf(stderr, "%s\n", source.error().describe().c_str());
    std::exit(1);
  }
  ImportRequest req;
  req.config = &config;
  req.job = &config.imports[0];
  req.type = UpdateType::kFull;
  req.file = csv;
  req.now = *parseCivilTime("2026-12-05 02:00");
  req.hashThreads = threads;
  Timed t;
  auto start = bench::Clock::now();
  t.outcome = runImport(*store, **source, req, hasher);
  t.seconds = bench::seconds(start, bench::Clock::now());
  if (t.outcome.run.status != RunStatus::kCompleted) {
    std::fprintf(stderr, "import failed: %s\n",
                 t.outcome.messages.empty() ? "?" : t.outcome.messages.back().text.c_str());
    std::exit(1);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const long rows = argc > 1 ? std::atol(argv[1]) : 50000;
  const unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 0;
  const bool alsoPbkdf2 = argc > 3 && std::string(argv[3]) == "pbkdf2";
  const auto dir = std::filesystem::temp_directory_path() / "patrond-password-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("cores: %u, hash threads: %u (0 = one per core)\n",
              std::thread::hardware_concurrency(), threads);

  std::printf("\none hash, one thread:\n");
  std::printf("  Argon2id m=19 MiB t=2 p=1 (default) %8.2f ms\n",
              perHashMs(crypto::kDefaultHash, 40));
  // OWASP's other Argon2id settings, equal in strength to the default.
  for (auto [m, t] : {std::pair{47104u, 1u}, {12288u, 3u}, {9216u, 4u}, {7168u, 5u}}) {
    std::printf("  Argon2id m=%2u MiB t=%u p=1 (OWASP)     %8.2f ms\n", m / 1024, t,
                perHashMs({crypto::HashScheme::kArgon2id, m, t, 1}, 20));
  }
  std::printf("  PBKDF2-SHA256 600,000 (OWASP)       %8.2f ms\n",
              perHashMs(crypto::kPbkdf2Owasp, 10));
  std::printf("  PBKDF2-SHA256 10,000 (before)       %8.2f ms\n",
              perHashMs(crypto::kPbkdf2Legacy, 200));

  Config config;
  config.sites = {{"LHS", "Lincoln", "high"}};
  config.imports.emplace_back();
  ImportJob& job = config.imports[0];
  job.name = "students";
  job.mapping.path = "students.mapping.yaml";
  job.mapping.fields = {{PatronField::kDistrictId, {"StudentID", 0, ""}},
                        {PatronField::kLastName, {"LastName", 0, ""}},
                        {PatronField::kFirstName, {"FirstName", 0, ""}},
                        {PatronField::kSite, {"SchoolCode", 0, ""}},
                        {PatronField::kGrade, {"Grade", 0, ""}},
                        {PatronField::kHomeroom, {"Homeroom", 0, ""}}};

  std::printf("\nfirst import of %ld rows into an empty SQLite database:\n", rows);
  const std::string plainCsv = (dir / "plain.csv").string();
  writeCsv(plainCsv, rows, false);
  Timed plain = runOnce(config, plainCsv, (dir / "plain.db").string(), nullptr, threads);
  std::printf("  without passwords                   %8.2f s\n", plain.seconds);

  job.mapping.fields.push_back({PatronField::kPassword, {"Password", 0, ""}});
  const std::string csv = (dir / "passwords.csv").string();
  writeCsv(csv, rows, true);
  std::vector<std::pair<const char*, crypto::HashParams>> schemes{
      {"Argon2id m=19 MiB t=2 p=1 (default)", crypto::kDefaultHash}};
  if (alsoPbkdf2) {
    schemes.emplace_back("PBKDF2-SHA256 600,000 (OWASP)      ", crypto::kPbkdf2Owasp);
  }
  for (const auto& [name, params] : schemes) {
    const std::string db = (dir / "passwords.db").string();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(db + suffix);
    }
    std::filesystem::remove(dir / "patrond.key");
    auto hasher = crypto::openHasher((dir / "patrond.key").string(), params);
    if (!hasher) {
      std::fprintf(stderr, "%s\n", hasher.error().describe().c_str());
      return 1;
    }
    Timed first = runOnce(config, csv, db, hasher->get(), threads);
    Timed again = runOnce(config, csv, db, hasher->get(), threads);
    std::printf("  with passwords, %s %8.2f s (%.0f passwords/s); unchanged rerun %.2f s\n", name,
                first.seconds, static_cast<double>(first.outcome.run.counts.added) / first.seconds,
                again.seconds);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
