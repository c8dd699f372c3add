// The PatronStore contract: one suite, run against SQLite, a real PostgreSQL 15 and a real
// MariaDB started on loopback by the test harness.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <map>
#include <stdexcept>
#include <thread>

#include "adapters/secrets/file_secrets.h"
#include "adapters/sql/soci_store.h"
#include "tests/support/backends.h"
#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

// A StoredPatronKey kept past its callback.
struct OwnedKey {
  explicit OwnedKey(const StoredPatronKey& k)
      : id(k.id),
        key(k.key),
        barcode(k.barcode),
        contentHash(k.contentHash),
        status(k.status),
        ownedByJob(k.ownedByJob) {}
  std::int64_t id;
  std::string key, barcode, contentHash;
  PatronStatus status;
  bool ownedByJob;
};

using test::TempDir;

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = test::openTestStore(GetParam(), dir_, &config_);
    ASSERT_TRUE(store_);
  }

  static Patron patron(const std::string& id, const std::string& barcode, const std::string& last) {
    return test::samplePatron(id, barcode, last);
  }

  TempDir dir_;
  DatabaseConfig config_;
  std::unique_ptr<PatronStore> store_;
};

TEST_P(StoreContract, MigrateIsIdempotentAndReportsVersion) {
  auto again = store_->migrate();
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(*again, PatronStore::kSchemaVersion);
  auto v = store_->schemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, PatronStore::kSchemaVersion);
}

TEST_P(StoreContract, SecondConnectionSeesMigratedSchema) {
  auto other = test::openAnotherStore(config_);
  ASSERT_TRUE(other.ok()) << other.error().describe();
  auto v = (*other)->schemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, PatronStore::kSchemaVersion);
}

TEST_P(StoreContract, PatronsRoundTripWithUtf8AndFindByIdOrBarcode) {
  std::vector<Patron> ps{patron("S1001", "P1001", "Núñez"), patron("S1002", "P1002", "Müller")};
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  ps[0].id = (*store_->findPatron("S1001"))->id;
  EXPECT_GT(ps[0].id, 0);
  EXPECT_NE(ps[0].id, (*store_->findPatron("S1002"))->id);
  auto byId = store_->findPatron("S1001");
  ASSERT_TRUE(byId.ok()) << byId.error().describe();
  ASSERT_TRUE(byId->has_value());
  EXPECT_EQ((*byId)->get(PatronField::kLastName), "Núñez");
  EXPECT_EQ((*byId)->get(PatronField::kFirstName), "Zoë");
  EXPECT_EQ((*byId)->id, ps[0].id);
  auto byBarcode = store_->findPatron("P1002");
  ASSERT_TRUE(byBarcode.ok());
  ASSERT_TRUE(byBarcode->has_value());
  EXPECT_EQ((*byBarcode)->get(PatronField::kDistrictId), "S1002");
  auto none = store_->findPatron("nobody");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreContract, UpdateChangesOnlyThatPatron) {
  std::vector<Patron> ps{patron("S1", "B1", "One"), patron("S2", "B2", "Two")};
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  ps[0].id = (*store_->findPatron("S1"))->id;
  ps[0].get(PatronField::kHomeroom) = "";
  ps[0].status = PatronStatus::kInactive;
  ps[0].inactiveSince = "2026-10-20T02:00:00";
  ASSERT_TRUE(store_->updatePatrons({ps[0]}).ok());
  auto one = store_->findPatron("S1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->status, PatronStatus::kInactive);
  EXPECT_EQ((*one)->inactiveSince, "2026-10-20T02:00:00");
  EXPECT_EQ((*one)->get(PatronField::kHomeroom), "");
  auto two = store_->findPatron("S2");
  ASSERT_TRUE(two.ok() && two->has_value());
  EXPECT_EQ((*two)->status, PatronStatus::kActive);
  EXPECT_EQ((*two)->get(PatronField::kHomeroom), "Smith 104");
}

TEST_P(StoreContract, DuplicateBarcodeIsRefusedWithAClearError) {
  std::vector<Patron> ps{patron("S1", "B1", "One")};
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  std::vector<Patron> dup{patron("S2", "B1", "Two")};
  auto r = store_->insertPatrons(dup);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code.name(), "DB");
  EXPECT_NE(r.error().message.find("adding patron"), std::string::npos) << r.error().message;
}

// Bulk inserts go out many rows per statement: a refused row among hundreds is still named,
// every patron of a batch that succeeds is stored with its own id, and the ids are distinct.
TEST_P(StoreContract, BulkInsertsStoreEveryRowAndNameTheOneRefused) {
  std::vector<Patron> ps;
  for (int i = 0; i < 250; ++i) {
    ps.push_back(patron("S" + std::to_string(i), "B" + std::to_string(i), "N" + std::to_string(i)));
  }
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  EXPECT_EQ(*store_->countPatrons({}), 250);
  auto p = store_->findPatron("S217");
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->get(PatronField::kLastName), "N217");
  EXPECT_EQ((*p)->get(PatronField::kBarcode), "B217");
  ASSERT_TRUE(store_->begin().ok());
  std::vector<Patron> more;
  for (int i = 0; i < 150; ++i) {
    // Row 120 reuses a stored barcode.
    more.push_back(patron("T" + std::to_string(i), i == 120 ? "B5" : "C" + std::to_string(i),
                          "M" + std::to_string(i)));
  }
  auto r = store_->insertPatrons(more);
  ASSERT_FALSE(r.ok());
  // SQLite names the patron, PostgreSQL and MariaDB the barcode index; never the statement
  // with every row's values in it.
  const std::string& m = r.error().message;
  EXPECT_TRUE(m.find("adding patron T120") != std::string::npos ||
              m.find("patrons_barcode") != std::string::npos)
      << m;
  EXPECT_EQ(m.find("INSERT INTO"), std::string::npos) << m;
  EXPECT_LT(m.size(), 400u) << m;
  ASSERT_TRUE(store_->rollback().ok());
  EXPECT_EQ(*store_->countPatrons({}), 250);
}

// An insert writes only the fields some patron of its batch has: the others read as empty,
// can be written later, and batches with different fields keep each patron's own values.
TEST_P(StoreContract, FieldsNoPatronOfABatchHasReadAsEmpty) {
  std::vector<Patron> first{patron("S1", "B1", "One"), patron("S2", "B2", "Two")};
  first[0].get(PatronField::kEmail).clear();
  first[1].get(PatronField::kEmail) = "two@example.org";
  first[0].get(PatronField::kPhone).clear();
  first[1].get(PatronField::kPhone).clear();
  ASSERT_TRUE(store_->insertPatrons(first).ok());
  std::vector<Patron> second{patron("S3", "B3", "Three")};
  second[0].get(PatronField::kEmail).clear();
  second[0].get(PatronField::kPhone) = "555-0100";
  ASSERT_TRUE(store_->insertPatrons(second).ok());
  std::vector<Patron> third{patron("S4", "B4", "Four")};
  third[0].get(PatronField::kPhone).clear();
  ASSERT_TRUE(store_->insertPatrons(third).ok());

  auto get = [&](const std::string& id, PatronField f) {
    auto p = store_->findPatron(id);
    EXPECT_TRUE(p.ok() && p->has_value()) << id;
    return p.ok() && p->has_value() ? (*p)->get(f) : std::string("?");
  };
  EXPECT_EQ(get("S1", PatronField::kEmail), "");
  EXPECT_EQ(get("S1", PatronField::kPhone), "");
  EXPECT_EQ(get("S1", PatronField::kLastName), "One");
  EXPECT_EQ(get("S2", PatronField::kEmail), "two@example.org");
  EXPECT_EQ(get("S3", PatronField::kPhone), "555-0100");
  EXPECT_EQ(get("S3", PatronField::kEmail), "");
  EXPECT_EQ(get("S4", PatronField::kPhone), "");
  EXPECT_EQ(get("S4", PatronField::kEmail), third[0].get(PatronField::kEmail));
  for (size_t i = 0; i < kPatronFieldCount; ++i) {
    auto f = static_cast<PatronField>(i);
    EXPECT_EQ(get("S4", f), third[0].get(f)) << fieldInfo(f).name;
  }

  auto stored = store_->findPatron("S1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  Patron s1 = **stored;
  s1.get(PatronField::kPhone) = "555-0111";
  ASSERT_TRUE(store_->updatePatrons({s1}, {PatronField::kPhone}).ok());
  EXPECT_EQ(get("S1", PatronField::kPhone), "555-0111");
  EXPECT_EQ(get("S1", PatronField::kEmail), "");
}

// Updates with the keys as stored, with new keys, with a key taken by another patron and
// with keys removed: each is written exactly (SQLite leaves unchanged keys out of its UPDATE).
TEST_P(StoreContract, UpdatesWriteChangedKeysAndKeepTheRest) {
  std::vector<Patron> ps{patron("S1", "B1", "One"), patron("S2", "B2", "Two"),
                         patron("S3", "B3", "Three")};
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  auto load = [&](const std::string& key) {
    auto p = store_->findPatron(key);
    EXPECT_TRUE(p.ok() && p->has_value()) << key;
    return p.ok() && p->has_value() ? **p : Patron{};
  };
  Patron one = load("S1"), two = load("S2"), three = load("S3");
  one.get(PatronField::kLastName) = "Uno";      // keys as stored
  two.get(PatronField::kBarcode) = "B22";       // a new barcode
  three.get(PatronField::kDistrictId) = "S33";  // a new district ID
  three.get(PatronField::kLastName) = "Tres";
  ASSERT_TRUE(store_->updatePatrons({one, two, three}).ok());
  EXPECT_EQ(load("S1").get(PatronField::kLastName), "Uno");
  EXPECT_EQ(load("B1").get(PatronField::kDistrictId), "S1");
  EXPECT_EQ(load("S2").get(PatronField::kBarcode), "B22");
  EXPECT_EQ(load("B22").get(PatronField::kDistrictId), "S2");
  auto gone = store_->findPatron("B2");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  EXPECT_EQ(load("S33").get(PatronField::kLastName), "Tres");
  EXPECT_EQ(load("B3").get(PatronField::kDistrictId), "S33");

  // A barcode another patron holds is refused; nothing of the batch is kept.
  ASSERT_TRUE(store_->begin().ok());
  Patron taken = load("S1");
  taken.get(PatronField::kBarcode) = "B22";
  EXPECT_FALSE(store_->updatePatrons({taken}).ok());
  ASSERT_TRUE(store_->rollback().ok());
  EXPECT_EQ(load("S1").get(PatronField::kBarcode), "B1");

  // Two patrons may lose their barcodes (stored as NULL, not as two empty strings).
  Patron a = load("S1"), b = load("S2");
  a.get(PatronField::kBarcode).clear();
  b.get(PatronField::kBarcode).clear();
  auto cleared = store_->updatePatrons({a, b});
  ASSERT_TRUE(cleared.ok()) << cleared.error().describe();
  EXPECT_EQ(load("S1").get(PatronField::kBarcode), "");
  EXPECT_EQ(load("S2").get(PatronField::kBarcode), "");
  // And be updated again without one.
  a = load("S1");
  a.get(PatronField::kFirstName) = "Again";
  ASSERT_TRUE(store_->updatePatrons({a}).ok());
  EXPECT_EQ(load("S1").get(PatronField::kFirstName), "Again");
}

TEST_P(StoreContract, PatronsWithoutBarcodeMayCoexist) {
  std::vector<Patron> ps{patron("S1", "", "One"), patron("S2", "", "Two")};
  auto r = store_->insertPatrons(ps);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto n = store_->countPatrons({});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
}

TEST_P(StoreContract, RollbackLeavesNoPatron) {
  ASSERT_TRUE(store_->begin().ok());
  std::vector<Patron> ps{patron("S1", "B1", "One")};
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  ASSERT_TRUE(store_->rollback().ok());
  auto n = store_->countPatrons({});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

// forEachPatron hands patrons over one at a time in the listing's order, honours the limit,
// and gives each its own values (an adapter that reuses one Patron must clear what the previous
// row had: here a middle name, then none).
TEST_P(StoreContract, ForEachPatronStreamsInNameOrderWithLimit) {
  std::vector<Patron> ps{patron("S1", "B1", "Clark"), patron("S2", "B2", "Adams"),
                         patron("S3", "B3", "Baker")};
  ps[1].get(PatronField::kMiddleName) = "Quincy";
  ps[2].status = PatronStatus::kInactive;
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  std::vector<std::string> seen;
  std::vector<std::string> middles;
  std::vector<PatronStatus> statuses;
  auto all = store_->forEachPatron({}, [&](const Patron& p) {
    seen.push_back(p.get(PatronField::kDistrictId));
    middles.push_back(p.get(PatronField::kMiddleName));
    statuses.push_back(p.status);
  });
  ASSERT_TRUE(all.ok()) << all.error().describe();
  EXPECT_EQ(seen, (std::vector<std::string>{"S2", "S3", "S1"}));
  EXPECT_EQ(middles, (std::vector<std::string>{"Quincy", "", ""}));
  EXPECT_EQ(statuses, (std::vector<PatronStatus>{PatronStatus::kActive, PatronStatus::kInactive,
                                                 PatronStatus::kActive}));
  PatronFilter two;
  two.limit = 2;
  seen.clear();
  ASSERT_TRUE(
      store_
          ->forEachPatron(two,
                          [&](const Patron& p) { seen.push_back(p.get(PatronField::kDistrictId)); })
          .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"S2", "S3"}));
  auto listed = store_->listPatrons(two);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].get(PatronField::kDistrictId), "S3");
}

// A patron without a first name comes before the others of its last name on every backend
// (so --limit picks the same patrons whichever database holds them).
TEST_P(StoreContract, ForEachPatronSortsAMissingFirstNameFirst) {
  std::vector<Patron> ps{patron("S1", "B1", "Adams"), patron("S3", "B3", "Baker")};
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  // Alone in its batch, its first name column is left out: NULL, as an import stores it.
  std::vector<Patron> noFirstName{patron("S2", "B2", "Adams")};
  noFirstName[0].get(PatronField::kFirstName).clear();
  ASSERT_TRUE(store_->insertPatrons(noFirstName).ok());
  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->forEachPatron(
                      {}, [&](const Patron& p) { seen.push_back(p.get(PatronField::kDistrictId)); })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"S2", "S1", "S3"}));
}

// A listing whose reader gives up midway (its output failed) ends there, and the connection is
// ready for what comes next: on PostgreSQL the streamed query is cancelled and drained, on
// MariaDB the statement's unread rows are read and dropped. Enough rows that the server is
// still sending when the reader stops.
TEST_P(StoreContract, ForEachPatronStoppedMidwayLeavesTheStoreUsable) {
  const int kRows = 5000;
  std::vector<Patron> ps;
  for (int i = 1; i <= kRows; ++i) {
    ps.push_back(patron("S" + std::to_string(i), "B" + std::to_string(i), "Name"));
  }
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  int handed = 0;
  auto stopped = store_->forEachPatron({}, [&](const Patron&) {
    if (++handed == 2) {
      throw std::runtime_error("the output went away");
    }
  });
  EXPECT_FALSE(stopped.ok());
  EXPECT_EQ(handed, 2);
  auto n = store_->countPatrons({});
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ(*n, kRows);
  int all = 0;
  ASSERT_TRUE(store_->forEachPatron({}, [&](const Patron&) { ++all; }).ok());
  EXPECT_EQ(all, kRows);
}

TEST_P(StoreContract, ListFiltersBySiteStatusHomeroomAndType) {
  std::vector<Patron> ps{patron("S1", "B1", "Adams"), patron("S2", "B2", "Baker"),
                         patron("S3", "B3", "Clark")};
  ps[1].get(PatronField::kSite) = "WES";
  ps[2].status = PatronStatus::kInactive;
  ps[2].get(PatronField::kPatronType) = "Senior";
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  PatronFilter f;
  f.site = "LHS";
  auto lhs = store_->listPatrons(f);
  ASSERT_TRUE(lhs.ok()) << lhs.error().describe();
  ASSERT_EQ(lhs->size(), 2u);
  EXPECT_EQ((*lhs)[0].get(PatronField::kLastName), "Adams");
  f.status = PatronStatus::kInactive;
  auto inactive = store_->listPatrons(f);
  ASSERT_TRUE(inactive.ok());
  ASSERT_EQ(inactive->size(), 1u);
  EXPECT_EQ((*inactive)[0].get(PatronField::kDistrictId), "S3");
  PatronFilter t;
  t.patronType = "Senior";
  auto n = store_->countPatrons(t);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
}

TEST_P(StoreContract, ForEachPatronKeyStreamsMatchDataAndReadFieldsByIds) {
  std::vector<Patron> ps{patron("S1", "B1", "One"), patron("S2", "B2", "Two")};
  ps[0].get(PatronField::kEmail) = "one@example.org";
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  std::vector<OwnedKey> keys;
  auto r = store_->forEachPatronKey(PatronField::kDistrictId, "students",
                                    [&](const StoredPatronKey& k) { keys.emplace_back(k); });
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(keys.size(), 2u);
  const OwnedKey& one = keys[0].key == "S1" ? keys[0] : keys[1];
  EXPECT_EQ(one.barcode, "B1");
  EXPECT_EQ(one.contentHash, "h-S1");
  EXPECT_TRUE(one.ownedByJob);
  EXPECT_EQ(one.status, PatronStatus::kActive);
  std::vector<OwnedKey> asOther;
  ASSERT_TRUE(store_
                  ->forEachPatronKey(PatronField::kBarcode, "staff",
                                     [&](const StoredPatronKey& k) { asOther.emplace_back(k); })
                  .ok());
  ASSERT_EQ(asOther.size(), 2u);
  EXPECT_FALSE(asOther[0].ownedByJob);
  EXPECT_TRUE(asOther[0].key == "B1" || asOther[0].key == "B2");
  std::map<std::int64_t, std::vector<std::string>> got;
  ASSERT_TRUE(store_
                  ->readFields({one.id}, {PatronField::kEmail, PatronField::kLastName},
                               [&](std::int64_t id, std::vector<std::string>&& v) { got[id] = v; })
                  .ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[one.id], (std::vector<std::string>{"one@example.org", "One"}));
}

TEST_P(StoreContract, SeenPatronsTakeTheJobsLastFullRunTime) {
  std::vector<Patron> ps{patron("S1", "B1", "One"), patron("S2", "B2", "Two")};
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  auto keys = std::vector<OwnedKey>();
  ASSERT_TRUE(store_
                  ->forEachPatronKey(PatronField::kDistrictId, "students",
                                     [&](const StoredPatronKey& k) { keys.emplace_back(k); })
                  .ok());
  ASSERT_EQ(keys.size(), 2u);
  std::vector<std::int64_t> ids{keys[0].id};
  ASSERT_TRUE(store_->markSeen(ids, true, "2026-11-01T03:00:00").ok());
  ASSERT_TRUE(store_->setJobLastFullRun("students", "2026-11-08T03:00:00").ok());
  auto last = store_->jobLastFullRun("students");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, "2026-11-08T03:00:00");
  EXPECT_EQ((*store_->findPatron(keys[0].key))->lastSeenAt, "2026-11-08T03:00:00");
  EXPECT_EQ((*store_->findPatron(keys[1].key))->lastSeenAt, "2026-10-15T02:00:00");
  ASSERT_TRUE(store_->markSeen(ids, false, "2026-11-01T03:00:00").ok());
  EXPECT_EQ((*store_->findPatron(keys[0].key))->lastSeenAt, "2026-11-01T03:00:00");
  ASSERT_TRUE(store_->clearBarcode(keys[0].id).ok());
  EXPECT_EQ((*store_->findPatron(keys[0].key))->get(PatronField::kBarcode), "");
}

TEST_P(StoreContract, InactivateAndDeleteWithArchive) {
  std::vector<Patron> ps{patron("S1", "B1", "One"), patron("S2", "B2", "Two")};
  ps[0].get(PatronField::kUsername) = "one";
  ps[0].get(PatronField::kPassword) = "pbkdf2-sha256$1$00$00";
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  std::int64_t id1 = (*store_->findPatron("S1"))->id;
  std::int64_t id2 = (*store_->findPatron("S2"))->id;
  ASSERT_TRUE(store_->inactivatePatrons({{id1, "2026-11-01T03:00:00", true, true}}).ok());
  Patron p = **store_->findPatron("S1");
  EXPECT_EQ(p.status, PatronStatus::kInactive);
  EXPECT_EQ(p.get(PatronField::kUsername), "Inactive-one");
  EXPECT_EQ(p.get(PatronField::kHomeroom), "");
  EXPECT_EQ(p.get(PatronField::kPassword), "");
  std::vector<JobPatron> job;
  LifecycleFilter everyone;
  everyone.everyone = true;
  ASSERT_TRUE(store_
                  ->forEachJobPatron("students", everyone,
                                     [&](JobPatron&& jp) { job.push_back(std::move(jp)); })
                  .ok());
  ASSERT_EQ(job.size(), 2u);
  std::vector<JobPatron> candidates;  // S2 is active and seen (flag set below): not a candidate
  ASSERT_TRUE(store_->markSeen({id2}, true, "2026-11-01T03:00:00").ok());
  LifecycleFilter filter;
  filter.notSeen = true;
  filter.inactive = true;
  filter.seniorsThrough = "2026";
  ASSERT_TRUE(store_
                  ->forEachJobPatron("students", filter,
                                     [&](JobPatron&& jp) { candidates.push_back(std::move(jp)); })
                  .ok());
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].id, id1);
  LifecycleScope scope;
  EXPECT_EQ(*store_->countInScope("students", scope), 2);
  scope.patronTypes = {"Teacher"};
  EXPECT_EQ(*store_->countInScope("students", scope), 0);
  ASSERT_TRUE(store_->deletePatrons({{id2, 7, "delete_inactive", "2026-11-02T03:00:00"}}).ok());
  EXPECT_FALSE(store_->findPatron("S2")->has_value());
  EXPECT_EQ(*store_->countPatrons({}), 1);
}

// issue 18: a homeroom pinned by hand ("Moved") is kept by every writer (a whole row, the
// homeroom columns only, a reactivation, with and without the keys) and by inactivation's
// clear_homeroom; releasing it forgets the row's hash (not the password's fingerprint).
TEST_P(StoreContract, APinnedHomeroomSurvivesEveryWriterAndInactivation) {
  std::vector<Patron> ps{patron("S1", "B1", "One"), patron("S2", "B2", "Two")};
  ps[0].get(PatronField::kHomeroomTeacherEmail) = "smith@example.org";
  ps[0].contentHash = "00000000000000aa:00000000000000bb";
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  ps[0].id = (*store_->findPatron("S1"))->id;
  ps[1].id = (*store_->findPatron("S2"))->id;
  EXPECT_FALSE((*store_->findPatron("S1"))->homeroomPinned);
  ASSERT_TRUE(store_->setHomeroomPin(ps[0].id, "Moved", "2026-10-20T10:00:00").ok());
  Patron pinned = **store_->findPatron("S1");
  EXPECT_TRUE(pinned.homeroomPinned);
  EXPECT_EQ(pinned.get(PatronField::kHomeroom), "Moved");
  EXPECT_EQ(pinned.get(PatronField::kHomeroomTeacherEmail), "");  // Moved has no SIS teacher
  EXPECT_EQ(pinned.updatedAt, "2026-10-20T10:00:00");

  auto sisSays = [&](const std::string& homeroom, const std::string& last) {
    for (auto& p : ps) {
      p.get(PatronField::kHomeroom) = homeroom;
      p.get(PatronField::kHomeroomTeacherEmail) = "jones@example.org";
      p.get(PatronField::kLastName) = last;
    }
  };
  // A whole row (SQLite: with and without the keys), then only some columns.
  sisSays("Jones 201", "Renamed");
  ASSERT_TRUE(store_->updatePatrons(ps).ok());
  ps[0].get(PatronField::kBarcode) = "B1x";
  ASSERT_TRUE(store_->updatePatrons(ps).ok());
  ASSERT_TRUE(store_
                  ->updatePatrons(ps, {PatronField::kHomeroom, PatronField::kLastName,
                                       PatronField::kHomeroomTeacherEmail})
                  .ok());
  Patron one = **store_->findPatron("S1");
  EXPECT_EQ(one.get(PatronField::kHomeroom), "Moved");
  EXPECT_EQ(one.get(PatronField::kHomeroomTeacherEmail), "");
  EXPECT_EQ(one.get(PatronField::kLastName), "Renamed");  // the rest is written
  EXPECT_EQ(one.get(PatronField::kBarcode), "B1x");
  EXPECT_TRUE(one.homeroomPinned);
  Patron two = **store_->findPatron("S2");  // not pinned: the SIS value
  EXPECT_EQ(two.get(PatronField::kHomeroom), "Jones 201");
  EXPECT_EQ(two.get(PatronField::kHomeroomTeacherEmail), "jones@example.org");

  // Inactivation's clear_homeroom leaves it; a reactivation writes the row and keeps it.
  ASSERT_TRUE(store_
                  ->inactivatePatrons({{ps[0].id, "2026-11-01T03:00:00", true, false},
                                       {ps[1].id, "2026-11-01T03:00:00", true, false}})
                  .ok());
  EXPECT_EQ((*store_->findPatron("S1"))->get(PatronField::kHomeroom), "Moved");
  EXPECT_EQ((*store_->findPatron("S2"))->get(PatronField::kHomeroom), "");
  sisSays("Lee 9", "Back");
  ASSERT_TRUE(store_->updatePatrons(ps, {}, true).ok());
  EXPECT_EQ((*store_->findPatron("S1"))->get(PatronField::kHomeroom), "Moved");
  EXPECT_EQ((*store_->findPatron("S1"))->status, PatronStatus::kActive);
  EXPECT_EQ((*store_->findPatron("S2"))->get(PatronField::kHomeroom), "Lee 9");

  // The key scan tells the import who is pinned.
  std::map<std::string, bool> pinnedByKey;
  ASSERT_TRUE(store_
                  ->forEachPatronKey(PatronField::kDistrictId, "students",
                                     [&](const StoredPatronKey& k) {
                                       pinnedByKey[std::string(k.key)] = k.homeroomPinned;
                                     })
                  .ok());
  EXPECT_TRUE(pinnedByKey["S1"]);
  EXPECT_FALSE(pinnedByKey["S2"]);

  // Released: the homeroom stays until the next import, which finds the row changed.
  ASSERT_TRUE(store_->setHomeroomPin(ps[0].id, std::nullopt, "2026-11-02T10:00:00").ok());
  Patron released = **store_->findPatron("S1");
  EXPECT_FALSE(released.homeroomPinned);
  EXPECT_EQ(released.get(PatronField::kHomeroom), "Moved");
  EXPECT_EQ(released.contentHash, "0:00000000000000bb");
  ASSERT_TRUE(store_->updatePatrons(ps).ok());
  EXPECT_EQ((*store_->findPatron("S1"))->get(PatronField::kHomeroom), "Lee 9");
}

TEST_P(StoreContract, RunsAreRecordedListedAndSummarised) {
  ImportRun run;
  run.job = "students";
  run.type = UpdateType::kFull;
  run.startedAt = "2026-10-15T02:00:00";
  run.file = "/srv/sis/students.csv";
  run.trigger = "cli";
  auto id = store_->openRun(run);
  ASSERT_TRUE(id.ok()) << id.error().describe();
  run.id = *id;
  run.status = RunStatus::kCompleted;
  run.finishedAt = "2026-10-15T02:00:05";
  run.counts.read = 1000;
  run.counts.added = 10;
  run.counts.errors = 1;
  run.lifecycleReason = "skipped rows 120 >= max_skipped 100";
  std::vector<RunMessage> msgs{
      {Severity::kError, 17, "S1003", "UNKNOWN_SITE", "site 'XYZ' is not configured"},
      {Severity::kWarning, 20, "S1004", "DUPLICATE_KEY", "also on line 4"}};
  ASSERT_TRUE(store_->closeRun(run, msgs).ok());

  auto found = store_->findRun(run.id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->status, RunStatus::kCompleted);
  EXPECT_EQ((*found)->counts.read, 1000);
  EXPECT_EQ((*found)->counts.added, 10);
  EXPECT_EQ((*found)->lifecycleReason, "skipped rows 120 >= max_skipped 100");
  EXPECT_EQ((*found)->file, "/srv/sis/students.csv");
  auto all = store_->runMessages(run.id, false);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].line, 17);
  EXPECT_EQ((*all)[0].code, "UNKNOWN_SITE");
  auto errors = store_->runMessages(run.id, true);
  ASSERT_TRUE(errors.ok());
  EXPECT_EQ(errors->size(), 1u);

  ImportRun second = run;
  second.id = 0;
  auto id2 = store_->openRun(second);
  ASSERT_TRUE(id2.ok());
  auto list = store_->listRuns("students", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, *id2);  // newest first
  auto other = store_->listRuns("faculty", 10);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_P(StoreContract, RunLeftOpenIsMarkedInterruptedUnlessItsLeaseIsLive) {
  ImportRun run;
  run.job = "students";
  run.startedAt = "2026-10-15T02:00:00";
  auto id = store_->openRun(run);
  ASSERT_TRUE(id.ok());
  // A live lease (another instance is running it) keeps the run open.
  auto lease = store_->acquireLease("import:students", "host-a", "2026-10-15T07:00:00Z",
                                    "2026-10-15T07:05:00Z");
  ASSERT_TRUE(lease.ok() && *lease);
  // On another host: trusted until the lease expires.
  auto alive = [](const std::string&) { return HolderState::kElsewhere; };
  auto n = store_->markInterruptedRuns("2026-10-15T02:01:00", "2026-10-15T07:01:00Z", alive);
  ASSERT_TRUE(n.ok()) << n.error().describe();
  EXPECT_EQ(*n, 0);
  n = store_->markInterruptedRuns("2026-10-15T02:10:00", "2026-10-15T07:10:00Z", alive);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  auto found = store_->findRun(*id);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->status, RunStatus::kInterrupted);
}

TEST_P(StoreContract, RunOfADeadHolderIsInterruptedAtOnce) {
  ImportRun run;
  run.job = "students";
  run.startedAt = "2026-10-15T02:00:00";
  auto id = store_->openRun(run);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(*store_->acquireLease("import:students", "host:123", "2026-10-15T07:00:00Z",
                                    "2026-10-15T13:00:00Z"));
  auto n = store_->markInterruptedRuns(
      "2026-10-15T02:01:00", "2026-10-15T07:01:00Z", [](const std::string& holder) {
        return holder == "host:123" ? HolderState::kDead : HolderState::kAlive;
      });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ((*store_->findRun(*id))->status, RunStatus::kInterrupted);
  // Its lease is freed with it: the next run takes it at once, with no check at all.
  auto next = store_->acquireLease("import:students", "host:456", "2026-10-15T07:01:00Z",
                                   "2026-10-15T07:03:00Z");
  ASSERT_TRUE(next.ok()) << next.error().describe();
  EXPECT_TRUE(*next);
}

// SPEC section 10: a crash never locks a job out.
TEST_P(StoreContract, LeaseOfADeadHolderIsTakenOverAtOnce) {
  ASSERT_TRUE(*store_->acquireLease("import:students", "h:1:x", "2026-10-15T07:00:00Z",
                                    "2026-10-15T07:02:00Z"));
  auto check = [](const std::string& holder) {
    return holder == "h:1:x" ? HolderState::kDead : HolderState::kAlive;
  };
  auto b = store_->acquireLease("import:students", "h:2:y", "2026-10-15T07:00:10Z",
                                "2026-10-15T07:02:10Z", check);
  ASSERT_TRUE(b.ok()) << b.error().describe();
  EXPECT_TRUE(*b);
  // The dead holder's renewal (were it to come) finds the lease gone.
  auto late = store_->renewLease("import:students", "h:1:x", "2026-10-15T07:03:00Z");
  ASSERT_TRUE(late.ok()) << late.error().describe();
  EXPECT_FALSE(*late);
  // A live holder keeps it.
  auto c = store_->acquireLease("import:students", "h:3:z", "2026-10-15T07:00:20Z",
                                "2026-10-15T07:02:20Z", check);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(*c);
}

// A long SQLite run cannot renew (it holds the write lock): its live holder on this host
// keeps the lease past its expiry; a holder elsewhere loses it then.
TEST_P(StoreContract, LeaseOfALiveHolderOnThisHostOutlastsItsExpiry) {
  ASSERT_TRUE(*store_->acquireLease("import:students", "h:1:x", "2026-10-15T07:00:00Z",
                                    "2026-10-15T07:02:00Z"));
  auto alive = [](const std::string&) { return HolderState::kAlive; };
  auto elsewhere = [](const std::string&) { return HolderState::kElsewhere; };
  auto b = store_->acquireLease("import:students", "h:2:y", "2026-10-15T09:00:00Z",
                                "2026-10-15T09:02:00Z", alive);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(*b);
  b = store_->acquireLease("import:students", "h:2:y", "2026-10-15T07:01:59Z",
                           "2026-10-15T07:03:59Z", elsewhere);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(*b);  // not expired yet
  b = store_->acquireLease("import:students", "h:2:y", "2026-10-15T07:02:00Z",
                           "2026-10-15T07:04:00Z", elsewhere);
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(*b);
}

// Renewal moves the expiry (so a holder elsewhere keeps its lease while it runs) and can
// turn the lease into a mark no process holds (a scheduled slot that ran).
TEST_P(StoreContract, RenewedLeaseStaysAndCanBecomeAMark) {
  auto elsewhere = [](const std::string&) { return HolderState::kElsewhere; };
  ASSERT_TRUE(*store_->acquireLease("schedule:students@2026-10-15T02:00:00", "h:1:x",
                                    "2026-10-15T07:00:00Z", "2026-10-15T07:02:00Z"));
  for (const char* until :
       {"2026-10-15T07:02:30Z", "2026-10-15T07:02:30Z", "2026-10-15T07:03:00Z"}) {
    auto r = store_->renewLease("schedule:students@2026-10-15T02:00:00", "h:1:x", until);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_TRUE(*r) << until;  // the same values twice too (MySQL counts no changed row)
  }
  auto b = store_->acquireLease("schedule:students@2026-10-15T02:00:00", "h:2:y",
                                "2026-10-15T07:02:30Z", "2026-10-15T07:04:30Z", elsewhere);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(*b);
  auto mark = store_->renewLease("schedule:students@2026-10-15T02:00:00", "h:1:x",
                                 "2026-10-17T07:00:00Z", "ran by h:1:x");
  ASSERT_TRUE(mark.ok());
  EXPECT_TRUE(*mark);
  // Its holder dying later frees nothing: the mark is no process.
  auto dead = [](const std::string& holder) {
    return holder == "h:1:x" ? HolderState::kDead : HolderState::kElsewhere;
  };
  b = store_->acquireLease("schedule:students@2026-10-15T02:00:00", "h:2:y", "2026-10-15T08:00:00Z",
                           "2026-10-15T08:02:00Z", dead);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(*b);
  auto gone =
      store_->renewLease("schedule:students@2026-10-15T02:00:00", "h:1:x", "2026-10-15T08:00:00Z");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(*gone);
}

TEST_P(StoreContract, TrimRunsKeepsTheNewest) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ImportRun run;
    run.job = "students";
    run.startedAt = "2026-10-1" + std::to_string(i) + "T02:00:00";
    auto id = store_->openRun(run);
    ASSERT_TRUE(id.ok());
    run.id = *id;
    run.status = RunStatus::kCompleted;
    ASSERT_TRUE(store_->closeRun(run, {{Severity::kInfo, 1, "", "X", "x"}}).ok());
    ids.push_back(*id);
  }
  auto trimmed = store_->trimRuns("students", 2);
  ASSERT_TRUE(trimmed.ok()) << trimmed.error().describe();
  EXPECT_EQ(*trimmed, 3);
  auto list = store_->listRuns("students", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, ids[4]);
  auto gone = store_->runMessages(ids[0], false);
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());
}

TEST_P(StoreContract, LeaseIsExclusiveUntilItExpires) {
  auto a =
      store_->acquireLease("import:students", "a", "2026-10-15T07:00:00Z", "2026-10-15T07:01:00Z");
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_TRUE(*a);
  auto b =
      store_->acquireLease("import:students", "b", "2026-10-15T07:00:30Z", "2026-10-15T07:01:30Z");
  ASSERT_TRUE(b.ok()) << b.error().describe();
  EXPECT_FALSE(*b);
  auto renew =
      store_->acquireLease("import:students", "a", "2026-10-15T07:00:40Z", "2026-10-15T07:02:00Z");
  ASSERT_TRUE(renew.ok());
  EXPECT_TRUE(*renew);
  auto takeover =
      store_->acquireLease("import:students", "b", "2026-10-15T07:02:01Z", "2026-10-15T07:03:00Z");
  ASSERT_TRUE(takeover.ok());
  EXPECT_TRUE(*takeover);
  ASSERT_TRUE(store_->releaseLease("import:students", "b").ok());
  auto c =
      store_->acquireLease("import:students", "c", "2026-10-15T07:02:02Z", "2026-10-15T07:03:00Z");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(*c);
}

TEST_P(StoreContract, SitesAreSynchronised) {
  ASSERT_TRUE(
      store_->syncSites({{"LHS", "Lincoln", "high"}, {"WES", "Washington", "elementary"}}).ok());
  ASSERT_TRUE(store_->syncSites({{"LHS", "Lincoln High", "high"}}).ok());
}

TEST_P(StoreContract, InstancesStartingTogetherAllSaveTheSites) {
  // Each service start writes the configured sites; instances started together (or a CLI
  // command beside the service) race to rewrite the table and must all succeed.
  const std::vector<std::vector<Site>> lists{
      {{"LHS", "Lincoln", "high"}, {"WES", "Washington", "elementary"}},
      {{"LHS", "Lincoln High", "high"}}};
  std::vector<std::string> failures(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      auto s = test::openAnotherStore(config_);
      if (!s.ok()) {
        failures[t] = s.error().describe();
        return;
      }
      for (int i = 0; i < 8 && failures[t].empty(); ++i) {
        auto r = (*s)->syncSites(lists[static_cast<std::size_t>(i) % 2]);
        if (!r.ok()) {
          failures[t] = r.error().describe();
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  for (const auto& f : failures) {
    EXPECT_EQ(f, "");
  }
}

TEST_P(StoreContract, HomeroomsFromImportsAndSettingsMergedKeyByKey) {
  std::vector<Patron> ps{patron("S1", "B1", "Núñez"), patron("S2", "B2", "Okafor"),
                         patron("T1", "B3", "Jones")};
  ps[0].get(PatronField::kHomeroomTeacherEmail) = "jsmith@example.org";
  ps[2].get(PatronField::kPersona) = "teacher";
  ps[2].get(PatronField::kHomeroom) = "Jones 210";
  ps[2].get(PatronField::kEmail) = "ajones@example.org";
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->insertPatrons(ps));
  ASSERT_TRUE(store_->commit());
  auto groups = store_->homeroomGroups();
  ASSERT_TRUE(groups) << groups.error().describe();
  ASSERT_EQ(groups->size(), 2u);  // Smith 104 with and without a teacher e-mail; no teacher
  std::int64_t students = 0;
  for (const auto& g : *groups) {
    EXPECT_EQ(g.homeroom, "Smith 104");
    students += g.students;
  }
  EXPECT_EQ(students, 2);
  auto teachers = store_->teacherPatrons();
  ASSERT_TRUE(teachers);
  ASSERT_EQ(teachers->size(), 1u);
  EXPECT_EQ((*teachers)[0].email, "ajones@example.org");

  ASSERT_TRUE(store_->saveHomeroomOverride(
      {"LHS", "Smith 104", std::nullopt, std::nullopt, 2, std::nullopt}, "2026-10-01T00:00:00"));
  ASSERT_TRUE(store_->saveHomeroomOverride(
      {"LHS", "Smith 104", "sub@example.org", "Sub", std::nullopt, false}, "2026-10-02T00:00:00"));
  auto o = store_->homeroomOverrides();
  ASSERT_TRUE(o);
  ASSERT_EQ(o->size(), 1u);
  EXPECT_EQ((*o)[0].libraryDay, 2);  // kept from the first call
  EXPECT_EQ((*o)[0].teacherEmail, "sub@example.org");
  EXPECT_EQ((*o)[0].notices, false);
}

// The "Inactive-" prefix is exact case on every backend (engine/patron_archive.h): SQLite's
// LIKE once took "inactive-carl" for prefixed, PostgreSQL and MariaDB did not.
TEST_P(StoreContract, InactivePrefixIsAddedAndTakenOffInExactCase) {
  std::vector<Patron> ps{patron("S1", "B1", "One"), patron("S2", "B2", "Two"),
                         patron("S3", "B3", "Three"), patron("S4", "B4", "Four")};
  ps[0].get(PatronField::kUsername) = "bob";
  ps[1].get(PatronField::kUsername) = "inactive-carl";
  ps[2].get(PatronField::kUsername) = "Inactive-dan";
  ASSERT_TRUE(store_->insertPatrons(ps).ok());
  std::vector<Inactivation> all;
  for (const char* key : {"S1", "S2", "S3", "S4"}) {  // ids are set by SQLite's insert only
    all.push_back({(*store_->findPatron(key))->id, "2026-11-01T03:00:00", false, true});
  }
  ASSERT_TRUE(store_->inactivatePatrons(all).ok());
  auto username = [&](const char* key) {
    return (*store_->findPatron(key))->get(PatronField::kUsername);
  };
  EXPECT_EQ(username("S1"), "Inactive-bob");
  EXPECT_EQ(username("S2"), "Inactive-inactive-carl");
  EXPECT_EQ(username("S3"), "Inactive-dan");
  EXPECT_EQ(username("S4"), "");
  std::vector<Patron> back;
  for (const char* key : {"S1", "S2", "S3", "S4"}) {
    back.push_back(**store_->findPatron(key));
    back.back().status = PatronStatus::kActive;
    back.back().inactiveSince.clear();
  }
  ASSERT_TRUE(store_->updatePatrons(back, {PatronField::kLastName}, true).ok());
  EXPECT_EQ(username("S1"), "bob");
  EXPECT_EQ(username("S2"), "inactive-carl");
  EXPECT_EQ(username("S3"), "dan");  // prefixed by hand before: inactivation left it as it was
  EXPECT_EQ(username("S4"), "");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, StoreContract, ::testing::ValuesIn(test::contractBackends()),
                         [](const auto& p) { return p.param; });

TEST(StoreOpen, MissingSqliteFolderIsAClearError) {
  DatabaseConfig c;
  c.connection = "db=/nonexistent/folder/patrond.db";
  auto s = sql::openStore(c, secrets::FileSecrets{});
  ASSERT_FALSE(s.ok());
#ifdef _WIN32
  EXPECT_NE(s.error().message.find("nonexistent"), std::string::npos) << s.error().message;
#else
  EXPECT_NE(s.error().message.find("/nonexistent/folder"), std::string::npos);
#endif
}

TEST(StoreOpen, UnreachableServerErrorCarriesNoPassword) {
  TempDir dir;
  test::writeFile(dir / "pw", "hunter2\n");
  ::chmod((dir / "pw").c_str(), 0600);
  DatabaseConfig c;
  c.backend = DbBackend::kPostgresql;
  c.connection = "host=127.0.0.1 port=" + std::to_string(test::freePort()) +
                 " dbname=x user=y connect_timeout=2";
  c.password.file = dir / "pw";
  auto s = sql::openStore(c, secrets::FileSecrets{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find("hunter2"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("cannot connect"), std::string::npos);
}

// The archive record of a deleted patron, byte for byte (the same JSON on every backend: only
// the SELECTs differ). Keys are sorted; the password hash is never kept.
TEST(StoreArchive, DeletedPatronRecordKeepsItsShape) {
  TempDir dir;
  DatabaseConfig config;
  auto store = test::openTestStore("sqlite3", dir, &config);
  ASSERT_TRUE(store);
  std::vector<Patron> ps{test::samplePatron("S9", "B9", "Nine")};
  ps[0].get(PatronField::kUsername) = "nine";
  ps[0].get(PatronField::kPassword) = "pbkdf2-sha256$1$00$00";
  ASSERT_TRUE(store->insertPatrons(ps).ok());
  std::int64_t id = (*store->findPatron("S9"))->id;
  ASSERT_TRUE(store->deletePatrons({{id, 7, "delete_inactive", "2026-11-02T03:00:00"}}).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "patrond.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT record, rule_name FROM deleted_patrons", -1, &st, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  std::string record = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  std::string rule = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_EQ(rule, "delete_inactive");
  EXPECT_EQ(record,
            "{\"access_level\":\"\",\"barcode\":\"B9\",\"birthdate\":\"\",\"card_expires\":\"\","
            "\"district_id\":\"S9\",\"email\":\"\",\"email2\":\"\",\"fines\":[],"
            "\"first_name\":\"Zoë\",\"gender\":\"\",\"grad_year\":\"\",\"grade\":\"\","
            "\"homeroom\":\"Smith 104\",\"homeroom_teacher_email\":\"\","
            "\"homeroom_teacher_name\":\"\",\"inactive_since\":\"\",\"last_name\":\"Nine\","
            "\"last_seen_at\":\"2026-10-15T02:00:00\",\"loans\":[],\"middle_name\":\"\","
            "\"nickname\":\"\",\"owner_job\":\"students\",\"patron_type\":\"\",\"persona\":\"\","
            "\"phone\":\"\",\"site\":\"LHS\",\"status\":\"active\",\"user_1\":\"\","
            "\"user_2\":\"\",\"user_3\":\"\",\"user_4\":\"\",\"user_5\":\"\","
            "\"username\":\"nine\"}");
}

}  // namespace
}  // namespace patrond
