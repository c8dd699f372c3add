// The import use case (runImport: full and incremental runs, the lifecycle, barcode conflicts)
// on the in-memory store: the engine's path end to end, without a database.
#include <gtest/gtest.h>

#include <algorithm>

#include "adapters/memory/memory_store.h"
#include "engine/patron_import.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

const std::string kHeader = "ID,Barcode,Last,First,School,Grade,GradYear,Homeroom,User\n";

std::string row(const std::string& id, const std::string& last, const std::string& grade = "10",
                const std::string& gradYear = "2029") {
  return id + ",B" + id + "," + last + ",Zoë,LHS," + grade + "," + gradYear + ",Smith 104,u" + id +
         "\n";
}

std::string rows(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) {
    s += row("S" + std::to_string(i), "Núñez" + std::to_string(i));
  }
  return s;
}

class ImportUseCase : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = memory::openStore(db_);
    ASSERT_TRUE(store_->migrate());
    config_.sites = {{"LHS", "Lincoln", "high"}};
    config_.imports.emplace_back();
    ImportJob& j = config_.imports[0];
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
                        {PatronField::kUsername, {"User", 0, ""}}};
    j.mapping.defaults = {{PatronField::kPatronType, "Student"}};
    LifecycleConfig l;
    l.minRecordsRead = 0;
    l.maxPercent = 50;
    l.inactivate = Inactivate{7, true, true};
    j.lifecycle = l;
  }

  ImportOutcome import(const std::string& csv, const std::string& when,
                       UpdateType type = UpdateType::kFull, std::size_t batchSize = 4,
                       std::size_t flushEveryRows = ImportRequest{}.flushEveryRows) {
    test::StringSource src(csv, 5);  // small reads: rows straddle buffer edges
    ImportRequest req;
    req.config = &config_;
    req.job = &config_.imports[0];
    req.type = type;
    req.file = "students.csv";
    req.now = *parseCivilTime(when);
    req.batchSize = batchSize;  // 4: several bulk batches
    req.flushEveryRows = flushEveryRows;
    return runImport(*store_, src, req, nullptr);
  }

  Patron get(const std::string& key) {
    auto p = store_->findPatron(key);
    EXPECT_TRUE(p && p->has_value()) << key;
    return p && p->has_value() ? **p : Patron{};
  }

  std::int64_t count(std::optional<PatronStatus> status = std::nullopt) {
    PatronFilter f;
    f.status = status;
    return *store_->countPatrons(f);
  }

  std::shared_ptr<memory::Database> db_ = memory::newDatabase();
  std::unique_ptr<PatronStore> store_;
  Config config_;
};

TEST_F(ImportUseCase, AFullRunAddsEveryRowAndRecordsTheRun) {
  auto o = import(kHeader + rows(1, 10), "2026-10-15 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.front().text;
  EXPECT_EQ(o.run.counts.added, 10);
  EXPECT_EQ(count(), 10);
  Patron p = get("S3");
  EXPECT_EQ(p.get(PatronField::kLastName), "Núñez3");
  EXPECT_EQ(p.get(PatronField::kPatronType), "Student");
  EXPECT_EQ(p.ownerJob, "students");
  EXPECT_EQ(get("BS3").id, p.id);
  auto runs = store_->listRuns("students", 10);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].counts.added, 10);
  EXPECT_EQ((*runs)[0].status, RunStatus::kCompleted);
  auto detail = store_->runPatrons(o.run.id);
  ASSERT_TRUE(detail);
  EXPECT_EQ(detail->size(), 10u);
}

TEST_F(ImportUseCase, ASecondRunOfTheSameFileChangesNothingButLastSeen) {
  ASSERT_EQ(import(kHeader + rows(1, 5), "2026-10-15 02:00").run.counts.added, 5);
  Patron before = get("S1");
  auto o = import(kHeader + rows(1, 5), "2026-10-16 02:00");
  EXPECT_EQ(o.run.counts.unchanged, 5);
  EXPECT_EQ(o.run.counts.updated + o.run.counts.added, 0);
  Patron after = get("S1");
  EXPECT_EQ(after.updatedAt, before.updatedAt);
  EXPECT_EQ(after.lastSeenAt, "2026-10-16T02:00:00");
}

// A nightly file changes a few rows spread through it: each goes to the writer once enough of
// the file has been read after the last, in a short batch, not all of them at the file's end
// (where the run waited for them: docs/performance.md).
TEST_F(ImportUseCase, SparseChangesAreWrittenWhileTheFileIsReadNotAllAtItsEnd) {
  ASSERT_EQ(import(kHeader + rows(1, 60), "2026-10-15 02:00").run.counts.added, 60);
  auto changed = [](const std::string& name) {
    return kHeader + rows(1, 4) + row("S5", name) + row("S6", "Núñez6") + row("S7", name) +
           rows(8, 49) + row("S50", name) + rows(51, 60);
  };
  // A batch of 40 rows; every 10 rows read, what was collected goes to the writer if it is at
  // least 2 (a twentieth of a batch): S5 and S7 once row 10 is read, not each as it is read;
  // S50 alone is too few, and waits for the end of the file.
  memory::takePatronWrites(*db_);
  auto o = import(changed("Early"), "2026-10-16 02:00", UpdateType::kIncremental, 40, 10);
  EXPECT_EQ(o.run.counts.updated, 3);
  EXPECT_EQ(memory::takePatronWrites(*db_), (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ(get("S5").get(PatronField::kLastName), "Early");
  EXPECT_EQ(get("S50").get(PatronField::kLastName), "Early");
  // Without it (0), all three wait for a full batch or the end of the file.
  memory::takePatronWrites(*db_);
  o = import(changed("Late"), "2026-10-17 02:00", UpdateType::kIncremental, 40, 0);
  EXPECT_EQ(o.run.counts.updated, 3);
  EXPECT_EQ(memory::takePatronWrites(*db_), (std::vector<std::size_t>{3}));
  EXPECT_EQ(get("S50").get(PatronField::kLastName), "Late");
}

TEST_F(ImportUseCase, AnIncrementalRunWritesOnlyWhatChanged) {
  import(kHeader + rows(1, 5), "2026-10-15 02:00");
  auto o = import(kHeader + row("S3", "Renamed") + row("S6", "New"), "2026-10-16 02:00",
                  UpdateType::kIncremental);
  ASSERT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(o.run.counts.updated, 1);
  EXPECT_EQ(o.run.counts.added, 1);
  EXPECT_FALSE(o.run.lifecycleRan);
  EXPECT_EQ(get("S3").get(PatronField::kLastName), "Renamed");
  EXPECT_EQ(get("S3").updatedAt, "2026-10-16T02:00:00");
  EXPECT_EQ(get("S1").updatedAt, "2026-10-15T02:00:00");
  EXPECT_EQ(count(), 6);  // an incremental run inactivates no one it did not see
  EXPECT_EQ(count(PatronStatus::kInactive), 0);
}

TEST_F(ImportUseCase, TheLifecycleInactivatesAPatronNotSeenAndAReturnReactivatesIt) {
  import(kHeader + rows(1, 10), "2026-10-01 02:00");
  auto early = import(kHeader + rows(1, 9), "2026-10-05 02:00");
  EXPECT_TRUE(early.run.lifecycleRan);
  EXPECT_EQ(early.run.counts.inactivated, 0);  // within not_updated_days
  auto later = import(kHeader + rows(1, 9), "2026-10-09 02:00");
  EXPECT_EQ(later.run.counts.inactivated, 1);
  Patron gone = get("S10");
  EXPECT_EQ(gone.status, PatronStatus::kInactive);
  EXPECT_EQ(gone.inactiveSince, "2026-10-09T02:00:00");
  EXPECT_EQ(gone.get(PatronField::kHomeroom), "");
  EXPECT_EQ(gone.get(PatronField::kUsername), "Inactive-uS10");
  EXPECT_EQ(get("S9").status, PatronStatus::kActive);

  auto back = import(kHeader + rows(1, 10), "2026-10-10 02:00");
  EXPECT_EQ(back.run.counts.reactivated, 1);
  Patron returned = get("S10");
  EXPECT_EQ(returned.status, PatronStatus::kActive);
  EXPECT_EQ(returned.get(PatronField::kUsername), "uS10");
  EXPECT_EQ(returned.get(PatronField::kHomeroom), "Smith 104");
}

TEST_F(ImportUseCase, ABarcodeHeldByAnotherPatronSkipsTheRowAndNamesTheHolder) {
  import(kHeader + rows(1, 5), "2026-10-01 02:00");
  auto o = import(kHeader + rows(1, 5) + "S11,BS1,Clash,A,LHS,9,2030,H,u11\n", "2026-10-02 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(o.run.counts.skipped, 1);
  auto c = std::find_if(o.messages.begin(), o.messages.end(),
                        [](const RunMessage& m) { return m.code == "BARCODE_CONFLICT"; });
  ASSERT_NE(c, o.messages.end());
  EXPECT_NE(c->text.find("patron S1"), std::string::npos) << c->text;
  EXPECT_FALSE(store_->findPatron("S11")->has_value());
  EXPECT_EQ(get("BS1").get(PatronField::kDistrictId), "S1");
}

TEST_F(ImportUseCase, AFileWithoutItsKeyColumnFailsAndAppliesNothing) {
  import(kHeader + rows(1, 3), "2026-10-01 02:00");
  auto o = import("Barcode,Last\nBX,Nobody\n", "2026-10-02 02:00");
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  EXPECT_EQ(count(), 3);
  auto failed = store_->findRun(o.run.id);
  ASSERT_TRUE(failed && failed->has_value());
  EXPECT_EQ((*failed)->status, RunStatus::kFailed);
}

// A run log whose closeRun fails (the database went away between opening the run and
// recording its failure); everything else is the memory store's.
class ClosingFails : public RunLog {
 public:
  explicit ClosingFails(RunLog& log) : log_(log) {}
  Result<std::int64_t> openRun(const ImportRun& run) override { return log_.openRun(run); }
  Result<void> closeRun(const ImportRun&, const std::vector<RunMessage>&) override {
    return Error{"DB", "the database went away", ""};
  }
  Result<int> markInterruptedRuns(const std::string& finishedAt, const std::string& nowUtc,
                                  const HolderCheck& holderState) override {
    return log_.markInterruptedRuns(finishedAt, nowUtc, holderState);
  }
  Result<std::vector<ImportRun>> listRuns(const std::string& job, int limit) override {
    return log_.listRuns(job, limit);
  }
  Result<std::optional<ImportRun>> findRun(std::int64_t id) override { return log_.findRun(id); }
  Result<std::vector<RunMessage>> runMessages(std::int64_t runId, bool errorsOnly) override {
    return log_.runMessages(runId, errorsOnly);
  }
  Result<void> saveRunPatrons(std::int64_t runId, const std::vector<RunPatron>& e) override {
    return log_.saveRunPatrons(runId, e);
  }
  Result<std::vector<RunPatron>> runPatrons(std::int64_t runId) override {
    return log_.runPatrons(runId);
  }
  Result<int> trimRuns(const std::string& job, int keep) override {
    return log_.trimRuns(job, keep);
  }

 private:
  RunLog& log_;
};

// A failure that cannot be recorded is said in the outcome (the CLI prints it, the service
// logs it), not dropped: the run's record stays "running" for the next start to mark.
TEST_F(ImportUseCase, AFailureThatCannotBeRecordedIsSaidNotDropped) {
  ClosingFails log(*store_);
  ImportRequest req;
  req.config = &config_;
  req.job = &config_.imports[0];
  req.type = UpdateType::kFull;
  req.file = "students.csv";
  req.now = *parseCivilTime("2026-10-02 02:00");
  auto o = failedImport(log, req, Error{"SOURCE", "cannot read students.csv", ""});
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  ASSERT_EQ(o.messages.size(), 2u);
  EXPECT_EQ(o.messages[0].code, "SOURCE");
  EXPECT_EQ(o.messages[1].code, "RUN_NOT_RECORDED");  // docs/imports.md names it
  EXPECT_EQ(o.messages[1].severity, Severity::kWarning);
  EXPECT_EQ(o.run.counts.warnings, 1);
  EXPECT_EQ(o.run.counts.errors, 1);
  EXPECT_NE(o.messages[1].text.find("the database went away"), std::string::npos)
      << o.messages[1].text;
  auto stored = store_->findRun(o.run.id);
  ASSERT_TRUE(stored && stored->has_value());
  EXPECT_EQ((*stored)->status, RunStatus::kRunning);
}

}  // namespace
}  // namespace patrond
