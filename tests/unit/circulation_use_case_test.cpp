// Circulation use cases on the in-memory store: an items import, checkout and check-in with a
// limit refusal, and an overdue notice built from the store, queued and delivered through the
// outbox. The engine's paths end to end, without a database.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "adapters/memory/memory_store.h"
#include "engine/circulation.h"
#include "engine/display_time.h"
#include "engine/items_import.h"
#include "engine/notice_run.h"
#include "engine/notices.h"
#include "engine/outbox.h"
#include "tests/unit/recording_log.h"
#include "tests/unit/string_source.h"

namespace patrond {
namespace {

const std::string kCopiesHeader =
    "copy_barcode,title,isbn,site,purchase_price,replacement_price,condition,textbook\n";

CivilTime at(int y, int m, int d, int h = 10) {
  return CivilTime{y, m, d, h, 0, 0};
}

Patron student(const std::string& id, const std::string& last, const std::string& homeroom) {
  Patron p;
  p.get(PatronField::kDistrictId) = id;
  p.get(PatronField::kBarcode) = "P" + id;
  p.get(PatronField::kLastName) = last;
  p.get(PatronField::kFirstName) = "Zoë";
  p.get(PatronField::kSite) = "LHS";
  p.get(PatronField::kHomeroom) = homeroom;
  p.ownerJob = "students";
  p.createdAt = "2026-08-01T00:00:00";
  return p;
}

class CirculationUseCase : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = memory::openStore(memory::newDatabase());
    ASSERT_TRUE(store_->migrate());
    config_.sites = {{"LHS", "Lincoln", "high"}};
    auto& d = config_.textbookPolicies.district;
    d.loanDays = 180;
    d.maxCheckouts = 2;
    d.blockOnFinesOrOverdues = true;
    d.conditioningEnabled = true;
    d.demoteAfter = {{"new", 1}};
    config_.conditions = defaultConditions();
    std::vector<Patron> ps{student("S1", "Núñez", "Smith 104"),
                           student("S2", "Okafor", "Jones 210")};
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->insertPatrons(ps));
    ASSERT_TRUE(store_->commit());
  }

  CirculationStore& circ() { return store_->circulation(); }

  Result<ItemsImportOutcome> importCopies(const std::string& body) {
    test::StringSource src(kCopiesHeader + body, 11);
    return importItems(src, circ(), config_, at(2026, 8, 15));
  }

  void loadCopies() {
    auto r = importCopies(
        "T1,Algebra I,978-1,LHS,60.00,72.50,new,yes\n"
        "T2,Algebra I,978-1,LHS,60.00,,new,yes\n"
        "T3,Biology,978-2,LHS,80.00,,good,yes\n");
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->added, 3);
  }

  Copy copy(const std::string& barcode) {
    auto c = circ().findCopy(barcode);
    EXPECT_TRUE(c && c->has_value()) << barcode;
    return c && c->has_value() ? **c : Copy{};
  }

  std::unique_ptr<PatronStore> store_;
  Config config_;
};

TEST_F(CirculationUseCase, AnItemsImportAddsTitlesAndCopiesThenUpdatesByBarcode) {
  loadCopies();
  Copy t1 = copy("T1");
  EXPECT_EQ(t1.title, "Algebra I");
  EXPECT_EQ(t1.replacementCents, 7250);
  EXPECT_EQ(t1.purchaseCents, 6000);
  EXPECT_EQ(t1.status, "available");
  EXPECT_EQ(copy("T2").titleId, t1.titleId);  // one title for both copies
  auto again = importCopies(
      "T1,Algebra I,978-1,LHS,60.00,72.50,new,yes\n"
      "T3,Biology,978-2,LHS,85.00,,good,yes\n"
      "T4,Chemistry,978-5,LHS,90.00,,new,yes\n");
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(again->added, 1);
  EXPECT_EQ(again->updated, 1);
  EXPECT_EQ(again->unchanged, 1);
  EXPECT_EQ(copy("T3").purchaseCents, 8500);
  auto all = circ().listCopies({});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[3].barcode, "T4");
}

TEST_F(CirculationUseCase, CheckoutStopsAtTheLimitAndCheckinCountsAndDemotes) {
  loadCopies();
  auto first = checkout(circ(), config_, {"S1", "T1", std::nullopt, false}, at(2026, 9, 1));
  ASSERT_TRUE(first) << first.error().describe();
  EXPECT_TRUE(first->ok);
  EXPECT_EQ(first->due, "2027-02-28");  // 180 days
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T2", std::nullopt, false}, at(2026, 9, 1)));
  EXPECT_EQ(copy("T1").status, "checked_out");

  auto refused = checkout(circ(), config_, {"S1", "T3", std::nullopt, false}, at(2026, 9, 2));
  ASSERT_TRUE(refused) << refused.error().describe();
  EXPECT_FALSE(refused->ok);
  EXPECT_FALSE(refused->hard);
  ASSERT_EQ(refused->blocks.size(), 1u);
  EXPECT_EQ(refused->blocks[0].code, "MAX_CHECKOUTS");
  EXPECT_EQ(copy("T3").status, "available");  // a refusal changes nothing
  auto loans = circ().openLoans(first->patron.id);
  ASSERT_TRUE(loans);
  EXPECT_EQ(loans->size(), 2u);

  auto in = checkin(circ(), config_, "T1", at(2026, 9, 5));
  ASSERT_TRUE(in) << in.error().describe();
  EXPECT_TRUE(in->counted);
  EXPECT_TRUE(in->demoted);  // demote_after new: 1
  Copy t1 = copy("T1");
  EXPECT_EQ(t1.status, "available");
  EXPECT_EQ(t1.condition, "good");
  EXPECT_EQ(t1.circulations, 1);
  EXPECT_TRUE(checkout(circ(), config_, {"S1", "T3", std::nullopt, false}, at(2026, 9, 6))->ok);
  auto twice = checkin(circ(), config_, "T1", at(2026, 9, 7));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code.name(), "REFUSED");
}

// A fake SMTP server that accepts every message and keeps what it was given.
class AcceptingMailer final : public Mailer {
 public:
  MailResult send(const OutboxMessage& message) override {
    sent.push_back(message);
    return {MailOutcome::kAccepted, "250 ok"};
  }
  void close() override {}
  std::vector<OutboxMessage> sent;
};

TEST_F(CirculationUseCase, AnOverdueNoticeIsBuiltFromTheStoreQueuedOnceAndDelivered) {
  loadCopies();
  ASSERT_TRUE(checkout(circ(), config_, {"S1", "T1", at(2026, 10, 1), false}, at(2026, 9, 1)));
  ASSERT_TRUE(checkout(circ(), config_, {"S2", "T2", at(2026, 10, 30), false}, at(2026, 9, 1)));
  NoticeConfig notice;
  notice.name = "weekly";
  notice.report = NoticeReport::kOverdue;
  notice.copyTo = {"lib@example.org"};
  const CivilTime friday{2026, 10, 16};
  std::vector<NoticeRow> rows;
  ASSERT_TRUE(store_->outbox().forEachNoticeRow(noticeSelection(notice, friday),
                                                [&](const NoticeRow& r) { rows.push_back(r); }));
  Homeroom smith;
  smith.site = "LHS";
  smith.name = "Smith 104";
  smith.teacherEmail = "jsmith@example.org";
  NoticeRun run = buildNoticeRun(notice, friday, rows, {smith});
  ASSERT_EQ(run.messages.size(), 1u);  // T2 is not overdue
  const NoticeMessage& m = run.messages[0];
  ASSERT_EQ(m.students.size(), 1u);
  EXPECT_EQ(m.students[0].lastName, "Núñez");
  ASSERT_EQ(m.students[0].items.size(), 1u);
  EXPECT_EQ(m.students[0].items[0].copy, "T1");
  EXPECT_EQ(m.students[0].items[0].overdueDays, 15);

  auto message = [&] {
    OutboxMessage out;
    out.notice = run.notice;
    out.dedupeKey = m.dedupeKey;
    out.noticeDate = run.date;
    out.site = m.site;
    out.homeroom = m.homeroom;
    out.to = m.to;
    out.cc = m.cc;
    out.subject = defaultNoticeSubject(run.report, notice.sendTo);
    out.bodyText = "T1 is overdue";
    out.nextAttemptAt = "2026-10-16T12:00:00Z";
    out.createdAt = "2026-10-16T07:00:00";
    return out;
  };
  std::vector<OutboxMessage> batch{message()};
  ASSERT_EQ(*store_->outbox().queue(batch), 1);
  std::vector<OutboxMessage> again{message()};
  ASSERT_EQ(*store_->outbox().queue(again), 0);  // the same date and homeroom: queued once
  EXPECT_EQ(again[0].id, 0);

  AcceptingMailer mailer;
  FixedClock clock(*storedInstant("2026-10-16T12:00:00Z", FixedOffsetZone{}));
  auto report = deliverOutbox(store_->outbox(), mailer, clock, FixedOffsetZone{}, "test");
  ASSERT_TRUE(report) << report.error().describe();
  EXPECT_EQ(report->sent, 1);
  ASSERT_EQ(mailer.sent.size(), 1u);
  EXPECT_EQ(mailer.sent[0].to, std::vector<std::string>{"jsmith@example.org"});
  EXPECT_EQ(mailer.sent[0].cc, std::vector<std::string>{"lib@example.org"});
  auto sent = store_->outbox().list("sent", 10);
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ((*sent)[0].id, batch[0].id);
  EXPECT_EQ(store_->outbox().list("queued", 10)->size(), 0u);
}

// The notice run as a whole (engine/notice_run.h) over the memory store, with fakes for the
// templates, the print folder, Message-IDs and the mail server.
class EchoRenderer final : public NoticeRenderer {
 public:
  Result<RenderedNotice> render(const NoticeRun& run, const NoticeMessage& m) override {
    std::string items;
    for (const auto& s : m.students) {
      for (const auto& i : s.items) {
        items += i.copy + " ";
      }
    }
    return RenderedNotice{run.notice + " " + m.homeroom, items,
                          "<html><style>p{}</style><body><p>" + items + "</p></body></html>"};
  }
};

class MemoryFolder final : public PrintFolder {
 public:
  Result<void> open(const std::string& dir) override {
    opened.push_back(dir);
    return {};
  }
  Result<void> write(const std::string& name, const std::string& content) override {
    files[name] = content;
    return {};
  }
  std::vector<std::string> opened;
  std::map<std::string, std::string> files;
};

class CountingIds final : public MessageIds {
 public:
  std::string next(const std::string& date) override {
    return "<" + date + "." + std::to_string(++n) + "@test>";
  }
  int n = 0;
};

// Hands out a mailer that shares one list of sent messages, or refuses to connect.
class FakeMailServer final : public MailerFactory {
 public:
  Result<std::unique_ptr<Mailer>> open(const SmtpConfig&) override {
    ++connections;
    if (down) {
      return Error{"CONNECT", "cannot connect to mail.example.org:587: refused", ""};
    }
    return std::unique_ptr<Mailer>(new Forwarding(sent));
  }
  bool down = false;
  int connections = 0;
  std::vector<OutboxMessage> sent;

 private:
  class Forwarding final : public Mailer {
   public:
    explicit Forwarding(std::vector<OutboxMessage>& sent) : sent_(sent) {}
    MailResult send(const OutboxMessage& message) override {
      sent_.push_back(message);
      return {MailOutcome::kAccepted, "250 ok"};
    }
    void close() override {}

   private:
    std::vector<OutboxMessage>& sent_;
  };
};

class NoticeRunUseCase : public CirculationUseCase {
 protected:
  void SetUp() override {
    CirculationUseCase::SetUp();
    loadCopies();
    ASSERT_TRUE(checkout(circ(), config_, {"S1", "T1", at(2026, 10, 1), false}, at(2026, 9, 1)));
    ASSERT_TRUE(checkout(circ(), config_, {"S2", "T3", at(2026, 10, 2), false}, at(2026, 9, 1)));
    config_.homerooms = {{"LHS", "Smith 104", "jsmith@example.org", "J. Smith", {}, true}};
    config_.smtp = SmtpConfig{};
    notice_.name = "weekly";
    notice_.report = NoticeReport::kOverdue;
  }

  Result<NoticeOutcome> run(bool force = false, bool dryRun = false) {
    NoticePorts ports{*store_, store_->outbox(), renderer_, folder_, ids_,
                      mail_,   clock_,           zone_,     log_,    "test-holder"};
    return runNotice(ports, config_, notice_, friday_, force, dryRun);
  }

  const CivilTime friday_{2026, 10, 16, 7, 0, 0};
  NoticeConfig notice_;
  EchoRenderer renderer_;
  MemoryFolder folder_;
  CountingIds ids_;
  FakeMailServer mail_;
  FixedOffsetZone zone_;
  FixedClock clock_{*storedInstant("2026-10-16T07:00:00Z", FixedOffsetZone{})};
  test::RecordingLog log_;
};

TEST_F(NoticeRunUseCase, EMailIsQueuedOnceDeliveredAndAForcedRunQueuesAgain) {
  auto out = run();
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->queued, 1);  // Smith 104 has a teacher; Jones 210 has none and no fallback
  EXPECT_EQ(out->sent, 1);
  EXPECT_EQ(out->skippedDuplicates, 0);
  ASSERT_EQ(mail_.sent.size(), 1u);
  EXPECT_EQ(mail_.sent[0].to, std::vector<std::string>{"jsmith@example.org"});
  EXPECT_EQ(mail_.sent[0].messageId, "<2026-10-16.1@test>");
  EXPECT_EQ(mail_.sent[0].bodyText, "T1 ");
  EXPECT_TRUE(log_.has("homeroom LHS/Jones 210 has no teacher e-mail: not sent (no fallback_to)"));
  EXPECT_TRUE(folder_.files.empty());

  auto again = run();  // the same date: already queued, nothing new to send
  ASSERT_TRUE(again);
  EXPECT_EQ(again->queued, 0);
  EXPECT_EQ(again->skippedDuplicates, 1);
  EXPECT_EQ(mail_.sent.size(), 1u);

  auto forced = run(true);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->queued, 1);
  EXPECT_EQ(forced->sent, 1);
  EXPECT_EQ(mail_.sent.size(), 2u);
}

TEST_F(NoticeRunUseCase, ADryRunCountsWhatItWouldQueueAndWritesNothing) {
  auto out = run(false, true);
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->queued, 1);
  EXPECT_EQ(mail_.connections, 0);
  EXPECT_EQ(store_->outbox().list("", 10)->size(), 0u);
}

TEST_F(NoticeRunUseCase, AMailServerDownLeavesTheRunQueuedAndSaysWhy) {
  mail_.down = true;
  auto out = run();
  ASSERT_TRUE(out) << out.error().describe();
  EXPECT_EQ(out->queued, 1);
  EXPECT_EQ(out->sent, 0);
  EXPECT_NE(out->deliveryProblem.find("refused"), std::string::npos);
  EXPECT_EQ(store_->outbox().list("queued", 10)->size(), 1u);
  mail_.down = false;  // the service's next outbox tick delivers it
  auto report = deliverDue(store_->outbox(), mail_, config_, clock_, zone_, "test-holder", log_);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->sent, 1);
}

TEST_F(NoticeRunUseCase, PrintedNoticesAreOneFileAHomeroomAndAllHtmlNothingQueued) {
  notice_.deliver = Delivery::kPrint;
  notice_.printDir = "/var/lib/patrond/notices";
  auto out = run();
  ASSERT_TRUE(out) << out.error().describe();
  ASSERT_EQ(out->run.messages.size(), 2u);  // printed for a homeroom without a teacher too
  // The day's folder, joined with the system's separator (a backslash on Windows).
  const std::string day =
      (std::filesystem::path("/var/lib/patrond/notices") / "2026-10-16").string();
  ASSERT_EQ(folder_.opened, std::vector<std::string>{day});
  ASSERT_EQ(folder_.files.size(), 3u);
  ASSERT_EQ(folder_.files.count("all.html"), 1u);
  const std::string& all = folder_.files["all.html"];
  EXPECT_NE(all.find("<title>weekly 2026-10-16</title>"), std::string::npos);
  EXPECT_NE(all.find("<section class=\"page\">\n<p>T1 </p>"), std::string::npos);
  EXPECT_NE(all.find("<p>T3 </p>"), std::string::npos);
  EXPECT_EQ(out->files.size(), 3u);
  EXPECT_EQ(out->queued, 0);
  EXPECT_EQ(mail_.connections, 0);
  EXPECT_EQ(store_->outbox().list("", 10)->size(), 0u);
  EXPECT_TRUE(log_.has("2 notice(s) printed to /var/lib/patrond/notices/2026-10-16"));

  folder_.files.clear();
  auto dry = run(false, true);
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->files.size(), 3u);
  EXPECT_TRUE(folder_.files.empty());
}

}  // namespace
}  // namespace patrond
