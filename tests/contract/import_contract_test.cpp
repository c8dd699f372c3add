// Full and incremental imports and the lifecycle (SPEC section 5), through the real store on
// SQLite, PostgreSQL 15 and MariaDB: the same behaviour on every backend.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>

#include "adapters/secrets/file_secrets.h"
#include "adapters/sql/soci_store.h"
#include "engine/patron_import.h"
#include "tests/support/backends.h"
#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

const std::string kHeader = "ID,Barcode,Last,First,School,Grade,GradYear,Homeroom,Email,User\n";

std::string row(const std::string& id, const std::string& last,
                const std::string& homeroom = "Smith 104", const std::string& grade = "10",
                const std::string& gradYear = "2029", const std::string& email = "") {
  return id + ",B" + id + "," + last + ",Zoë,LHS," + grade + "," + gradYear + "," + homeroom + "," +
         email + ",u" + id + "\n";
}

std::string rows(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) {
    s += row("S" + std::to_string(i), "Núñez" + std::to_string(i));
  }
  return s;
}

class ImportContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = test::openTestStore(GetParam(), dir_, &db_);
    ASSERT_TRUE(store_);

    config_.sites = {{"LHS", "Lincoln", "high"}};
    ImportJob& j = job();
    j.name = "students";
    j.mapping.path = "students.mapping.yaml";
    j.mapping.fields = {{PatronField::kDistrictId, {"ID", 0, ""}},
                        {PatronField::kBarcode, {"Barcode", 0, ""}},
                        {PatronField::kLastName, {"Last", 0, ""}},
                        {PatronField::kFirstName, {"First", 0, ""}},
                        {PatronField::kSite, {"School", 0, ""}},
                        {PatronField::kGrade, {"Grade", 0, ""}},
                        {PatronField::kGradYear, {"GradYear", 0, ""}},
                        {PatronField::kHomeroom, {"Homeroom", 0, ""}},
                        {PatronField::kEmail, {"Email", 0, ""}},
                        {PatronField::kUsername, {"User", 0, ""}}};
    j.mapping.defaults = {{PatronField::kPatronType, "Student"},
                          {PatronField::kPersona, "student"}};
    j.mapping.preserve = {PatronField::kEmail};
    LifecycleConfig l;
    l.minRecordsRead = 0;
    l.maxPercent = 50;
    l.inactivate = Inactivate{7, true, true};
    l.deleteGraduatedSeniors = true;
    j.lifecycle = l;
  }

  ImportJob& job() {
    if (config_.imports.empty()) {
      config_.imports.emplace_back();
    }
    return config_.imports[0];
  }

  ImportOutcome import(const std::string& csv, const std::string& when,
                       UpdateType type = UpdateType::kFull, bool dryRun = false,
                       std::optional<int> maxPercent = std::nullopt) {
    test::StringSource src(csv, 7);  // small reads: rows straddle buffer edges
    return importFrom(src, when, type, dryRun, maxPercent);
  }

  ImportOutcome importFrom(ByteSource& src, const std::string& when,
                           UpdateType type = UpdateType::kFull, bool dryRun = false,
                           std::optional<int> maxPercent = std::nullopt) {
    ImportRequest req;
    req.config = &config_;
    req.job = &config_.imports[0];
    req.type = type;
    req.dryRun = dryRun;
    req.maxPercent = maxPercent;
    req.file = "students.csv";
    req.now = *parseCivilTime(when);
    req.batchSize = 3;  // several bulk batches even in small tests
    req.maxPatronDetail = maxPatronDetail_;
    return runImport(*store_, src, req, nullptr);
  }

  Patron get(const std::string& key) {
    auto p = store_->findPatron(key);
    EXPECT_TRUE(p.ok() && p->has_value()) << key;
    return p.ok() && p->has_value() ? **p : Patron{};
  }

  std::int64_t count(std::optional<PatronStatus> status = std::nullopt) {
    PatronFilter f;
    f.status = status;
    return *store_->countPatrons(f);
  }

  test::TempDir dir_;
  DatabaseConfig db_;
  Config config_;
  std::unique_ptr<PatronStore> store_;
  std::size_t maxPatronDetail_ = kRunPatronCap;
};

TEST_P(ImportContract, FullImportIntoEmptyDatabase) {
  auto o = import(kHeader + rows(1, 10), "2026-10-15 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages[0].text;
  EXPECT_GT(o.run.id, 0);
  EXPECT_EQ(o.run.counts.read, 10);
  EXPECT_EQ(o.run.counts.added, 10);
  EXPECT_TRUE(o.run.lifecycleRan);
  EXPECT_EQ(count(), 10);
  Patron p = get("S3");
  EXPECT_EQ(p.get(PatronField::kLastName), "Núñez3");
  EXPECT_EQ(p.get(PatronField::kFirstName), "Zoë");
  EXPECT_EQ(p.get(PatronField::kPatronType), "Student");
  EXPECT_EQ(p.ownerJob, "students");
  EXPECT_EQ(p.lastSeenAt, "2026-10-15T02:00:00");
  EXPECT_EQ(get("BS3").id, p.id);  // by barcode too
  auto stored = store_->findRun(o.run.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->counts.added, 10);
}

// The bytes bulk formats treat as markup (COPY's and LOAD DATA's backslash escapes and \\N,
// tab, newline, carriage return) come back as they were read, through a new patron's insert
// and a changed one's update, long values and short.
TEST_P(ImportContract, EscapeBytesInValuesAreStoredAsRead) {
  const std::string odd[] = {
      "O\\Brien", "\\N",
      "a\tb",     "Line\nbreak",
      "cr\rhere", "long " + std::string(40, 'x') + "\\" + std::string(9, 'y') + "\tq"};
  auto file = [&](const std::string& suffix) {
    std::string csv = kHeader;
    int i = 1;
    for (const std::string& v : odd) {
      csv += row("S" + std::to_string(i++), "\"" + v + suffix + "\"", "\"" + v + "\"");
    }
    return csv;
  };
  auto o = import(file(""), "2026-10-15 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages[0].text;
  ASSERT_EQ(o.run.counts.added, 6) << (o.messages.empty() ? "" : o.messages[0].text);
  o = import(file("\\z\tq"), "2026-10-16 02:00");
  ASSERT_EQ(o.run.counts.updated, 6);
  int i = 1;
  for (const std::string& v : odd) {
    Patron p = get("S" + std::to_string(i++));
    EXPECT_EQ(p.get(PatronField::kLastName), v + "\\z\tq");
    EXPECT_EQ(p.get(PatronField::kHomeroom), v);
  }
}

TEST_P(ImportContract, SecondFullRunLeavesUnchangedRowsAloneButAdvancesLastSeen) {
  ASSERT_EQ(import(kHeader + rows(1, 5), "2026-10-15 02:00").run.counts.added, 5);
  Patron before = get("S1");
  auto o = import(kHeader + rows(1, 5), "2026-10-16 02:00");
  EXPECT_EQ(o.run.counts.unchanged, 5);
  EXPECT_EQ(o.run.counts.updated, 0);
  Patron after = get("S1");
  EXPECT_EQ(after.updatedAt, before.updatedAt);  // not rewritten
  EXPECT_EQ(after.lastSeenAt, "2026-10-16T02:00:00");
}

TEST_P(ImportContract, IncrementalWritesOnlyChangedRows) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  std::string changed = kHeader + rows(1, 2) + row("S3", "Renamed") + rows(4, 5) + row("S6", "New");
  auto o = import(changed, "2026-10-16 02:00", UpdateType::kIncremental);
  EXPECT_EQ(o.run.counts.updated, 1);
  EXPECT_EQ(o.run.counts.added, 1);
  EXPECT_EQ(o.run.counts.unchanged, 4);
  EXPECT_FALSE(o.run.lifecycleRan);
  EXPECT_EQ(get("S3").get(PatronField::kLastName), "Renamed");
  EXPECT_EQ(get("S3").lastSeenAt, "2026-10-16T02:00:00");
  EXPECT_EQ(get("S1").updatedAt, "2026-10-15T02:00:00");  // added then, never changed
  EXPECT_EQ(get("S3").updatedAt, "2026-10-16T02:00:00");
  EXPECT_EQ(get("S3").createdAt, "2026-10-15T02:00:00");
  EXPECT_EQ(get("S6").createdAt, "2026-10-16T02:00:00");
  EXPECT_EQ(get("S6").updatedAt, "2026-10-16T02:00:00");
}

// Rows are matched to stored patrons whatever their order: the file's order is only a guess
// (the stored patron after the last one found is tried first), never trusted.
TEST_P(ImportContract, RowsInAnotherOrderThanStoredMatchTheirOwnPatrons) {
  import(kHeader + rows(1, 6), "2026-10-15 02:00");
  std::string shuffled = kHeader + row("S6", "Núñez6") + row("S1", "Renamed1") + rows(2, 3) +
                         row("S2", "Again") + row("S7", "New") + row("S5", "Renamed5") +
                         row("S4", "Núñez4");
  auto o = import(shuffled, "2026-10-16 02:00", UpdateType::kIncremental);
  ASSERT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(o.run.counts.unchanged, 4);  // S6, S2, S3, S4
  EXPECT_EQ(o.run.counts.updated, 2);    // S1, S5
  EXPECT_EQ(o.run.counts.added, 1);      // S7
  EXPECT_EQ(o.run.counts.skipped, 1);    // the second S2
  EXPECT_EQ(count(), 7);
  EXPECT_EQ(get("S1").get(PatronField::kLastName), "Renamed1");
  EXPECT_EQ(get("S2").get(PatronField::kLastName), "Núñez2");
  EXPECT_EQ(get("S5").get(PatronField::kLastName), "Renamed5");
  EXPECT_EQ(get("S6").updatedAt, "2026-10-15T02:00:00");
  auto dup = std::find_if(o.messages.begin(), o.messages.end(),
                          [](auto& m) { return m.code == "DUPLICATE_KEY"; });
  ASSERT_NE(dup, o.messages.end());
  EXPECT_EQ(dup->line, 6);
}

TEST_P(ImportContract, PreservedFieldKeepsAHandEdit) {
  import(kHeader + row("S1", "A", "Smith 104", "10", "2029", ""), "2026-10-15 02:00");
  EXPECT_EQ(get("S1").get(PatronField::kEmail), "");
  // Filled while empty...
  import(kHeader + row("S1", "A", "Smith 104", "10", "2029", "first@x.org"), "2026-10-16 02:00");
  EXPECT_EQ(get("S1").get(PatronField::kEmail), "first@x.org");
  // ...then kept when the file says otherwise.
  import(kHeader + row("S1", "B", "Smith 104", "10", "2029", "other@x.org"), "2026-10-17 02:00");
  EXPECT_EQ(get("S1").get(PatronField::kEmail), "first@x.org");
  EXPECT_EQ(get("S1").get(PatronField::kLastName), "B");
}

// issue 18: a homeroom pinned by hand stays through SIS changes in full and incremental
// runs, inactivation (clear_homeroom) and a reactivation; the SIS's new homeroom makes the
// row "updated" once (its hash follows the SIS), never night after night, and the summary
// does not claim the homeroom changed. Released, the next import writes the SIS value.
TEST_P(ImportContract, APinnedHomeroomStaysThroughImportsUntilReleased) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  const std::int64_t id = get("S2").id;
  ASSERT_TRUE(store_->setHomeroomPin(id, "Moved", "2026-10-15T09:00:00").ok());
  auto same = import(kHeader + rows(1, 5), "2026-10-16 02:00");
  EXPECT_EQ(same.run.counts.unchanged, 5);
  EXPECT_EQ(get("S2").get(PatronField::kHomeroom), "Moved");

  const std::string moved =
      kHeader + row("S1", "Núñez1") + row("S2", "Núñez2", "Jones 201") + rows(3, 5);
  auto sisChange = import(moved, "2026-10-17 02:00");
  EXPECT_EQ(sisChange.run.counts.updated, 1);
  EXPECT_EQ(get("S2").get(PatronField::kHomeroom), "Moved");
  EXPECT_TRUE(get("S2").homeroomPinned);
  auto detail = store_->runPatrons(sisChange.run.id);
  ASSERT_TRUE(detail.ok());
  ASSERT_EQ(detail->size(), 1u);
  EXPECT_EQ((*detail)[0].key, "S2");
  EXPECT_TRUE((*detail)[0].changes.empty());  // the homeroom was not written
  for (auto type : {UpdateType::kFull, UpdateType::kIncremental}) {
    auto nextNight = import(moved, "2026-10-18 02:00", type);
    EXPECT_EQ(nextNight.run.counts.updated, 0);
    EXPECT_EQ(nextNight.run.counts.unchanged, 5);
  }

  auto renamed =
      import(kHeader + row("S2", "Renamed", "Lee 9"), "2026-10-19 02:00", UpdateType::kIncremental);
  EXPECT_EQ(renamed.run.counts.updated, 1);
  EXPECT_EQ(get("S2").get(PatronField::kLastName), "Renamed");
  EXPECT_EQ(get("S2").get(PatronField::kHomeroom), "Moved");

  // Gone from the SIS for more than 7 days: inactivated, its homeroom kept (clear_homeroom).
  import(kHeader + row("S1", "Núñez1") + rows(3, 5), "2026-10-20 02:00");
  auto gone = import(kHeader + row("S1", "Núñez1") + rows(3, 5), "2026-10-30 02:00");
  ASSERT_EQ(gone.run.counts.inactivated, 1);
  EXPECT_EQ(get("S2").status, PatronStatus::kInactive);
  EXPECT_EQ(get("S2").get(PatronField::kHomeroom), "Moved");
  auto back = import(moved, "2026-10-31 02:00");
  ASSERT_EQ(back.run.counts.reactivated, 1);
  EXPECT_EQ(get("S2").status, PatronStatus::kActive);
  EXPECT_EQ(get("S2").get(PatronField::kHomeroom), "Moved");

  // Released: the next run, incremental too, writes the SIS's homeroom again.
  ASSERT_TRUE(store_->setHomeroomPin(id, std::nullopt, "2026-11-01T09:00:00").ok());
  auto released = import(moved, "2026-11-02 02:00", UpdateType::kIncremental);
  EXPECT_EQ(released.run.counts.updated, 1);
  EXPECT_EQ(get("S2").get(PatronField::kHomeroom), "Jones 201");
  EXPECT_FALSE(get("S2").homeroomPinned);
  EXPECT_EQ(import(moved, "2026-11-03 02:00").run.counts.unchanged, 5);
}

TEST_P(ImportContract, LifecycleInactivatesMissingPatronsAfterNotUpdatedDays) {
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  // S10 leaves; within 7 days nothing happens.
  auto early = import(kHeader + rows(1, 9), "2026-10-05 02:00");
  EXPECT_TRUE(early.run.lifecycleRan);
  EXPECT_EQ(early.run.counts.inactivated, 0);
  EXPECT_EQ(get("S10").lastSeenAt, "2026-10-01T02:00:00");
  auto later = import(kHeader + rows(1, 9), "2026-10-09 02:00");
  EXPECT_EQ(later.run.counts.inactivated, 1);
  Patron gone = get("S10");
  EXPECT_EQ(gone.status, PatronStatus::kInactive);
  EXPECT_EQ(gone.inactiveSince, "2026-10-09T02:00:00");
  EXPECT_EQ(gone.get(PatronField::kHomeroom), "");
  EXPECT_EQ(gone.get(PatronField::kUsername), "Inactive-uS10");
  EXPECT_EQ(get("S9").status, PatronStatus::kActive);
}

// Without a rule that needs every patron (seniors), the lifecycle reads its candidates only
// when the run saw someone missing or the job has inactive patrons; it must still find them.
TEST_P(ImportContract, LifecycleWithoutSeniorRulesStillFindsEveryCandidate) {
  job().lifecycle->deleteGraduatedSeniors = false;
  job().lifecycle->deleteInactive = DeleteInactive{30, DeleteInactiveWhen::kNoCheckoutsNoFines, 0};
  auto first = import(kHeader + rows(1, 10), "2026-10-01 02:00");
  EXPECT_TRUE(first.run.lifecycleRan);  // nothing to do, but it ran
  EXPECT_EQ(first.run.lifecycleReason, "");
  auto all = import(kHeader + rows(1, 10), "2026-10-02 02:00");
  EXPECT_TRUE(all.run.lifecycleRan);
  EXPECT_EQ(all.run.counts.inactivated + all.run.counts.deleted, 0);
  // S10 leaves and is inactivated after 7 days...
  EXPECT_EQ(import(kHeader + rows(1, 9), "2026-10-10 02:00").run.counts.inactivated, 1);
  EXPECT_EQ(get("S10").status, PatronStatus::kInactive);
  // ...and deleted 30 days after that, on a night when everyone else is in the file.
  auto quiet = import(kHeader + rows(1, 9), "2026-10-20 02:00");
  EXPECT_EQ(quiet.run.counts.deleted, 0);
  auto later = import(kHeader + rows(1, 9), "2026-11-12 02:00");
  EXPECT_TRUE(later.run.lifecycleRan);
  EXPECT_EQ(later.run.counts.deleted, 1);
  EXPECT_FALSE(store_->findPatron("S10")->has_value());
  EXPECT_EQ(count(), 9);
}

TEST_P(ImportContract, ReturningPatronIsReactivatedWithItsWholeRow) {
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  import(kHeader + rows(1, 9), "2026-10-20 02:00");
  ASSERT_EQ(get("S10").status, PatronStatus::kInactive);
  auto back = import(kHeader + rows(1, 10), "2026-10-21 02:00");
  EXPECT_EQ(back.run.counts.reactivated, 1);
  Patron p = get("S10");
  EXPECT_EQ(p.status, PatronStatus::kActive);
  EXPECT_EQ(p.inactiveSince, "");
  EXPECT_EQ(p.get(PatronField::kHomeroom), "Smith 104");
  EXPECT_EQ(p.get(PatronField::kUsername), "uS10");
  // An incremental run reactivates too, whatever the stored hash says.
  import(kHeader + rows(1, 9), "2026-11-20 02:00");
  ASSERT_EQ(get("S10").status, PatronStatus::kInactive);
  auto inc = import(kHeader + rows(10, 10), "2026-11-21 02:00", UpdateType::kIncremental);
  EXPECT_EQ(inc.run.counts.reactivated, 1);
  EXPECT_EQ(get("S10").status, PatronStatus::kActive);
}

TEST_P(ImportContract, APatronWhoseRowFailsIsStillSeenAndNotInactivated) {
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  // S10's row now names an unknown site: the row is skipped, but S10 is in the file.
  std::string bad = kHeader + rows(1, 9) + "S10,BS10,Núñez10,Zoë,NOPE,10,2029,Smith 104,,uS10\n";
  auto o = import(bad, "2026-10-20 02:00");
  EXPECT_EQ(o.run.counts.skipped, 1);
  EXPECT_EQ(o.run.counts.inactivated, 0);
  EXPECT_EQ(get("S10").status, PatronStatus::kActive);
  EXPECT_EQ(get("S10").lastSeenAt, "2026-10-20T02:00:00");
  EXPECT_EQ(get("S10").get(PatronField::kSite), "LHS");  // the stored row is untouched
}

TEST_P(ImportContract, MaxPercentGuardStopsATruncatedFile) {
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  auto o = import(kHeader + rows(1, 3), "2026-10-20 02:00");  // 7 of 10 would go
  EXPECT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_FALSE(o.run.lifecycleRan);
  EXPECT_NE(o.run.lifecycleReason.find("would inactivate 7 and delete 0 of 10"), std::string::npos)
      << o.run.lifecycleReason;
  EXPECT_EQ(count(PatronStatus::kInactive), 0);
  // --max-percent lifts it for one run.
  auto lifted = import(kHeader + rows(1, 3), "2026-10-21 02:00", UpdateType::kFull, false, 100);
  EXPECT_TRUE(lifted.run.lifecycleRan);
  EXPECT_EQ(lifted.run.counts.inactivated, 7);
}

TEST_P(ImportContract, MinRecordsAndMaxSkippedGuards) {
  job().lifecycle->minRecordsRead = 5;
  auto few = import(kHeader + rows(1, 5), "2026-10-01 02:00");
  EXPECT_FALSE(few.run.lifecycleRan);
  EXPECT_EQ(few.run.lifecycleReason, "rows read 5 <= min_records_read 5");
  job().lifecycle->minRecordsRead = 0;
  job().lifecycle->maxSkipped = 2;
  auto skipped = import(kHeader + rows(1, 5) + "X1,,,,LHS\nX2,,,,LHS\n", "2026-10-02 02:00");
  EXPECT_EQ(skipped.run.counts.skipped, 2);
  EXPECT_FALSE(skipped.run.lifecycleRan);
  EXPECT_EQ(skipped.run.lifecycleReason, "skipped rows 2 >= max_skipped 2");
}

TEST_P(ImportContract, GraduatedSeniorsAreDeletedAndArchived) {
  import(kHeader + rows(1, 9) + row("S99", "Senior", "Smith 104", "12", "2026"),
         "2026-06-01 02:00");
  EXPECT_EQ(get("S99").status, PatronStatus::kActive);  // statistical year 2025: not yet
  // A senior the SIS still lists is kept all year (SPEC 5: rules 2 and 4 never delete a
  // patron in the file just read), not deleted and re-added each week.
  auto kept = import(kHeader + rows(1, 9) + row("S99", "Senior", "Smith 104", "12", "2026"),
                     "2026-10-15 02:00");
  EXPECT_TRUE(kept.run.lifecycleRan);
  EXPECT_EQ(kept.run.counts.deleted, 0);
  EXPECT_EQ(kept.run.counts.added, 0);
  EXPECT_EQ(get("S99").status, PatronStatus::kActive);
  // Once the SIS drops the senior, the next full run deletes them.
  auto o = import(kHeader + rows(1, 9), "2026-10-22 02:00");
  EXPECT_TRUE(o.run.lifecycleRan);
  EXPECT_EQ(o.run.counts.deleted, 1);
  auto p = store_->findPatron("S99");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_value());
  bool noted = std::any_of(o.messages.begin(), o.messages.end(), [](const RunMessage& m) {
    return m.code == "DELETED" && m.key == "S99" && m.text == "deleted by delete_graduated_seniors";
  });
  EXPECT_TRUE(noted);
}

TEST_P(ImportContract, MissingHeaderColumnFailsAndAppliesNothing) {
  import(kHeader + rows(1, 3), "2026-10-01 02:00");
  auto o =
      import("ID,Barcode,Last,First,Grade,GradYear,Homeroom,Email,User\nS9,B9,X,Y,10,2029,H,,u\n",
             "2026-10-02 02:00");
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  ASSERT_FALSE(o.messages.empty());
  EXPECT_EQ(o.messages.back().code, "MISSING_COLUMN");
  EXPECT_NE(o.messages.back().text.find("'School'"), std::string::npos);
  EXPECT_EQ(count(), 3);
  auto stored = store_->findRun(o.run.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->status, RunStatus::kFailed);
}

// The file is read ahead and written in batches on other threads: a fault after many batches
// went to the database still leaves nothing of the run behind.
TEST_P(ImportContract, AReadFaultMidFileAppliesNothing) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  Patron before = get("S3");
  std::string changed = kHeader + rows(1, 2) + row("S3", "Renamed") + rows(4, 60);
  for (ErrorCode code : {ErrorCode::kIo, ErrorCode::kStopped}) {
    test::StringSource src(changed, 64);
    src.failAfter(changed.size() * 3 / 4, code);
    auto o = importFrom(src, "2026-10-16 02:00");
    EXPECT_EQ(o.run.status, code == ErrorCode::kIo ? RunStatus::kFailed : RunStatus::kInterrupted);
    EXPECT_GT(o.run.counts.read, 20);  // well past several batches of 3
    EXPECT_EQ(o.run.counts.added + o.run.counts.updated, 0);
    ASSERT_FALSE(o.messages.empty());
    EXPECT_EQ(o.messages.back().code, code.str());
    EXPECT_EQ(count(), 5);
    EXPECT_EQ(get("S3").get(PatronField::kLastName), before.get(PatronField::kLastName));
    EXPECT_EQ(get("S1").lastSeenAt, "2026-10-15T02:00:00");
  }
}

TEST_P(ImportContract, EmptyFileFails) {
  auto o = import("", "2026-10-01 02:00");
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  EXPECT_EQ(o.messages.back().code, "EMPTY_FILE");
}

TEST_P(ImportContract, DuplicateKeysFirstWins) {
  auto o = import(kHeader + row("S1", "First") + row("S2", "Other") + row("S1", "Second"),
                  "2026-10-01 02:00");
  EXPECT_EQ(o.run.counts.added, 2);
  EXPECT_EQ(o.run.counts.skipped, 1);
  EXPECT_EQ(get("S1").get(PatronField::kLastName), "First");
  auto dup = std::find_if(o.messages.begin(), o.messages.end(),
                          [](auto& m) { return m.code == "DUPLICATE_KEY"; });
  ASSERT_NE(dup, o.messages.end());
  EXPECT_EQ(dup->line, 4);
  EXPECT_NE(dup->text.find("line 2"), std::string::npos);
}

TEST_P(ImportContract, BarcodeConflictsSkipOrTakeFromInactive) {
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  // S11 arrives with S1's barcode: skipped, naming the holder.
  std::string clash = kHeader + rows(1, 10) + "S11,BS1,Clash,A,LHS,9,2030,H,,u11\n";
  auto o = import(clash, "2026-10-02 02:00");
  EXPECT_EQ(o.run.counts.skipped, 1);
  auto c = std::find_if(o.messages.begin(), o.messages.end(),
                        [](auto& m) { return m.code == "BARCODE_CONFLICT"; });
  ASSERT_NE(c, o.messages.end());
  EXPECT_NE(c->text.find("patron S1"), std::string::npos);
  EXPECT_FALSE(store_->findPatron("S11")->has_value());
  // With take_from_inactive, an inactive holder gives the barcode up.
  import(kHeader + rows(2, 10), "2026-10-20 02:00");
  ASSERT_EQ(get("S1").status, PatronStatus::kInactive);
  job().mapping.onBarcodeConflict = BarcodeConflict::kTakeFromInactive;
  auto taken =
      import(kHeader + rows(2, 10) + "S11,BS1,Clash,A,LHS,9,2030,H,,u11\n", "2026-10-21 02:00");
  EXPECT_EQ(taken.run.counts.added, 1);
  EXPECT_EQ(get("S11").get(PatronField::kBarcode), "BS1");
  EXPECT_EQ(get("S1").get(PatronField::kBarcode), "");
}

// Issue 13: the holder was looked up through a search that tries district ids first, so a
// patron whose district id is the contested barcode was named instead of the real holder.
TEST_P(ImportContract, BadInputBarcodeConflictNamesTheRealHolder) {
  // BS2 is S2's barcode and also the district id of another patron.
  import(kHeader + rows(1, 3) + row("BS2", "Decoy"), "2026-10-01 02:00");
  ASSERT_EQ(get("S2").get(PatronField::kBarcode), "BS2");
  ASSERT_EQ(get("BS2").get(PatronField::kLastName), "Decoy");
  auto o =
      import(kHeader + rows(1, 3) + row("BS2", "Decoy") + "S11,BS2,Clash,A,LHS,9,2030,H,,u11\n",
             "2026-10-02 02:00");
  EXPECT_EQ(o.run.counts.skipped, 1);
  auto c = std::find_if(o.messages.begin(), o.messages.end(),
                        [](auto& m) { return m.code == "BARCODE_CONFLICT"; });
  ASSERT_NE(c, o.messages.end());
  EXPECT_EQ(c->text, "barcode 'BS2' belongs to patron S2; row skipped");
  EXPECT_FALSE(store_->findPatron("S11")->has_value());
  EXPECT_EQ(get("S2").get(PatronField::kBarcode), "BS2");
}

TEST_P(ImportContract, DryRunComputesEverythingAndChangesNothing) {
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  auto runsBefore = store_->listRuns("students", 100)->size();
  auto o =
      import(kHeader + rows(1, 8) + row("S20", "New"), "2026-10-20 02:00", UpdateType::kFull, true);
  EXPECT_EQ(o.run.id, 0);
  EXPECT_EQ(o.run.counts.added, 1);
  EXPECT_EQ(o.run.counts.inactivated, 2);
  EXPECT_TRUE(o.run.lifecycleRan);
  EXPECT_EQ(count(), 10);
  EXPECT_EQ(count(PatronStatus::kInactive), 0);
  EXPECT_EQ(store_->listRuns("students", 100)->size(), runsBefore);
}

TEST_P(ImportContract, LifecycleLeavesOtherJobsAndHandAddedPatronsAlone) {
  std::vector<Patron> hand(1);
  hand[0].get(PatronField::kDistrictId) = "H1";
  hand[0].get(PatronField::kLastName) = "ByHand";
  hand[0].get(PatronField::kSite) = "LHS";
  ASSERT_TRUE(store_->insertPatrons(hand).ok());
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  auto o = import(kHeader + rows(1, 9), "2026-10-20 02:00");
  EXPECT_EQ(o.run.counts.inactivated, 1);
  EXPECT_EQ(get("H1").status, PatronStatus::kActive);
}

TEST_P(ImportContract, SummaryKeepsOnlyErrorsAndWarningsWhenAsked) {
  job().options.summary = SummaryMode::kErrorsAndWarnings;
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  auto o = import(kHeader + rows(1, 9) + "X1,,,,LHS,9,2030,H,,x\n", "2026-10-20 02:00");
  auto stored = store_->runMessages(o.run.id, false);
  ASSERT_TRUE(stored.ok());
  for (const auto& m : *stored) {
    EXPECT_NE(m.severity, Severity::kInfo) << m.code;
  }
  EXPECT_FALSE(stored->empty());
}

// `summary RUN_ID --patrons`: each patron a run touched, with the changed fields' old and
// new values, for every action; nothing for a job that keeps only errors and warnings.
TEST_P(ImportContract, RunPatronsRecordEveryActionWithTheChangedFields) {
  auto detail = [&](const ImportOutcome& o) {
    auto d = store_->runPatrons(o.run.id);
    EXPECT_TRUE(d.ok());
    return d.ok() ? *d : std::vector<RunPatron>{};
  };
  auto first = import(kHeader + rows(1, 9) + row("S99", "Senior", "Smith 104", "12", "2026"),
                      "2026-06-01 02:00");
  auto added = detail(first);
  ASSERT_EQ(added.size(), 10u);
  EXPECT_EQ(added[0].action, PatronAction::kAdded);
  EXPECT_EQ(added[0].key, "S1");
  EXPECT_EQ(added[0].line, 2);
  EXPECT_TRUE(added[0].changes.empty());

  // S2 moves homeroom, S3 is renamed; S99 graduated and left the file: deleted.
  auto second = import(kHeader + row("S1", "Núñez1") + row("S2", "Núñez2", "Jones 201") +
                           row("S3", "Renamed") + rows(4, 9),
                       "2026-10-15 02:00");
  ASSERT_EQ(second.run.counts.updated, 2);
  ASSERT_EQ(second.run.counts.deleted, 1);
  auto changed = detail(second);
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].action, PatronAction::kUpdated);
  EXPECT_EQ(changed[0].key, "S2");
  EXPECT_EQ(changed[0].line, 3);
  ASSERT_EQ(changed[0].changes.size(), 1u);
  EXPECT_EQ(changed[0].changes[0].field, "homeroom");
  EXPECT_EQ(changed[0].changes[0].before, "Smith 104");
  EXPECT_EQ(changed[0].changes[0].after, "Jones 201");
  EXPECT_EQ(changed[1].key, "S3");
  ASSERT_EQ(changed[1].changes.size(), 1u);
  EXPECT_EQ(changed[1].changes[0].field, "last_name");
  EXPECT_EQ(changed[1].changes[0].before, "Núñez3");
  EXPECT_EQ(changed[1].changes[0].after, "Renamed");
  EXPECT_EQ(changed[2].action, PatronAction::kDeleted);
  EXPECT_EQ(changed[2].key, "S99");
  EXPECT_EQ(changed[2].detail, "delete_graduated_seniors");

  // S9 is gone for more than 7 days: inactivated, its username prefixed.
  auto third = import(kHeader + row("S1", "Núñez1") + row("S2", "Núñez2", "Jones 201") +
                          row("S3", "Renamed") + rows(4, 8),
                      "2026-10-16 02:00");
  third = import(kHeader + row("S1", "Núñez1") + row("S2", "Núñez2", "Jones 201") +
                     row("S3", "Renamed") + rows(4, 8),
                 "2026-10-24 02:00");
  ASSERT_EQ(third.run.counts.inactivated, 1);
  auto gone = detail(third);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].action, PatronAction::kInactivated);
  EXPECT_EQ(gone[0].key, "S9");
  EXPECT_EQ(gone[0].detail, "inactivate");

  // Back again: reactivated, with the status and the username it gets back.
  auto back = import(kHeader + row("S1", "Núñez1") + row("S2", "Núñez2", "Jones 201") +
                         row("S3", "Renamed") + rows(4, 9),
                     "2026-10-25 02:00");
  ASSERT_EQ(back.run.counts.reactivated, 1);
  auto again = detail(back);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].action, PatronAction::kReactivated);
  EXPECT_EQ(again[0].key, "S9");
  EXPECT_EQ(again[0].line, 10);
  ASSERT_FALSE(again[0].changes.empty());
  EXPECT_EQ(again[0].changes[0].field, "status");
  bool username = std::any_of(again[0].changes.begin(), again[0].changes.end(), [](auto& c) {
    return c.field == "username" && c.before == "Inactive-uS9" && c.after == "uS9";
  });
  EXPECT_TRUE(username);

  // A job that keeps only errors and warnings keeps no per-patron detail.
  job().options.summary = SummaryMode::kErrorsAndWarnings;
  auto quiet = import(kHeader + rows(1, 9) + row("S50", "New"), "2026-10-26 02:00");
  ASSERT_EQ(quiet.run.counts.added, 1);
  EXPECT_TRUE(detail(quiet).empty());
}

// Beyond the cap only the counts are exact: no stored values are read for the rest.
TEST_P(ImportContract, RunPatronDetailStopsAtItsCap) {
  maxPatronDetail_ = 4;
  auto first = import(kHeader + rows(1, 10), "2026-10-01 02:00");
  auto kept = store_->runPatrons(first.run.id);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 4u);
  EXPECT_EQ(first.run.counts.added, 10);
  EXPECT_EQ(kept->back().key, "S4");
  std::string renamed;
  for (int i = 1; i <= 10; ++i) {
    renamed += row("S" + std::to_string(i), "Renamed" + std::to_string(i));
  }
  auto second = import(kHeader + renamed, "2026-10-02 02:00");
  EXPECT_EQ(second.run.counts.updated, 10);
  kept = store_->runPatrons(second.run.id);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 4u);
  for (const auto& p : *kept) {
    EXPECT_EQ(p.action, PatronAction::kUpdated);
    ASSERT_EQ(p.changes.size(), 1u) << p.key;
    EXPECT_EQ(p.changes[0].before, "Núñez" + p.key.substr(1));
  }
}

TEST_P(ImportContract, KeepRunsTrimsHistory) {
  job().options.keepRuns = 2;
  for (int d = 1; d <= 4; ++d) {
    import(kHeader + rows(1, 3), "2026-10-0" + std::to_string(d) + " 02:00");
  }
  EXPECT_EQ(store_->listRuns("students", 100)->size(), 2u);
}

TEST_P(ImportContract, MessagesAreCappedButCountedExactly) {
  std::string bad;
  for (int i = 0; i < 30; ++i) {
    bad += "X" + std::to_string(i) + ",,Last,First,NOPE,9,2030,H,,u\n";  // unknown site
  }
  test::StringSource src(kHeader + bad + rows(1, 2), 7);
  ImportRequest req;
  req.config = &config_;
  req.job = &config_.imports[0];
  req.file = "students.csv";
  req.now = *parseCivilTime("2026-10-15 02:00");
  req.maxMessages = 10;
  auto o = runImport(*store_, src, req, nullptr);
  EXPECT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(o.run.counts.errors, 30);
  EXPECT_EQ(o.run.counts.skipped, 30);
  EXPECT_EQ(o.run.counts.added, 2);
  ASSERT_EQ(o.messages.size(), 11u);
  EXPECT_EQ(o.messages.back().code, "TOO_MANY_MESSAGES");
  EXPECT_NE(o.messages.back().text.find("20 more error(s)"), std::string::npos)
      << o.messages.back().text;
  auto stored = store_->runMessages(o.run.id, false);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 11u);
  EXPECT_EQ((*store_->findRun(o.run.id))->counts.errors, 30);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, ImportContract, ::testing::ValuesIn(test::contractBackends()),
                         [](const auto& p) { return p.param; });

// The key index is sized from the span of the stored ids, an upper bound of their count; a
// span too wide to reserve for (a hand-set id far above the rest) is counted instead, and
// the run matches every stored patron either way.
class ImportSparseIds : public ImportContract {};

TEST_P(ImportSparseIds, AHandSetIdFarAboveTheRestIsCountedAndMatched) {
  ASSERT_EQ(import(kHeader + rows(1, 5), "2026-10-15 02:00").run.counts.added, 5);
  auto bound = store_->patronCountBound();
  ASSERT_TRUE(bound.ok()) << bound.error().describe();
  EXPECT_GE(*bound, 5);
  {
    auto s = sql::openSession(db_, secrets::FileSecrets{}, sql::OpenMode::kExisting);
    ASSERT_TRUE(s) << s.error().describe();
    **s << "UPDATE patrons SET id = 900000000 WHERE district_id = 'S5'";
  }
  bound = store_->patronCountBound();
  ASSERT_TRUE(bound.ok()) << bound.error().describe();
  EXPECT_GT(*bound, 800000000);
  auto o = import(kHeader + rows(1, 6), "2026-10-16 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.back().text;
  EXPECT_EQ(o.run.counts.unchanged, 5);
  EXPECT_EQ(o.run.counts.added, 1);
  EXPECT_EQ(count(), 6);
  EXPECT_EQ(get("S5").id, 900000000);
}

// SQL only: it sets an id with an UPDATE statement, which the in-memory store has no way to take.
INSTANTIATE_TEST_SUITE_P(AllBackends, ImportSparseIds, ::testing::ValuesIn(test::sqlBackends()),
                         [](const auto& p) { return p.param; });

// The database refusing a row in a batch on the writer thread, with later batches already
// queued behind it: the run fails with the database's words, the batches after it are not
// written, and the rollback leaves nothing behind. The refusal is an SQLite trigger (the
// writer and its queue are the same for every database).
class ImportWriterFault : public ImportContract {};

TEST_P(ImportWriterFault, ADatabaseRefusalMidRunAppliesNothing) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() / "patrond.db").string().c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER refuse_s40 BEFORE INSERT ON patrons "
                         "WHEN NEW.district_id = 'S40' BEGIN SELECT RAISE(ABORT, 'S40 refused'); "
                         "END",
                         nullptr, nullptr, &err),
            SQLITE_OK)
      << (err ? err : "");
  sqlite3_close(db);
  Patron before = get("S3");
  auto o = import(kHeader + rows(1, 2) + row("S3", "Renamed") + rows(4, 90), "2026-10-16 02:00");
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  ASSERT_FALSE(o.messages.empty());
  EXPECT_NE(o.messages.back().text.find("S40 refused"), std::string::npos)
      << o.messages.back().text;
  EXPECT_NE(o.messages.back().text.find("adding patron S40 (line 41)"), std::string::npos)
      << o.messages.back().text;
  EXPECT_EQ(o.run.counts.added + o.run.counts.updated, 0);
  EXPECT_EQ(count(), 5);
  EXPECT_FALSE(store_->findPatron("S39")->has_value());
  EXPECT_FALSE(store_->findPatron("S80")->has_value());
  EXPECT_EQ(get("S3").get(PatronField::kLastName), before.get(PatronField::kLastName));
  // The next run without the refused row goes through.
  auto again = import(kHeader + rows(1, 39), "2026-10-17 02:00");
  EXPECT_EQ(again.run.status, RunStatus::kCompleted);
  EXPECT_EQ(count(), 39);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ImportWriterFault, ::testing::Values("sqlite3"));

// PostgreSQL stages each batch through COPY into a temporary table of the run's transaction
// and applies it with one statement. A row the database refuses, in the COPY itself or in the
// statement that applies it, is named with its line of the file; the run leaves nothing; and
// no staging table outlives a run, failed or completed (another session would see it).
class ImportCopyFault : public ImportContract {
 protected:
  void SetUp() override {
    ImportContract::SetUp();
    auto s = sql::openSession(db_, secrets::FileSecrets{}, sql::OpenMode::kExisting);
    ASSERT_TRUE(s) << s.error().describe();
    session_ = std::move(*s);
  }
  void sql(const std::string& statement) { *session_ << statement; }
  long long stagingTables() {
    long long n = -1;
    *session_ << "SELECT COUNT(*) FROM pg_class WHERE relname LIKE 'patrond_staging%'",
        soci::into(n);
    return n;
  }
  // A failed run: its error names S40 and line 41, and nothing of it stayed.
  void expectRefusedOnLine41(const ImportOutcome& o, const std::string& why, const Patron& s3) {
    EXPECT_EQ(o.run.status, RunStatus::kFailed);
    ASSERT_FALSE(o.messages.empty());
    const std::string& text = o.messages.back().text;
    EXPECT_NE(text.find("S40 (line 41)"), std::string::npos) << text;
    EXPECT_NE(text.find(why), std::string::npos) << text;
    EXPECT_EQ(text.find("INSERT"), std::string::npos) << text;
    EXPECT_EQ(count(), 5);
    EXPECT_FALSE(store_->findPatron("S39")->has_value());
    EXPECT_EQ(get("S3").get(PatronField::kLastName), s3.get(PatronField::kLastName));
    EXPECT_EQ(stagingTables(), 0);
  }
  // S3 renamed on line 4, S40 (line 41) with grade `grade40`, 90 rows in batches of 3.
  std::string fileWith(const std::string& grade40) {
    return kHeader + rows(1, 2) + row("S3", "Renamed") + rows(4, 39) +
           row("S40", "Núñez40", "Smith 104", grade40) + rows(41, 90);
  }
  std::unique_ptr<soci::session> session_;
};

TEST_P(ImportCopyFault, AValueTheCopyRefusesNamesItsLineAndLeavesNothing) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  EXPECT_EQ(stagingTables(), 0);
  // The staging table takes its columns' types from patrons: an integer grade makes the COPY
  // itself refuse "X".
  sql("ALTER TABLE patrons ALTER COLUMN grade TYPE INTEGER USING CAST(grade AS INTEGER)");
  Patron s3 = get("S3");
  auto o = import(fileWith("X"), "2026-10-16 02:00");
  expectRefusedOnLine41(o, "invalid input syntax for type integer", s3);
  auto again = import(fileWith("10"), "2026-10-17 02:00");
  EXPECT_EQ(again.run.status, RunStatus::kCompleted);
  EXPECT_EQ(count(), 90);
  EXPECT_EQ(stagingTables(), 0);
}

TEST_P(ImportCopyFault, ARowTheInsertRefusesNamesItsLineAndLeavesNothing) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  sql("CREATE FUNCTION refuse_s40() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.district_id = 'S40' THEN RAISE EXCEPTION 'S40 refused'; END IF; RETURN NEW; "
      "END $$");
  sql("CREATE TRIGGER refuse_s40 BEFORE INSERT ON patrons FOR EACH ROW EXECUTE FUNCTION "
      "refuse_s40()");
  Patron s3 = get("S3");
  auto o = import(fileWith("10"), "2026-10-16 02:00");
  expectRefusedOnLine41(o, "S40 refused", s3);
  sql("DROP TRIGGER refuse_s40 ON patrons");
  auto again = import(fileWith("10"), "2026-10-17 02:00");
  EXPECT_EQ(again.run.status, RunStatus::kCompleted);
  EXPECT_EQ(count(), 90);
  EXPECT_EQ(stagingTables(), 0);
}

// The update of a stored patron refused: named by its line too.
TEST_P(ImportCopyFault, AnUpdateTheDatabaseRefusesNamesItsLine) {
  import(kHeader + rows(1, 60), "2026-10-15 02:00");
  sql("CREATE FUNCTION refuse_s40() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.district_id = 'S40' THEN RAISE EXCEPTION 'S40 refused'; END IF; RETURN NEW; "
      "END $$");
  sql("CREATE TRIGGER refuse_s40 BEFORE UPDATE ON patrons FOR EACH ROW EXECUTE FUNCTION "
      "refuse_s40()");
  auto o = import(kHeader + rows(1, 2) + row("S3", "Renamed") + rows(4, 39) +
                      row("S40", "Renamed40") + rows(41, 60),
                  "2026-10-16 02:00");
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  ASSERT_FALSE(o.messages.empty());
  EXPECT_NE(o.messages.back().text.find("updating patron S40 (line 41)"), std::string::npos)
      << o.messages.back().text;
  EXPECT_EQ(get("S3").get(PatronField::kLastName), "Núñez3");
  EXPECT_EQ(stagingTables(), 0);
}

INSTANTIATE_TEST_SUITE_P(Postgresql, ImportCopyFault, ::testing::Values("postgresql"));

// MariaDB loads new patrons with LOAD DATA LOCAL INFILE, where the server skips a refused row
// with a warning instead of failing: the run fails all the same, naming the row's line, and
// keeps nothing. Here the refusal is a 30-character name in a column narrowed to 20.
class ImportLoadFault : public ImportContract {};

TEST_P(ImportLoadFault, ARowTheLoadRefusesNamesItsLineAndLeavesNothing) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  {
    auto s = sql::openSession(db_, secrets::FileSecrets{}, sql::OpenMode::kExisting);
    ASSERT_TRUE(s) << s.error().describe();
    **s << "ALTER TABLE patrons MODIFY last_name VARCHAR(20)";
  }
  Patron s3 = get("S3");
  auto o = import(kHeader + rows(1, 2) + row("S3", "Renamed") + rows(4, 39) +
                      row("S40", std::string(30, 'x')) + rows(41, 90),
                  "2026-10-16 02:00");
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  ASSERT_FALSE(o.messages.empty());
  const std::string& text = o.messages.back().text;
  EXPECT_NE(text.find("adding patron S40 (line 41)"), std::string::npos) << text;
  EXPECT_NE(text.find("last_name"), std::string::npos) << text;
  EXPECT_EQ(count(), 5);
  EXPECT_FALSE(store_->findPatron("S39")->has_value());
  EXPECT_EQ(get("S3").get(PatronField::kLastName), s3.get(PatronField::kLastName));
  auto again = import(kHeader + rows(1, 90), "2026-10-17 02:00");
  EXPECT_EQ(again.run.status, RunStatus::kCompleted);
  EXPECT_EQ(count(), 90);
}

// Outside a transaction a load is all or nothing too: a duplicate barcode keeps no row.
TEST_P(ImportLoadFault, ALoadOutsideATransactionKeepsNothingOfARefusedBatch) {
  std::vector<Patron> first{test::samplePatron("S1", "B1", "One")};
  ASSERT_TRUE(store_->insertPatrons(first).ok());
  std::vector<Patron> batch{test::samplePatron("S2", "B2", "Two"),
                            test::samplePatron("S3", "B1", "Three"),
                            test::samplePatron("S4", "B4", "Four")};
  auto r = store_->insertPatrons(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("adding patron S3"), std::string::npos) << r.error().message;
  EXPECT_EQ(count(), 1);
}

#ifndef _WIN32
INSTANTIATE_TEST_SUITE_P(Mysql, ImportLoadFault, ::testing::Values("mysql"));
#else
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ImportLoadFault);  // no MariaDB under Wine
#endif

// On SQLite, a table whose ids span 50,000 or more has its keys read by two connections, the
// upper half of the ids on a thread of its own. Runs must see every stored patron as one scan
// would: here S1-S10 have ids 1-10 and S11-S20 ids 100001-100010.
class ImportSplitKeyScan : public ImportContract {
 protected:
  void sql(const char* statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "patrond.db").string().c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, statement, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
};

TEST_P(ImportSplitKeyScan, BothHalvesOfTheIdsAreMatched) {
  ASSERT_EQ(import(kHeader + rows(1, 10), "2026-10-15 02:00").run.counts.added, 10);
  sql("UPDATE sqlite_sequence SET seq = 100000 WHERE name = 'patrons'");
  ASSERT_EQ(
      import(kHeader + rows(1, 20), "2026-10-15 03:00", UpdateType::kIncremental).run.counts.added,
      10);
  EXPECT_EQ(get("S11").id, 100001);

  std::string changed = kHeader + rows(1, 4) + row("S5", "Renamed5") + rows(6, 12) +
                        row("S12", "Again") + rows(13, 14) + row("S15", "Renamed15") +
                        rows(16, 20) + row("S21", "New");
  auto o = import(changed, "2026-10-16 02:00", UpdateType::kIncremental);
  ASSERT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(o.run.counts.unchanged, 18);
  EXPECT_EQ(o.run.counts.updated, 2);
  EXPECT_EQ(o.run.counts.added, 1);
  EXPECT_EQ(o.run.counts.skipped, 1);  // the second S12
  EXPECT_EQ(count(), 21);
  EXPECT_EQ(get("S5").get(PatronField::kLastName), "Renamed5");
  EXPECT_EQ(get("S15").get(PatronField::kLastName), "Renamed15");
  EXPECT_EQ(get("S12").get(PatronField::kLastName), "Núñez12");

  // A full run without S9 and S19: both are missing, from either half, and nobody else.
  std::string most = kHeader + rows(1, 8) + rows(10, 18) + rows(20, 21);
  auto full = import(most, "2026-10-17 02:00");
  ASSERT_EQ(full.run.status, RunStatus::kCompleted);
  EXPECT_EQ(full.run.counts.unchanged, 16);
  EXPECT_EQ(full.run.counts.updated, 3);  // S5 and S15 back to their names, S21's too
  // Last seen in a full file (S9), or when added by an incremental run (S19).
  EXPECT_EQ(get("S9").lastSeenAt, "2026-10-15T02:00:00");
  EXPECT_EQ(get("S19").lastSeenAt, "2026-10-15T03:00:00");
  EXPECT_EQ(get("S10").lastSeenAt, "2026-10-17T02:00:00");
  EXPECT_EQ(get("S20").lastSeenAt, "2026-10-17T02:00:00");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ImportSplitKeyScan, ::testing::Values("sqlite3"));

}  // namespace
}  // namespace patrond
