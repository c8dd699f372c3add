// Notice runs and outbox delivery: the engine's rules with fakes (SPEC section 8).
#include "engine/notices.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "engine/outbox.h"
#include "tests/unit/fake_zone.h"

namespace patrond {
namespace {

const CivilTime kFriday{2026, 10, 16};

NoticeRow row(const std::string& id, const std::string& last, const std::string& homeroom,
              const std::string& copy, const std::string& due, bool textbook = true) {
  NoticeRow r;
  r.districtId = id;
  r.firstName = "F" + id;
  r.lastName = last;
  r.grade = "9";
  r.site = "LHS";
  r.homeroom = homeroom;
  r.email = id + "@students.example.org";
  r.copy = copy;
  r.title = "Title " + copy;
  r.due = due;
  r.textbook = textbook;
  return r;
}

Homeroom room(const std::string& name, const std::string& email, bool notices = true,
              std::optional<int> libraryDay = {}) {
  Homeroom h;
  h.site = "LHS";
  h.name = name;
  h.teacherEmail = email;
  h.teacherName = "Teacher " + name;
  h.notices = notices;
  h.libraryDay = libraryDay;
  return h;
}

NoticeConfig overdue() {
  NoticeConfig n;
  n.name = "weekly";
  n.report = NoticeReport::kOverdue;
  n.copyTo = {"lib@example.org"};
  return n;
}

TEST(NoticeRun, OneMessagePerHomeroomWithItsStudentsSortedAndItemsByDue) {
  std::vector<NoticeRow> rows{
      row("S2", "Zeta", "A", "T2", "2026-10-10"), row("S1", "Alpha", "A", "T1", "2026-10-12"),
      row("S1", "Alpha", "A", "T3", "2026-10-01"), row("S3", "Beta", "B", "T4", "2026-10-15")};
  NoticeRun run = buildNoticeRun(overdue(), kFriday, rows,
                                 {room("A", "a@example.org"), room("B", "b@example.org")});
  ASSERT_EQ(run.messages.size(), 2u);
  const NoticeMessage& a = run.messages[0];
  EXPECT_EQ(a.homeroom, "A");
  EXPECT_EQ(a.to, std::vector<std::string>{"a@example.org"});
  EXPECT_EQ(a.cc, std::vector<std::string>{"lib@example.org"});
  ASSERT_EQ(a.students.size(), 2u);
  EXPECT_EQ(a.students[0].lastName, "Alpha");
  ASSERT_EQ(a.students[0].items.size(), 2u);
  EXPECT_EQ(a.students[0].items[0].copy, "T3");  // due first
  EXPECT_EQ(a.students[0].items[0].overdueDays, 15);
  EXPECT_EQ(run.messages[1].students[0].items[0].overdueDays, 1);
  EXPECT_EQ(run.loans, 4);
  EXPECT_EQ(a.dedupeKey, "weekly|2026-10-16|LHS|A");
}

TEST(NoticeRun, SelectionFollowsTheReportAndItsRange) {
  NoticeConfig n = overdue();
  n.minDaysOverdue = 3;
  n.maxDaysOverdue = 10;
  NoticeSelection sel = noticeSelection(n, kFriday);
  EXPECT_EQ(sel.dueTo, "2026-10-13");
  EXPECT_EQ(sel.dueFrom, "2026-10-06");
  std::vector<NoticeRow> rows{row("S1", "A", "A", "T1", "2026-10-13"),   // 3 days: in
                              row("S1", "A", "A", "T2", "2026-10-14"),   // 2 days: out
                              row("S1", "A", "A", "T3", "2026-10-05")};  // 11 days: out
  NoticeRun run = buildNoticeRun(n, kFriday, rows, {room("A", "a@example.org")});
  ASSERT_EQ(run.messages.size(), 1u);
  ASSERT_EQ(run.messages[0].students[0].items.size(), 1u);
  EXPECT_EQ(run.messages[0].students[0].items[0].copy, "T1");

  NoticeConfig soon = overdue();
  soon.report = NoticeReport::kDueSoon;
  soon.dueWithinDays = 3;
  sel = noticeSelection(soon, kFriday);
  EXPECT_EQ(sel.dueFrom, "2026-10-16");
  EXPECT_EQ(sel.dueTo, "2026-10-19");

  NoticeConfig lib = overdue();
  lib.materials = {"library"};
  run = buildNoticeRun(lib, kFriday,
                       {row("S1", "A", "A", "T1", "2026-10-01", true),
                        row("S1", "A", "A", "L1", "2026-10-01", false)},
                       {room("A", "a@example.org")});
  ASSERT_EQ(run.messages.size(), 1u);
  ASSERT_EQ(run.messages[0].students[0].items.size(), 1u);
  EXPECT_EQ(run.messages[0].students[0].items[0].copy, "L1");
}

TEST(NoticeRun, ExcludedAndSilencedHomeroomsAreLeftOut) {
  NoticeConfig n = overdue();
  n.excludeHomerooms = {"Moved", "LHS/Leavers"};
  std::vector<NoticeRow> rows{
      row("S1", "A", "Moved", "T1", "2026-10-01"), row("S2", "B", "Leavers", "T2", "2026-10-01"),
      row("S3", "C", "Quiet", "T3", "2026-10-01"), row("S4", "D", "A", "T4", "2026-10-01")};
  NoticeRun run = buildNoticeRun(
      n, kFriday, rows,
      {room("A", "a@example.org"), room("Quiet", "q@example.org", /*notices=*/false)});
  ASSERT_EQ(run.messages.size(), 1u);
  EXPECT_EQ(run.messages[0].homeroom, "A");
  EXPECT_TRUE(run.noTeacher.empty());
}

TEST(NoticeRun, HomeroomsWithoutATeacherGoToFallbackAndAreNamed) {
  NoticeConfig n = overdue();
  std::vector<NoticeRow> rows{row("S1", "A", "Gym", "T1", "2026-10-01")};
  // No fallback: not sent, but named.
  NoticeRun run = buildNoticeRun(n, kFriday, rows, {room("Gym", "")});
  EXPECT_TRUE(run.messages.empty());
  ASSERT_EQ(run.noTeacher.size(), 1u);
  EXPECT_EQ(run.noTeacher[0].homeroom, "Gym");
  n.fallbackTo = "librarian@example.org";
  run = buildNoticeRun(n, kFriday, rows, {room("Gym", "not an address")});
  ASSERT_EQ(run.messages.size(), 1u);
  EXPECT_EQ(run.messages[0].to, std::vector<std::string>{"librarian@example.org"});
  EXPECT_TRUE(run.messages[0].fallback);
  EXPECT_EQ(run.noTeacher.size(), 1u);
  // Printed notices need no address: the homeroom is printed all the same.
  n.deliver = Delivery::kPrint;
  run = buildNoticeRun(n, kFriday, rows, {});
  ASSERT_EQ(run.messages.size(), 1u);
  EXPECT_TRUE(run.messages[0].to.empty());
}

TEST(NoticeRun, SendToPatronGivesEachStudentTheirOwnMessage) {
  NoticeConfig n = overdue();
  n.sendTo = SendTo::kPatron;
  NoticeRow noEmail = row("S3", "C", "A", "T3", "2026-10-01");
  noEmail.email = "";
  NoticeRun run = buildNoticeRun(
      n, kFriday,
      {row("S1", "A", "A", "T1", "2026-10-01"), row("S2", "B", "A", "T2", "2026-10-01"), noEmail},
      {room("A", "a@example.org")});
  ASSERT_EQ(run.messages.size(), 2u);
  EXPECT_EQ(run.messages[0].to, std::vector<std::string>{"S1@students.example.org"});
  EXPECT_EQ(run.messages[0].students.size(), 1u);
  EXPECT_EQ(run.messages[0].dedupeKey, "weekly|2026-10-16|patron|S1");
  EXPECT_EQ(run.noEmail, std::vector<std::string>{"S3"});
}

TEST(NoticeRun, BeforeLibraryDayPicksTheHomeroomsWhoseDayIsNDaysAway) {
  NoticeConfig n = overdue();
  n.schedule = NoticeSchedule{{}, 1, {{7, 0}}};
  // Friday + 1 = Saturday (6); Monday is 1.
  std::vector<NoticeRow> rows{row("S1", "A", "Sat", "T1", "2026-10-01"),
                              row("S2", "B", "Mon", "T2", "2026-10-01"),
                              row("S3", "C", "None", "T3", "2026-10-01")};
  NoticeRun run =
      buildNoticeRun(n, kFriday, rows,
                     {room("Sat", "s@example.org", true, 6), room("Mon", "m@example.org", true, 1),
                      room("None", "n@example.org")});
  ASSERT_EQ(run.messages.size(), 1u);
  EXPECT_EQ(run.messages[0].homeroom, "Sat");
}

TEST(NoticeRun, FinesListEachUnpaidFineWithItsAmount) {
  NoticeConfig n = overdue();
  n.report = NoticeReport::kFines;
  NoticeRow f = row("S1", "A", "A", "T1", "2026-09-01");
  f.fineCents = 4500;
  f.fineReason = "lost";
  NoticeRow g = row("S1", "A", "A", "", "");
  g.title = "";
  g.fineCents = 250;
  g.fineReason = "damaged";
  NoticeRow paid = row("S2", "B", "A", "T2", "2026-09-01");  // nothing unpaid: left out
  NoticeRun run = buildNoticeRun(n, kFriday, {f, g, paid}, {room("A", "a@example.org")});
  ASSERT_EQ(run.messages.size(), 1u);
  ASSERT_EQ(run.messages[0].students.size(), 1u);
  EXPECT_EQ(run.messages[0].students[0].fineCents, 4750);
}

TEST(NoticeRun, LongKeysStayBoundedAndDistinct) {
  NoticeConfig n = overdue();
  std::string longName(300, 'x');
  NoticeRun run = buildNoticeRun(
      n, kFriday,
      {row("S1", "A", longName + "1", "T1", "2026-10-01"),
       row("S2", "B", longName + "2", "T2", "2026-10-01")},
      {room(longName + "1", "a@example.org"), room(longName + "2", "b@example.org")});
  ASSERT_EQ(run.messages.size(), 2u);
  EXPECT_LE(run.messages[0].dedupeKey.size(), 200u);
  EXPECT_NE(run.messages[0].dedupeKey, run.messages[1].dedupeKey);
}

// ---- outbox delivery over fakes ----

class FakeOutbox final : public OutboxStore {
 public:
  std::map<std::int64_t, OutboxMessage> rows;
  Result<void> forEachNoticeRow(const NoticeSelection&,
                                const std::function<void(const NoticeRow&)>&) override {
    return {};
  }
  Result<bool> queuedBefore(const std::string& key) override {
    for (auto& [id, m] : rows) {
      if (m.dedupeKey == key) {
        return true;
      }
    }
    return false;
  }
  Result<int> queue(std::vector<OutboxMessage>& messages) override {
    int queued = 0;
    for (auto& m : messages) {
      m.id = 0;
      if (*queuedBefore(m.dedupeKey)) {
        continue;
      }
      m.id = static_cast<std::int64_t>(rows.size()) + 1;
      rows[m.id] = m;
      ++queued;
    }
    return queued;
  }
  Result<std::vector<OutboxMessage>> claimDue(const std::string& now, const std::string&,
                                              const std::string& until, int limit) override {
    std::vector<OutboxMessage> out;
    for (auto& [id, m] : rows) {
      if (m.status == "queued" && m.nextAttemptAt <= now && static_cast<int>(out.size()) < limit) {
        m.status = "sending";
        claimUntil[id] = until;
        out.push_back(m);
      }
    }
    return out;
  }
  Result<void> markSent(std::int64_t id, int attempts, const std::string& at) override {
    rows[id].status = "sent";
    rows[id].attempts = attempts;
    rows[id].sentAt = at;
    return {};
  }
  Result<void> markRetry(std::int64_t id, int attempts, const std::string& error,
                         const std::string& next) override {
    rows[id].status = "queued";
    rows[id].attempts = attempts;
    rows[id].lastError = error;
    rows[id].nextAttemptAt = next;
    return {};
  }
  Result<void> markFailed(std::int64_t id, int attempts, const std::string& error) override {
    rows[id].status = "failed";
    rows[id].attempts = attempts;
    rows[id].lastError = error;
    return {};
  }
  Result<void> release(const std::vector<std::int64_t>& ids) override {
    for (auto id : ids) {
      rows[id].status = "queued";
    }
    return {};
  }
  Result<int> failAbandoned(const std::string& now, const std::string& error) override {
    int n = 0;
    for (auto& [id, m] : rows) {
      if (m.status == "sending" && claimUntil[id] < now) {
        m.status = "failed";
        m.lastError = error;
        ++n;
      }
    }
    return n;
  }
  Result<std::vector<OutboxMessage>> list(const std::string&, int) override {
    return std::vector<OutboxMessage>{};
  }
  Result<OutboxHealth> health(const std::string& since, const std::string& stale,
                              const std::string& alerts) override {
    OutboxHealth h;
    for (const auto& [id, m] : rows) {
      (m.status == "queued"    ? h.queued
       : m.status == "sending" ? h.sending
       : m.status == "sent"    ? h.sent
                               : h.failed) += 1;
      bool recent = m.createdAt >= since;
      if (m.status == "failed" && recent) {
        (m.notice == alerts ? h.alertsFailedRecently : h.failedRecently) += 1;
      }
      if ((m.status == "queued" || m.status == "sending") && m.attempts > 0 && m.notice == alerts) {
        ++h.alertsRetrying;
      }
      if ((m.status == "queued" || m.status == "sending") && m.createdAt < stale) {
        ++h.queuedTooLong;
      }
    }
    return h;
  }
  std::map<std::int64_t, std::string> claimUntil;
};

class ScriptedMailer final : public Mailer {
 public:
  std::vector<MailResult> script;  // answers in order; then accepted
  std::vector<std::string> delivered;
  MailResult send(const OutboxMessage& m) override {
    MailResult r = calls < script.size() ? script[calls] : MailResult{};
    ++calls;
    if (r.outcome == MailOutcome::kAccepted) {
      delivered.push_back(m.dedupeKey);
    }
    return r;
  }
  void close() override {}
  size_t calls = 0;
};

class OutboxDelivery : public ::testing::Test {
 protected:
  void queue(int n) {
    for (int i = 0; i < n; ++i) {
      OutboxMessage m;
      m.dedupeKey = "k" + std::to_string(i);
      m.nextAttemptAt = utcIso(clock_.now());
      std::vector<OutboxMessage> one{m};
      ASSERT_EQ(*store_.queue(one), 1);
    }
  }
  FakeOutbox store_;
  ScriptedMailer mailer_;
  FixedClock clock_{toSysSeconds(CivilTime{2026, 10, 16, 12, 0, 0})};
  test::FakeDstZone zone_{CivilTime{2026, 3, 8, 2}, CivilTime{2026, 11, 1, 2}};
};

TEST_F(OutboxDelivery, TransientRetriesWithBackoffPermanentFailsConnectionStops) {
  queue(4);
  mailer_.script = {{MailOutcome::kAccepted, ""},
                    {MailOutcome::kTransient, "451 later"},
                    {MailOutcome::kPermanent, "550 no such user"},
                    {MailOutcome::kConnection, "connection lost"}};
  auto r = deliverOutbox(store_, mailer_, clock_, zone_, "me");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sent, 1);
  EXPECT_EQ(r->failed, 1);
  EXPECT_EQ(r->retried, 2);
  EXPECT_EQ(r->stoppedBy, "connection lost");
  EXPECT_EQ(store_.rows[1].status, "sent");
  EXPECT_EQ(store_.rows[2].status, "queued");
  EXPECT_EQ(store_.rows[2].nextAttemptAt, utcIso(clock_.now() + Seconds{60}));
  EXPECT_EQ(store_.rows[3].status, "failed");
  EXPECT_EQ(store_.rows[3].lastError, "550 no such user");
  // Nothing is due until the backoff passes; then each goes once.
  auto again = deliverOutbox(store_, mailer_, clock_, zone_, "me");
  EXPECT_EQ(again->sent, 0);
  clock_.advance(Seconds{120});
  again = deliverOutbox(store_, mailer_, clock_, zone_, "me");
  EXPECT_EQ(again->sent, 2);
  EXPECT_EQ(mailer_.delivered, (std::vector<std::string>{"k0", "k1", "k3"}));
}

TEST_F(OutboxDelivery, BackoffDoublesToAnHourAndGivesUpInTheEnd) {
  EXPECT_EQ(retryDelay(1), Seconds{60});
  EXPECT_EQ(retryDelay(2), Seconds{120});
  EXPECT_EQ(retryDelay(6), Seconds{1920});
  EXPECT_EQ(retryDelay(7), Seconds{3600});
  EXPECT_EQ(retryDelay(29), Seconds{3600});
  queue(1);
  store_.rows[1].attempts = kMaxMailAttempts - 1;
  mailer_.script = {{MailOutcome::kTransient, "451 later"}};
  auto r = deliverOutbox(store_, mailer_, clock_, zone_, "me");
  EXPECT_EQ(r->failed, 1);
  EXPECT_NE(store_.rows[1].lastError.find("gave up"), std::string::npos);
}

TEST_F(OutboxDelivery, AMessageLeftMidSendIsFailedNeverResent) {
  queue(1);
  auto claimed = store_.claimDue(utcIso(clock_.now()), "dead", utcIso(clock_.now()), 10);
  ASSERT_EQ(claimed->size(), 1u);
  clock_.advance(Seconds{1});
  auto r = deliverOutbox(store_, mailer_, clock_, zone_, "me");
  EXPECT_EQ(r->abandoned, 1);
  EXPECT_EQ(mailer_.calls, 0u);
  EXPECT_EQ(store_.rows[1].status, "failed");
}

}  // namespace
}  // namespace patrond

namespace patrond {
namespace {

NoticeMessage printed(const std::string& site, const std::string& homeroom,
                      const std::string& student = "") {
  NoticeMessage m;
  m.site = site;
  m.homeroom = homeroom;
  if (!student.empty()) {
    m.students.push_back(NoticeStudent{student, "Last", "First", "9", "", {}, 0});
  }
  return m;
}

// issue 13: homerooms "A/B" and "A_B" printed to one file, the second overwriting the first.
TEST(BadInputPrintNames, DistinctHomeroomsPrintToDistinctSafeReadableFiles) {
  std::vector<NoticeMessage> ms{printed("LHS", "Smith 104"),
                                printed("LHS", "A/B"),
                                printed("LHS", "A_B"),
                                printed("LHS", "A\\B"),
                                printed("LHS", "A:B"),
                                printed("LHS", "A%2FB"),
                                printed("LHS", ".."),
                                printed("LHS", "../../etc/passwd"),
                                printed("LHS", "Red\x1b[31m\nX"),
                                printed("LHS", "Zoë\xc2\x9b"),
                                printed("LHS", "bad\xff"),
                                printed("LHS", "dot."),
                                printed("LHS", "SMITH 104"),
                                printed("LHS", "smith 104"),
                                printed(".hidden", "x"),
                                printed("all", ""),
                                printed("LHS", std::string(300, 'x') + "1"),
                                printed("LHS", std::string(300, 'x') + "2")};
  auto names = printFileNames(ms, false);
  ASSERT_EQ(names.size(), ms.size());
  EXPECT_EQ(names[0], "LHS-Smith 104.html");  // a plain name stays as it is
  EXPECT_EQ(names[1], "LHS-A%2FB.html");
  EXPECT_EQ(names[2], "LHS-A_B.html");
  EXPECT_EQ(names[3], "LHS-A%5CB.html");
  EXPECT_EQ(names[4], "LHS-A%3AB.html");
  EXPECT_EQ(names[5], "LHS-A%252FB.html");  // '%' itself, so "A%2FB" is not "A/B"
  EXPECT_EQ(names[7], "LHS-..%2F..%2Fetc%2Fpasswd.html");
  EXPECT_EQ(names[8], "LHS-Red%1B[31m%0AX.html");
  EXPECT_EQ(names[9], "LHS-Zoë%C2%9B.html");
  EXPECT_EQ(names[10], "LHS-bad%FF.html");
  EXPECT_EQ(names[11], "LHS-dot%2E.html");
  EXPECT_EQ(names[14], "%2Ehidden-x.html");
  std::set<std::string> folded;
  for (const auto& n : names) {
    std::string f = n;
    std::transform(f.begin(), f.end(), f.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    EXPECT_TRUE(folded.insert(f).second) << "twice: " << n;
    EXPECT_NE(f, "all.html");
    EXPECT_NE(n.front(), '.') << n;
    EXPECT_LE(n.size(), 210u) << n;
    for (char c : n) {
      auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 && u != 0x7f && c != '/' && c != '\\') << n;
    }
  }
}

TEST(BadInputPrintNames, PerStudentNamesCarryTheDistrictIdSafely) {
  auto names =
      printFileNames({printed("LHS", "Smith 104", "S1001"), printed("LHS", "Smith 104", "../S1002"),
                      printed("LHS", "Smith 104", "S1001")},
                     true);
  EXPECT_EQ(names[0], "LHS-Smith 104-S1001.html");
  EXPECT_EQ(names[1], "LHS-Smith 104-..%2FS1002.html");
  EXPECT_EQ(names[2], "LHS-Smith 104-S1001~2.html");  // never the same file twice
}

}  // namespace
}  // namespace patrond
