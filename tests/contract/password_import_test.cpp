// Passwords in imports (SPEC 4, issue 13): hashed only when new or changed, on several
// threads, each hash stored with its algorithm and parameters; old PBKDF2 hashes verify
// and are replaced when the password changes. Through the real store on SQLite; the
// hasher is counted through its port.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "adapters/crypto/password_hasher.h"
#include "adapters/sql/soci_store.h"
#include "engine/patron_import.h"
#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

const std::string kHeader = "ID,Last,School,Homeroom,Password\n";

std::string rows(int n, const std::string& homeroom = "Smith 104",
                 const std::string& passwordSuffix = "") {
  std::string s;
  for (int i = 1; i <= n; ++i) {
    s += "S" + std::to_string(i) + ",Last" + std::to_string(i) + ",LHS," + homeroom + ",pw" +
         std::to_string(i) + passwordSuffix + "\n";
  }
  return s;
}

// Counts hash() calls and the threads they ran on; the hash is "fake$PASSWORD" (a real one
// is not needed to count, and this one shows which row got which password).
class CountingHasher final : public PasswordHasher {
 public:
  explicit CountingHasher(std::chrono::milliseconds cost = {}) : cost_(cost) {}
  std::string hash(const std::string& password) override {
    ++calls;
    std::this_thread::sleep_for(cost_);
    std::lock_guard lock(mutex_);
    threads.insert(std::this_thread::get_id());
    if (password == "explode") {
      throw std::runtime_error("out of memory");
    }
    return "fake$" + password;
  }
  std::string fingerprint(const std::string& key, const std::string& password) override {
    return "print:" + key + ":" + password;
  }
  std::atomic<int> calls{0};
  std::set<std::thread::id> threads;

 private:
  std::chrono::milliseconds cost_;
  std::mutex mutex_;
};

class PasswordImport : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = test::openTestStore("sqlite3", dir_);
    ASSERT_TRUE(store_);
    config_.sites = {{"LHS", "Lincoln", "high"}};
    config_.imports.emplace_back();
    ImportJob& j = config_.imports[0];
    j.name = "students";
    j.mapping.path = "students.mapping.yaml";
    j.mapping.fields = {{PatronField::kDistrictId, {"ID", 0, ""}},
                        {PatronField::kLastName, {"Last", 0, ""}},
                        {PatronField::kSite, {"School", 0, ""}},
                        {PatronField::kHomeroom, {"Homeroom", 0, ""}},
                        {PatronField::kPassword, {"Password", 0, ""}}};
  }

  ImportOutcome import(const std::string& csv, PasswordHasher& hasher, bool dryRun = false,
                       unsigned threads = 0, std::size_t batchSize = 3) {
    test::StringSource src(csv, 64);
    ImportRequest req;
    req.config = &config_;
    req.job = &config_.imports[0];
    req.type = UpdateType::kFull;
    req.dryRun = dryRun;
    req.file = "students.csv";
    req.now = *parseCivilTime("2026-10-15 02:00");
    req.batchSize = batchSize;
    req.hashThreads = threads;
    return runImport(*store_, src, req, &hasher);
  }

  std::string stored(const std::string& key) {
    auto p = store_->findPatron(key);
    EXPECT_TRUE(p.ok() && p->has_value()) << key;
    return p.ok() && p->has_value() ? (*p)->get(PatronField::kPassword) : "";
  }

  // As patrond stored rows before password fingerprints were kept: the content hash alone.
  void forgetPasswordPrints() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "patrond.db").string().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "UPDATE patrons SET content_hash = substr(content_hash, 1, 16)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  test::TempDir dir_;
  Config config_;
  std::unique_ptr<PatronStore> store_;
};

TEST_F(PasswordImport, NewPasswordsAreHashedOnceEachAndAnUnchangedRunHashesNothing) {
  CountingHasher hasher;
  auto first = import(kHeader + rows(10), hasher);
  ASSERT_EQ(first.run.status, RunStatus::kCompleted);
  EXPECT_EQ(first.run.counts.added, 10);
  EXPECT_EQ(hasher.calls, 10);
  EXPECT_EQ(stored("S7"), "fake$pw7");  // each row got its own password's hash

  hasher.calls = 0;
  auto again = import(kHeader + rows(10), hasher);
  EXPECT_EQ(again.run.counts.unchanged, 10);
  EXPECT_EQ(hasher.calls, 0);
}

TEST_F(PasswordImport, ARowWhoseOtherColumnsChangedKeepsItsStoredHash) {
  CountingHasher hasher;
  ASSERT_EQ(import(kHeader + rows(10), hasher).run.counts.added, 10);
  hasher.calls = 0;
  auto moved = import(kHeader + rows(10, "Jones 201"), hasher);
  EXPECT_EQ(moved.run.counts.updated, 10);
  EXPECT_EQ(hasher.calls, 0);  // the same passwords: nothing to hash
  EXPECT_EQ(stored("S3"), "fake$pw3");
  auto p = store_->findPatron("S3");
  EXPECT_EQ((*p)->get(PatronField::kHomeroom), "Jones 201");
}

TEST_F(PasswordImport, AChangedPasswordIsHashedAgainAndOnlyThatOne) {
  CountingHasher hasher;
  ASSERT_EQ(import(kHeader + rows(10), hasher).run.counts.added, 10);
  hasher.calls = 0;
  std::string csv = kHeader + rows(10);
  csv.replace(csv.find(",pw4\n"), 5, ",new4\n");
  auto o = import(csv, hasher);
  EXPECT_EQ(o.run.counts.updated, 1);
  EXPECT_EQ(o.run.counts.unchanged, 9);
  EXPECT_EQ(hasher.calls, 1);
  EXPECT_EQ(stored("S4"), "fake$new4");
  EXPECT_EQ(stored("S5"), "fake$pw5");
}

TEST_F(PasswordImport, AReactivatedPatronGetsItsPasswordBack) {
  CountingHasher hasher;
  ASSERT_EQ(import(kHeader + rows(3), hasher).run.counts.added, 3);
  auto p = store_->findPatron("S2");
  ASSERT_TRUE(store_->begin().ok());
  ASSERT_TRUE(store_->inactivatePatrons({{(*p)->id, "2026-10-15T02:00:00", false, true}}).ok());
  ASSERT_TRUE(store_->commit().ok());
  EXPECT_EQ(stored("S2"), "");  // prefix_username removes the password
  hasher.calls = 0;
  auto o = import(kHeader + rows(3), hasher);
  EXPECT_EQ(o.run.counts.reactivated, 1);
  EXPECT_EQ(hasher.calls, 1);
  EXPECT_EQ(stored("S2"), "fake$pw2");
}

TEST_F(PasswordImport, ADryRunHashesNothing) {
  CountingHasher hasher;
  auto o = import(kHeader + rows(10), hasher, true);
  EXPECT_EQ(o.run.counts.added, 10);
  EXPECT_EQ(hasher.calls, 0);
}

TEST_F(PasswordImport, PasswordsAreHashedOnSeveralThreadsEachIntoItsOwnRow) {
  CountingHasher hasher(std::chrono::milliseconds(5));
  auto o = import(kHeader + rows(40), hasher, false, 4, 5000);
  ASSERT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(hasher.calls, 40);
  EXPECT_EQ(hasher.threads.size(), 4u);
  for (int i = 1; i <= 40; ++i) {
    EXPECT_EQ(stored("S" + std::to_string(i)), "fake$pw" + std::to_string(i));
  }
}

TEST_F(PasswordImport, AHashThatFailsFailsTheRunAndAppliesNothing) {
  CountingHasher hasher;
  std::string csv = kHeader + rows(10);
  csv.replace(csv.find(",pw6\n"), 5, ",explode\n");
  auto o = import(csv, hasher, false, 2);
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  ASSERT_FALSE(o.messages.empty());
  EXPECT_EQ(o.messages.back().code, "CRYPTO");
  EXPECT_NE(o.messages.back().text.find("hashing a password: out of memory"), std::string::npos);
  EXPECT_EQ(*store_->countPatrons({}), 0);
}

TEST_F(PasswordImport, OldPbkdf2HashesAreReplacedWhenThePasswordChangesAndKeptOtherwise) {
  // Imported by patrond before Argon2id: PBKDF2 at 10,000 iterations, no password prints.
  auto legacy = crypto::openHasher(dir_ / "patrond.key", crypto::kPbkdf2Legacy);
  ASSERT_TRUE(legacy.ok());
  ASSERT_EQ(import(kHeader + rows(3), **legacy).run.counts.added, 3);
  forgetPasswordPrints();
  const std::string old1 = stored("S1"), old2 = stored("S2");
  ASSERT_EQ(old1.rfind("pbkdf2-sha256$10000$", 0), 0u);
  EXPECT_TRUE(crypto::verifyPassword("pw1", old1));

  // Today's hasher (Argon2id; small parameters keep the test fast), same key file.
  auto current =
      crypto::openHasher(dir_ / "patrond.key", {crypto::HashScheme::kArgon2id, 64, 1, 1});
  ASSERT_TRUE(current.ok());
  std::string csv = kHeader + rows(3);
  csv.replace(csv.find(",pw1\n"), 5, ",new1\n");
  auto o = import(csv, **current);
  EXPECT_EQ(o.run.counts.updated, 1);
  EXPECT_EQ(o.run.counts.unchanged, 2);
  const std::string new1 = stored("S1");
  EXPECT_EQ(new1.rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << new1;
  EXPECT_TRUE(crypto::verifyPassword("new1", new1));
  EXPECT_EQ(stored("S2"), old2);  // the same password: the old hash stays and verifies
  EXPECT_TRUE(crypto::verifyPassword("pw2", stored("S2")));
}

}  // namespace
}  // namespace patrond
