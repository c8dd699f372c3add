// Notices through the real binary against a real SMTP server on loopback (aiosmtpd with
// STARTTLS and a certificate made for the test): what teachers receive, the outbox's retries,
// and the TLS refusals (SPEC section 8, issue "Homeroom notices").
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/support/smtp_server.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kDay = "2026-10-16 07:00";  // a Friday

class NoticesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    ASSERT_EQ(patrond({"import", "students"}).exitCode, 0);
    ASSERT_EQ(patrond({"import", "faculty"}).exitCode, 0);
    ASSERT_EQ(
        patrond({"items", "import", fs::path(config_).parent_path() / "items/copies.csv"}).exitCode,
        0);
    // Smith 104: two students overdue; Jones 210: one; Moved (excluded): one.
    checkout("P1003", "T0004", "2026-10-01");
    checkout("P1001", "T0001", "2026-10-05");
    checkout("P1007", "T0003", "2026-10-02");
    checkout("P1008", "T0002", "2026-10-01");
  }

  void checkout(const std::string& patron, const std::string& copy, const std::string& due) {
    auto r = patrond({"circ", "checkout", patron, copy, "--due", due, "--as-of", "2026-09-01"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }

  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }

  // Adds the smtp section and an e-mailed overdue notice to the example configuration.
  void useServer(const test::SmtpServer& server, const std::string& security = "starttls",
                 bool trust = true) {
    std::string yaml = test::readFile(config_);
    auto at = yaml.find("notices:\n");
    ASSERT_NE(at, std::string::npos);
    yaml.insert(at + 9,
                "  - name: email-overdues\n"
                "    report: overdue\n"
                "    deliver: email\n"
                "    exclude_homerooms: [Moved]\n"
                "    copy_to: [librarian@springfield.example.org]\n"
                "    subject: \"Überfällig: {{homeroom}}\"\n");
    yaml += "smtp:\n  host: 127.0.0.1\n  port: " + std::to_string(server.port()) +
            "\n  security: " + security +
            "\n  from: \"Springfield Libraries <library@springfield.example.org>\"\n";
    if (trust) {
      yaml += "  ca_file: " + server.caFile() + "\n";
    }
    test::writeFile(config_, yaml);
  }

  // Exit 1 when nothing queued got through (every message failed or delivery stopped).
  json send(std::vector<std::string> extra = {}, int exitCode = 0) {
    std::vector<std::string> args{"notices", "send", "email-overdues", "--json", "--as-of", kDay};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = patrond(args);
    EXPECT_EQ(r.exitCode, exitCode) << r.err << r.out;
    return json::parse(r.out.empty() ? "{}" : r.out);
  }

  json outbox() {
    auto r = patrond({"outbox", "--json"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return json::parse(r.out);
  }

  static std::set<std::string> messageIds(const std::vector<std::string>& messages) {
    std::set<std::string> ids;
    for (const auto& m : messages) {
      ids.insert(test::headerOf(m, "Message-ID"));
    }
    return ids;
  }

  test::TempDir dir_;
  std::string config_;
};

TEST_F(NoticesCli, OneMessagePerTeacherWithExactlyThatHomeroomAndNeverTwiceADay) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);

  json out = send();
  EXPECT_EQ(out["queued"], 2);
  EXPECT_EQ(out["sent"], 2);
  EXPECT_EQ(out["failed"], 0);
  auto messages = server.messages();
  ASSERT_EQ(messages.size(), 2u);
  std::map<std::string, std::string> byTeacher;
  for (const auto& m : messages) {
    byTeacher[test::headerOf(m, "To")] = m;
    EXPECT_EQ(test::headerOf(m, "Cc"), "librarian@springfield.example.org");
    EXPECT_FALSE(test::headerOf(m, "Date").empty());
    EXPECT_NE(test::headerOf(m, "Message-ID").find("@springfield.example.org>"), std::string::npos);
    // UTF-8 in the subject travels as an RFC 2047 encoded word, never raw.
    EXPECT_EQ(test::headerOf(m, "Subject").rfind("=?UTF-8?B?", 0), 0u);
    EXPECT_NE(m.find("multipart/alternative"), std::string::npos);
    EXPECT_NE(m.find("text/html"), std::string::npos);
  }
  ASSERT_EQ(byTeacher.count("jsmith@springfield.example.org"), 1u);
  ASSERT_EQ(byTeacher.count("ajones@springfield.example.org"), 1u);
  const std::string& smith = byTeacher["jsmith@springfield.example.org"];
  EXPECT_NE(smith.find("T0004"), std::string::npos);
  EXPECT_NE(smith.find("T0001"), std::string::npos);
  EXPECT_EQ(smith.find("T0003"), std::string::npos);  // Jones 210's
  EXPECT_EQ(smith.find("T0002"), std::string::npos);  // Moved: excluded
  const std::string& jones = byTeacher["ajones@springfield.example.org"];
  EXPECT_NE(jones.find("T0003"), std::string::npos);
  EXPECT_EQ(jones.find("T0004"), std::string::npos);
  // Over TLS: the server saw STARTTLS before the message.
  EXPECT_NE(test::readFile(fs::path(server.caFile()).parent_path() / "spool/log.jsonl")
                .find("\"tls\": true"),
            std::string::npos);

  // The same notice the same day: nothing queued, nothing sent.
  json again = send();
  EXPECT_EQ(again["queued"], 0);
  EXPECT_EQ(again["skipped_duplicates"], 2);
  EXPECT_EQ(server.messages().size(), 2u);
  // --force sends it again on purpose.
  json forced = send({"--force"});
  EXPECT_EQ(forced["sent"], 2);
  EXPECT_EQ(server.messages().size(), 4u);
  // One form for every time (SPEC section 11): district time with its offset, whether the
  // outbox keeps it as UTC (sent_at) or as district wall clock (created_at).
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[56]:00)");
  for (const auto& m : outbox()) {
    EXPECT_EQ(m["status"], "sent");
    ASSERT_FALSE(m["sent_at"].is_null());
    EXPECT_TRUE(std::regex_match(m["sent_at"].get<std::string>(), rfc3339)) << m["sent_at"];
    EXPECT_TRUE(std::regex_match(m["created_at"].get<std::string>(), rfc3339)) << m["created_at"];
  }
}

TEST_F(NoticesCli, PreviewShowsWhatWouldGoAndChangesNothing) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  auto r = patrond({"notices", "preview", "email-overdues", "--json", "--as-of", kDay});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json p = json::parse(r.out);
  ASSERT_EQ(p["messages"].size(), 2u);
  json smith = p["messages"][1];
  EXPECT_EQ(smith["homeroom"], "Smith 104");
  EXPECT_EQ(smith["to"], json::array({"jsmith@springfield.example.org"}));
  EXPECT_EQ(smith["subject"], "Überfällig: Smith 104");
  ASSERT_EQ(smith["students"].size(), 2u);
  // Sorted by student name: Hernández before Smith.
  EXPECT_EQ(smith["students"][0]["last_name"], "Hernández");
  EXPECT_EQ(smith["students"][0]["items"][0]["overdue_days"], 15);
  EXPECT_EQ(smith["students"][1]["items"][0]["copy"], "T0001");
  EXPECT_TRUE(outbox().empty());
  EXPECT_TRUE(server.messages().empty());
  // Text mode prints the message as a teacher reads it.
  auto text =
      patrond({"notices", "preview", "email-overdues", "--homeroom", "Jones 210", "--as-of", kDay});
  EXPECT_NE(text.out.find("Dear Alice Jones,"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Brown, Jamal (grade 10)"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("Smith 104"), std::string::npos);
}

TEST_F(NoticesCli, DeferredWith451IsDeliveredOnceOnRetry) {
  test::SmtpServer server({.deferOnce = {"jsmith@springfield.example.org"}});
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  json out = send();
  EXPECT_EQ(out["queued"], 2);
  EXPECT_EQ(out["sent"], 1);
  json queued;
  for (const auto& m : outbox()) {
    if (m["status"] == "queued") {
      queued = m;
    }
  }
  ASSERT_FALSE(queued.is_null());
  EXPECT_EQ(queued["attempts"], 1);
  EXPECT_NE(queued["last_error"].get<std::string>().find("451 4.3.0"), std::string::npos);
  // The server's code is said once, not "451 451 4.3.0".
  EXPECT_EQ(queued["last_error"].get<std::string>().find("451 451"), std::string::npos)
      << queued["last_error"];
  // Not due yet: the retry waits.
  auto early = patrond({"outbox", "deliver", "--json", "--as-of", kDay});
  EXPECT_EQ(json::parse(early.out)["sent"], 0);
  auto later = patrond({"outbox", "deliver", "--json", "--as-of", "2026-10-16 07:10"});
  ASSERT_EQ(later.exitCode, 0) << later.err;
  EXPECT_EQ(json::parse(later.out)["sent"], 1);
  EXPECT_EQ(server.messages().size(), 2u);
  EXPECT_EQ(messageIds(server.messages()).size(), 2u);
  for (const auto& m : outbox()) {
    EXPECT_EQ(m["status"], "sent");
  }
}

TEST_F(NoticesCli, RejectedWith550IsFailedWithTheServersWords) {
  test::SmtpServer server({.reject = {"ajones@springfield.example.org"}});
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  json out = send();
  EXPECT_EQ(out["sent"], 1);
  EXPECT_EQ(out["failed"], 1);
  auto r = patrond({"outbox", "--status", "failed", "--json"});
  json failed = json::parse(r.out);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]["to"], json::array({"ajones@springfield.example.org"}));
  EXPECT_NE(failed[0]["last_error"].get<std::string>().find("550"), std::string::npos);
  EXPECT_NE(failed[0]["last_error"].get<std::string>().find("mailbox unavailable"),
            std::string::npos);
  // Failed for good: later deliveries leave it alone.
  patrond({"outbox", "deliver", "--as-of", "2026-10-17 07:00"});
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(NoticesCli, EveryMessageRejectedExitsOne) {
  test::SmtpServer server(
      {.reject = {"ajones@springfield.example.org", "jsmith@springfield.example.org"}});
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  auto r = patrond({"notices", "send", "email-overdues", "--json", "--as-of", kDay});
  EXPECT_EQ(r.exitCode, 1) << r.err << r.out;
  json out = json::parse(r.out);
  EXPECT_EQ(out["queued"], 2);
  EXPECT_EQ(out["sent"], 0);
  EXPECT_EQ(out["failed"], 2);
  EXPECT_NE(r.err.find("none of the 2 message(s) was sent"), std::string::npos) << r.err;
  // One of two failing is not "every": exit 0 (see RejectedWith550IsFailedWithTheServersWords).
}

TEST_F(NoticesCli, ServerKilledMidBatchTheRestGoOutAfterItReturnsNoneTwice) {
  test::SmtpServer server({.dieOnMessage = 2});
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  json out = send();
  EXPECT_EQ(out["sent"], 1);
  EXPECT_FALSE(out["delivery_problem"].is_null());
  EXPECT_EQ(server.messages().size(), 1u);
  server.stop();
  server.setOptions({});
  ASSERT_TRUE(server.start()) << server.error();
  auto later = patrond({"outbox", "deliver", "--json", "--as-of", "2026-10-16 07:10"});
  ASSERT_EQ(later.exitCode, 0) << later.err;
  EXPECT_EQ(json::parse(later.out)["sent"], 1);
  auto messages = server.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messageIds(messages).size(), 2u);
  std::set<std::string> to;
  for (const auto& m : messages) {
    to.insert(test::headerOf(m, "To"));
  }
  EXPECT_EQ(to.size(), 2u);
  patrond({"outbox", "deliver", "--as-of", "2026-10-16 08:00"});
  EXPECT_EQ(server.messages().size(), 2u);
}

TEST_F(NoticesCli, UntrustedCertificateIsRefusedAndNothingIsSent) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server, "starttls", /*trust=*/false);
  json out = send({}, 1);
  EXPECT_EQ(out["sent"], 0);
  ASSERT_FALSE(out["delivery_problem"].is_null());
  EXPECT_NE(out["delivery_problem"].get<std::string>().find("ertificate"), std::string::npos)
      << out["delivery_problem"];
  EXPECT_TRUE(server.messages().empty());
  for (const auto& m : outbox()) {
    EXPECT_EQ(m["status"], "queued");  // kept for when the certificate is fixed
  }
}

TEST_F(NoticesCli, ServerWithoutStarttlsIsRefusedWhenStarttlsIsRequired) {
  test::SmtpServer server({.starttls = false});
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  json out = send({}, 1);
  EXPECT_EQ(out["sent"], 0);
  ASSERT_FALSE(out["delivery_problem"].is_null());
  EXPECT_NE(out["delivery_problem"].get<std::string>().find("does not offer STARTTLS"),
            std::string::npos);
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(NoticesCli, ImplicitTlsWithAuthDelivers) {
  test::SmtpServer server({.tls = true, .auth = "library:s3cret pass"});
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server, "tls");
  std::string yaml = test::readFile(config_);
  test::writeFile(dir_ / "smtp.secret", "s3cret pass\n");
  yaml += "  username: library\n  password_file: " + (dir_ / "smtp.secret") + "\n";
  test::writeFile(config_, yaml);
  json out = send();
  EXPECT_EQ(out["sent"], 2) << out.dump();
  EXPECT_EQ(server.messages().size(), 2u);
}

TEST_F(NoticesCli, PrintWritesOneFilePerHomeroomAndACombinedPrintableFile) {
  auto r = patrond({"notices", "send", "weekly-overdues", "--json", "--as-of", kDay});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json out = json::parse(r.out);
  fs::path dir = fs::path(config_).parent_path() / "notices/2026-10-16";
  ASSERT_TRUE(fs::exists(dir / "LHS-Smith 104.html"));
  ASSERT_TRUE(fs::exists(dir / "LHS-Jones 210.html"));
  EXPECT_FALSE(fs::exists(dir / "LHS-Moved.html"));
  std::string all = test::readFile(dir / "all.html");
  EXPECT_NE(all.find("page-break-after: always"), std::string::npos);
  EXPECT_NE(all.find("Hernández, Jamal"), std::string::npos);
  EXPECT_NE(all.find("Brown, Jamal"), std::string::npos);
  EXPECT_EQ(out["files"].size(), 3u);
  EXPECT_TRUE(outbox().empty());
}

// The text answer names each file, says what all.html is, and says so when there is nothing.
TEST_F(NoticesCli, PrintSaysWhatEachFileIsAndWhenThereIsNothingToPrint) {
  auto dry = patrond({"notices", "send", "weekly-overdues", "--dry-run", "--as-of", kDay});
  ASSERT_EQ(dry.exitCode, 0) << dry.err;
  EXPECT_NE(dry.out.find("Would print 2 notice(s) for 2026-10-16 (nothing written):"),
            std::string::npos)
      << dry.out;
  auto r = patrond({"notices", "send", "weekly-overdues", "--as-of", kDay});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("Printed 2 notice(s) for 2026-10-16:\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LHS-Smith 104.html\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all.html  (all 2 in one file, to print at once)"), std::string::npos)
      << r.out;
  // A month earlier nothing is overdue: no files, and no list ending in a colon.
  auto none = patrond({"notices", "send", "weekly-overdues", "--as-of", "2026-09-04 07:00"});
  ASSERT_EQ(none.exitCode, 0) << none.err;
  EXPECT_NE(none.out.find("Nothing to print for 2026-09-04: nothing is selected by notice "
                          "weekly-overdues"),
            std::string::npos)
      << none.out;
  EXPECT_FALSE(fs::exists(fs::path(config_).parent_path() / "notices/2026-09-04"));
}

TEST_F(NoticesCli, TheServiceDeliversWhatStayedQueuedOnceTheServerIsBack) {
  test::SmtpServer server;
  useServer(server);  // not started: the send finds no server
  json out = send({}, 1);
  EXPECT_EQ(out["queued"], 2);
  EXPECT_EQ(out["sent"], 0);
  EXPECT_FALSE(out["delivery_problem"].is_null());
  ASSERT_TRUE(server.start()) << server.error();
  std::string log = dir_ / "service.log";
  test::Process service({PATROND_BIN, "run", "--config", config_}, log,
                        {{"NOTIFY_SOCKET", ""}, {"PATROND_CONFIG", ""}});
  EXPECT_TRUE(
      test::eventually([&] { return server.messages().size() == 2; }, std::chrono::seconds(20)))
      << test::readFile(log);
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait(std::chrono::seconds(10)), 0);
  EXPECT_EQ(server.messages().size(), 2u);
  for (const auto& m : outbox()) {
    EXPECT_EQ(m["status"], "sent");
  }
}

TEST_F(NoticesCli, UnknownNoticeAndBrokenTemplateAreUsageErrorsThatChangeNothing) {
  auto unknown = patrond({"notices", "send", "no-such-notice", "--as-of", kDay});
  EXPECT_EQ(unknown.exitCode, 2);
  EXPECT_NE(unknown.err.find("no notice named 'no-such-notice'"), std::string::npos);
  EXPECT_NE(unknown.err.find("weekly-overdues"), std::string::npos);  // what there is
  EXPECT_EQ(patrond({"notices", "preview", "no-such-notice"}).exitCode, 2);

  // An unclosed section: every command refuses the configuration and names the file.
  std::string tmpl = (fs::path(config_).parent_path() / "broken.html.tmpl").string();
  test::writeFile(tmpl, "<p>{{#students}}{{last_name}}</p>\n");
  std::string yaml = test::readFile(config_);
  auto at = yaml.find("    subject: \"Overdue books for {{homeroom}}\"\n");
  ASSERT_NE(at, std::string::npos);
  yaml.insert(at, "    template: broken.html.tmpl\n");
  test::writeFile(config_, yaml);
  auto check = patrond({"check-config"});
  EXPECT_EQ(check.exitCode, 2);
  EXPECT_NE(check.err.find("broken.html.tmpl"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("weekly-overdues"), std::string::npos) << check.err;
  auto send = patrond({"notices", "send", "weekly-overdues", "--as-of", kDay});
  EXPECT_EQ(send.exitCode, 2);
  EXPECT_FALSE(fs::exists(fs::path(config_).parent_path() / "notices/2026-10-16"));
  // A template fixed: it is used for the HTML part.
  test::writeFile(tmpl, "<p>{{#students}}{{last_name}} {{/students}}</p>\n");
  auto preview = patrond({"notices", "preview", "weekly-overdues", "--json", "--as-of", kDay});
  ASSERT_EQ(preview.exitCode, 0) << preview.err;
  json p = json::parse(preview.out);
  EXPECT_EQ(p["messages"][0]["html"], "<p>Brown </p>\n");
}

TEST_F(NoticesCli, DryRunCountsWhatWouldBeQueuedAndSendsNothing) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  json dry = send({"--dry-run"});
  EXPECT_EQ(dry["queued"], 2);
  EXPECT_EQ(dry["sent"], 0);
  EXPECT_TRUE(outbox().empty());
  EXPECT_TRUE(server.messages().empty());
  send();
  json after = send({"--dry-run"});
  EXPECT_EQ(after["queued"], 0);
  EXPECT_EQ(after["skipped_duplicates"], 2);
  auto bad = patrond({"outbox", "--status", "lost"});
  EXPECT_EQ(bad.exitCode, 2);
}

}  // namespace
}  // namespace patrond
