// The outbox and the notice query (SPEC section 8) through the real store on SQLite,
// PostgreSQL 15 and MariaDB: what a notice selects, queuing all or nothing with dedupe,
// claims two connections cannot share, and what delivery records.
#include <gtest/gtest.h>

#include "adapters/sql/soci_store.h"
#include "engine/alerts.h"
#include "engine/circulation.h"
#include "engine/display_time.h"
#include "engine/items_import.h"
#include "engine/notices.h"
#include "tests/support/backends.h"
#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

class OutboxContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = test::openTestStore(GetParam(), dir_, &dbConfig_);
    ASSERT_TRUE(store_);
    config_.sites = {{"LHS", "Lincoln", "high"}};
    config_.textbookPolicies.district.loanDays = 180;
    config_.conditions = defaultConditions();
    std::vector<Patron> ps{test::samplePatron("S1", "P1", "Núñez"),
                           test::samplePatron("S2", "P2", "Okafor"),
                           test::samplePatron("S3", "P3", "Lee")};
    ps[1].get(PatronField::kHomeroom) = "Jones 210";
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->insertPatrons(ps));
    ASSERT_TRUE(store_->commit());
    test::StringSource copies(
        "copy_barcode,title,isbn,site,purchase_price,replacement_price,condition,textbook\n"
        "T1,Algebra I,978-1,LHS,60.00,,new,yes\n"
        "T2,Biology,978-2,LHS,80.00,,new,yes\n"
        "T3,Biology,978-2,LHS,80.00,,new,yes\n"
        "L1,Hatchet,978-4,LHS,9.99,,good,no\n",
        7);
    ASSERT_TRUE(importItems(copies, store_->circulation(), config_, CivilTime{2026, 8, 15}));
    checkout("S1", "T1", CivilTime{2026, 10, 1});
    checkout("S1", "L1", CivilTime{2026, 10, 20});
    checkout("S2", "T2", CivilTime{2026, 10, 10});
    checkout("S3", "T3", CivilTime{2026, 10, 1});
    // S3 leaves with the copy still out: an inactive patron's loans are never reported.
    auto s3 = store_->findPatron("S3");
    ASSERT_TRUE(s3 && s3->has_value());
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->inactivatePatrons({{(*s3)->id, "2026-10-02T00:00:00", false, false}}));
    ASSERT_TRUE(store_->commit());
  }

  void checkout(const std::string& patron, const std::string& copy, CivilTime due) {
    auto r = patrond::checkout(store_->circulation(), config_, {patron, copy, due, true},
                               CivilTime{2026, 9, 1, 10});
    ASSERT_TRUE(r && r->ok) << copy;
  }

  static OutboxMessage message(const std::string& key) {
    OutboxMessage m;
    m.notice = "weekly";
    m.dedupeKey = key;
    m.noticeDate = "2026-10-16";
    m.site = "LHS";
    m.homeroom = "Smith 104";
    m.to = {"jsmith@example.org"};
    m.cc = {"lib@example.org", "office@example.org"};
    m.subject = "Überfällig";
    m.bodyText = "text";
    m.bodyHtml = "<p>html</p>";
    m.messageId = "<" + key + "@example.org>";
    m.nextAttemptAt = "2026-10-16T12:00:00Z";
    m.createdAt = "2026-10-16T07:00:00";
    return m;
  }

  test::TempDir dir_;
  DatabaseConfig dbConfig_;
  Config config_;
  std::unique_ptr<PatronStore> store_;
};

TEST_P(OutboxContract, NoticeRowsAreOpenLoansOfActivePatronsInTheDueRange) {
  NoticeSelection sel;
  sel.dueFrom = "2026-10-01";
  sel.dueTo = "2026-10-15";
  std::vector<NoticeRow> rows;
  ASSERT_TRUE(
      store_->outbox().forEachNoticeRow(sel, [&](const NoticeRow& r) { rows.push_back(r); }));
  std::sort(rows.begin(), rows.end(),
            [](const NoticeRow& a, const NoticeRow& b) { return a.copy < b.copy; });
  ASSERT_EQ(rows.size(), 2u);  // T3's borrower is inactive; L1 is due later
  EXPECT_EQ(rows[0].copy, "T1");
  EXPECT_EQ(rows[0].title, "Algebra I");
  EXPECT_EQ(rows[0].due, "2026-10-01");
  EXPECT_EQ(rows[0].lastName, "Núñez");
  EXPECT_EQ(rows[0].homeroom, "Smith 104");
  EXPECT_TRUE(rows[0].textbook);
  EXPECT_EQ(rows[1].copy, "T2");
  EXPECT_EQ(rows[1].homeroom, "Jones 210");
}

TEST_P(OutboxContract, FinesRowsAreUnpaidFinesWithTheirCopyWhenThereIsOne) {
  auto t1 = store_->circulation().findCopy("T1");
  ASSERT_TRUE(t1 && t1->has_value());
  auto loan = store_->circulation().currentLoan((*t1)->id);
  ASSERT_TRUE(loan && loan->has_value());
  auto s1 = store_->findPatron("S1");
  auto s2 = store_->findPatron("S2");
  ASSERT_TRUE(s1 && s1->has_value() && s2 && s2->has_value());
  std::vector<Fine> fines{{0, (*s1)->id, (*loan)->id, 4500, 1000, "lost", "2026-10-02T01:00:00"},
                          {0, (*s1)->id, 0, 250, 0, "damaged", "2026-10-03T10:00:00"},
                          {0, (*s2)->id, 0, 300, 300, "paid", "2026-10-03T10:00:00"}};
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->circulation().insertFines(fines));
  ASSERT_TRUE(store_->commit());
  NoticeSelection sel;
  sel.report = NoticeReport::kFines;
  std::vector<NoticeRow> rows;
  ASSERT_TRUE(
      store_->outbox().forEachNoticeRow(sel, [&](const NoticeRow& r) { rows.push_back(r); }));
  std::sort(rows.begin(), rows.end(),
            [](const NoticeRow& a, const NoticeRow& b) { return a.fineCents < b.fineCents; });
  ASSERT_EQ(rows.size(), 2u);  // S2's fine is paid
  EXPECT_EQ(rows[0].fineCents, 250);
  EXPECT_EQ(rows[0].copy, "");
  EXPECT_EQ(rows[0].fineReason, "damaged");
  EXPECT_TRUE(rows[0].textbook);  // no material: passes the selection's filter
  EXPECT_EQ(rows[1].fineCents, 3500);
  EXPECT_EQ(rows[1].copy, "T1");
  EXPECT_EQ(rows[1].title, "Algebra I");
}

TEST_P(OutboxContract, QueuingSkipsKeysAlreadyThereAndRoundTripsEveryField) {
  std::vector<OutboxMessage> first{message("a"), message("b")};
  auto n = store_->outbox().queue(first);
  ASSERT_TRUE(n) << n.error().describe();
  EXPECT_EQ(*n, 2);
  EXPECT_NE(first[0].id, 0);
  std::vector<OutboxMessage> again{message("b"), message("c")};
  n = store_->outbox().queue(again);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(again[0].id, 0);  // "b" was there
  EXPECT_NE(again[1].id, 0);
  EXPECT_TRUE(*store_->outbox().queuedBefore("a"));
  EXPECT_FALSE(*store_->outbox().queuedBefore("z"));
  auto list = store_->outbox().list("", 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  const OutboxMessage& a = list->back();  // newest first
  EXPECT_EQ(a.dedupeKey, "a");
  EXPECT_EQ(a.cc, (std::vector<std::string>{"lib@example.org", "office@example.org"}));
  EXPECT_EQ(a.subject, "Überfällig");
  EXPECT_EQ(a.status, "queued");
  EXPECT_EQ(a.homeroom, "Smith 104");
}

TEST_P(OutboxContract, ClaimsAreExclusiveAndDeliveryIsRecorded) {
  std::vector<OutboxMessage> batch{message("a"), message("b"), message("c")};
  batch[2].nextAttemptAt = "2026-10-16T13:00:00Z";  // not due yet
  ASSERT_TRUE(store_->outbox().queue(batch));
  auto other = test::openAnotherStore(dbConfig_);
  ASSERT_TRUE(other);
  auto mine = store_->outbox().claimDue("2026-10-16T12:00:00Z", "me", "2026-10-16T12:10:00Z", 1);
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].status, "sending");
  auto theirs =
      (*other)->outbox().claimDue("2026-10-16T12:00:00Z", "them", "2026-10-16T12:10:00Z", 10);
  ASSERT_TRUE(theirs);
  ASSERT_EQ(theirs->size(), 1u);  // only "b": "a" is claimed, "c" is not due
  EXPECT_NE((*theirs)[0].id, (*mine)[0].id);

  ASSERT_TRUE(store_->outbox().markSent((*mine)[0].id, 1, "2026-10-16T07:00:05"));
  ASSERT_TRUE(
      (*other)->outbox().markRetry((*theirs)[0].id, 1, "451 later", "2026-10-16T12:01:00Z"));
  auto sent = store_->outbox().list("sent", 10);
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ((*sent)[0].sentAt, "2026-10-16T07:00:05");
  auto queued = store_->outbox().list("queued", 10);
  ASSERT_EQ(queued->size(), 2u);
  EXPECT_EQ(queued->back().lastError, "451 later");
  EXPECT_EQ(queued->back().attempts, 1);

  // A claim left behind (its holder died) is failed when it expires, never sent again.
  auto left = store_->outbox().claimDue("2026-10-16T13:00:00Z", "dead", "2026-10-16T13:10:00Z", 10);
  ASSERT_EQ(left->size(), 2u);
  ASSERT_TRUE(store_->outbox().release({left->front().id}));
  auto none = store_->outbox().failAbandoned("2026-10-16T13:05:00Z", "abandoned");
  EXPECT_EQ(*none, 0);
  auto one = store_->outbox().failAbandoned("2026-10-16T13:11:00Z", "abandoned");
  EXPECT_EQ(*one, 1);
  auto failed = store_->outbox().list("failed", 10);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].lastError, "abandoned");
  EXPECT_EQ(store_->outbox().list("queued", 10)->size(), 1u);  // the released one
}

TEST_P(OutboxContract, HealthCountsByStatusRecentFailuresAndLongQueuedMail) {
  auto empty = store_->outbox().health("2026-10-09T07:00:00", "2026-10-16T06:00:00", "_alerts");
  ASSERT_TRUE(empty) << empty.error().describe();
  EXPECT_EQ(empty->queued + empty->sent + empty->failed + empty->sending, 0);
  EXPECT_EQ(empty->oldestQueuedAt, "");

  std::vector<OutboxMessage> batch{message("old-queued"), message("new-queued"),
                                   message("failed-long-ago"), message("failed-now"),
                                   message("alert-failed")};
  batch[0].createdAt = "2026-10-16T05:00:00";
  batch[1].createdAt = "2026-10-16T06:30:00";
  batch[2].createdAt = "2026-10-01T07:00:00";
  batch[3].createdAt = "2026-10-15T07:00:00";
  batch[4].createdAt = "2026-10-15T08:00:00";
  batch[4].notice = "_alerts";
  ASSERT_TRUE(store_->outbox().queue(batch));
  ASSERT_TRUE(store_->outbox().markFailed(batch[2].id, 3, "550 old"));
  ASSERT_TRUE(store_->outbox().markFailed(batch[3].id, 3, "550 5.1.1 no such user"));
  ASSERT_TRUE(store_->outbox().markFailed(batch[4].id, 3, "connection refused"));
  auto h = store_->outbox().health("2026-10-09T07:00:00", "2026-10-16T06:00:00", "_alerts");
  ASSERT_TRUE(h) << h.error().describe();
  EXPECT_EQ(h->queued, 2);
  EXPECT_EQ(h->failed, 3);
  EXPECT_EQ(h->sent, 0);
  EXPECT_EQ(h->failedRecently, 1);  // not the one from October 1st, not the alert
  EXPECT_EQ(h->alertsFailedRecently, 1);
  EXPECT_EQ(h->alertsRetrying, 0);
  std::vector<OutboxMessage> retry{message("alert-retrying")};
  retry[0].notice = "_alerts";
  retry[0].createdAt = "2026-10-16T06:50:00";
  ASSERT_TRUE(store_->outbox().queue(retry));
  ASSERT_TRUE(store_->outbox().markRetry(retry[0].id, 1, "421 busy", "2026-10-16T12:05:00Z"));
  auto again = store_->outbox().health("2026-10-09T07:00:00", "2026-10-16T06:00:00", "_alerts");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->alertsRetrying, 1);
  EXPECT_EQ(again->queued, 3);
  EXPECT_EQ(h->queuedTooLong, 1);  // created before 06:00
  EXPECT_EQ(h->oldestQueuedAt, "2026-10-16T05:00:00");
  EXPECT_EQ(h->lastFailedError, "550 5.1.1 no such user");  // the newest recent notice
  ASSERT_EQ(h->byNotice.size(), 3u);                        // ordered by notice, then status
  EXPECT_EQ(h->byNotice[0].notice, "_alerts");
  EXPECT_EQ(h->byNotice[0].status, "failed");
  EXPECT_EQ(h->byNotice[0].count, 1);
  EXPECT_EQ(h->byNotice[1].notice, "weekly");
  EXPECT_EQ(h->byNotice[1].status, "failed");
  EXPECT_EQ(h->byNotice[1].count, 2);
  EXPECT_EQ(h->byNotice[2].status, "queued");
  EXPECT_EQ(h->byNotice[2].count, 2);
}

TEST_P(OutboxContract, AlertIncidentsAreOpenedRepeatedAndCleared) {
  AlertsConfig cfg;
  cfg.to = {"it-help@example.org"};
  auto t0 = *storedInstant("2026-10-15T13:05:00Z", FixedOffsetZone{});
  auto steps = planAlerts({{AlertKind::kRunFailed, "students", "run 8 failed"},
                           {AlertKind::kDeliveryFailed, "outbox", "2 failed"}},
                          {}, cfg, t0);
  ASSERT_TRUE(store_->alerts().record(steps));
  EXPECT_NE(steps[0].incident.id, 0);
  EXPECT_NE(steps[1].incident.id, steps[0].incident.id);
  auto open = store_->alerts().openIncidents();
  ASSERT_TRUE(open) << open.error().describe();
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].kind, AlertKind::kRunFailed);
  EXPECT_EQ((*open)[0].subject, "students");
  EXPECT_EQ((*open)[0].openedAt, "2026-10-15T13:05:00Z");
  EXPECT_EQ((*open)[0].text, "run 8 failed");
  EXPECT_EQ((*open)[1].kind, AlertKind::kDeliveryFailed);

  auto later = t0 + std::chrono::hours(25);
  auto again = planAlerts({{AlertKind::kRunFailed, "students", "run 9 failed"}}, *open, cfg, later);
  ASSERT_EQ(again.size(), 2u);  // students repeated, outbox cleared
  ASSERT_TRUE(store_->alerts().record(again));
  open = store_->alerts().openIncidents();
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].lastSentAt, "2026-10-16T14:05:00Z");
  EXPECT_EQ((*open)[0].text, "run 9 failed");
  auto recent = store_->alerts().recentIncidents(10);
  ASSERT_TRUE(recent);
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].kind, AlertKind::kDeliveryFailed);  // newest first
  EXPECT_EQ((*recent)[0].clearedAt, "2026-10-16T14:05:00Z");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, OutboxContract, ::testing::ValuesIn(test::contractBackends()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace patrond
