// Administrator alerts (SPEC section 11, monitoring.alerts) through the real binary and a real
// SMTP server on loopback: an incident opened, repeated after repeat_after, and cleared, one
// e-mail each; and SMTP itself down: logged at error level, and `status` turns CRITICAL.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>

#include "tests/support/example_cli.h"
#include "tests/support/smtp_server.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class AlertsCli : public test::ExampleCli {
 protected:
  void useServer(const test::SmtpServer& server) {
    std::string yaml = test::readFile(config_);
    // Commands log to logging.file (not the terminal): the alerts' error records go there.
    auto at = yaml.find("logging:\n");
    yaml.insert(at + 9, "  file: patrond.log\n");
    yaml += "smtp:\n  host: 127.0.0.1\n  port: " + std::to_string(server.port()) +
            "\n  security: starttls\n  ca_file: " + server.caFile() +
            "\n  from: \"Springfield Libraries <library@springfield.example.org>\"\n"
            "monitoring:\n  alerts:\n    to: [it-help@springfield.example.org]\n"
            "    repeat_after: 24h\n";
    test::writeFile(config_, yaml);
  }
  json check(const char* asOf) {
    auto r = patrond({"alerts", "check", "--json", "--as-of", asOf});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    last_ = r;
    return json::parse(r.out.empty() ? "{}" : r.out)["steps"];
  }
  void deliver(const char* asOf) {
    auto r = patrond({"outbox", "deliver", "--as-of", asOf});
    last_ = r;
  }
  std::string logText() const {
    return test::readFile((dir_.path() / "conf" / "patrond.log").string());
  }
  // The message without quoted-printable soft line breaks.
  static std::string unfold(std::string m) {
    for (size_t at = m.find("=\r\n"); at != std::string::npos; at = m.find("=\r\n", at)) {
      m.erase(at, 3);
    }
    return m;
  }

  test::CommandResult last_;
};

TEST_F(AlertsCli, AnIncidentIsOpenedRepeatedAndClearedOneMessageEach) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  ASSERT_EQ(patrond({"import", "students", "--as-of", "2026-10-15 02:00"}).exitCode, 0);
  ASSERT_EQ(patrond({"import", "faculty", "--as-of", "2026-10-15 02:00"}).exitCode, 0);
  EXPECT_TRUE(check("2026-10-15 03:00").empty());

  // The 08:00 run fails: its file is missing.
  auto failed = patrond(
      {"import", "students", "--file", sis_ + "/missing.csv", "--as-of", "2026-10-15 08:00"});
  ASSERT_EQ(failed.exitCode, 1);
  auto steps = check("2026-10-15 08:05");
  ASSERT_EQ(steps.size(), 1u) << last_.out;
  EXPECT_EQ(steps[0]["step"], "opened");
  EXPECT_EQ(steps[0]["kind"], "run_failed");
  EXPECT_EQ(steps[0]["subject"], "students");
  EXPECT_NE(logText().find("alert opened: run_failed students"), std::string::npos) << logText();
  deliver("2026-10-15 08:05");
  auto mail = server.messages();
  ASSERT_EQ(mail.size(), 1u) << last_.out << last_.err;
  EXPECT_EQ(test::headerOf(mail[0], "To"), "it-help@springfield.example.org");
  EXPECT_EQ(test::headerOf(mail[0], "Subject"),
            "[patrond Springfield Unified] PROBLEM: import students: the last run failed");
  std::string body = unfold(mail[0]);
  EXPECT_NE(body.find("Since:   2026-10-15T08:05:00-05:00"), std::string::npos) << body;
  EXPECT_NE(body.find("missing.csv: cannot open"), std::string::npos) << body;
  EXPECT_NE(body.find("patrond runs --job students"), std::string::npos) << body;
  EXPECT_NE(body.find("every 1d while"), std::string::npos) << body;

  // Still failing: nothing more until repeat_after has passed.
  EXPECT_TRUE(check("2026-10-15 12:00").empty());
  EXPECT_TRUE(check("2026-10-16 08:04").empty());
  steps = check("2026-10-16 08:05");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0]["step"], "repeated");
  deliver("2026-10-16 08:05");
  mail = server.messages();
  ASSERT_EQ(mail.size(), 2u);
  EXPECT_EQ(test::headerOf(mail[1], "Subject"),
            "[patrond Springfield Unified] STILL A PROBLEM: import students: the last run failed");

  // A completed run clears it: one last message.
  ASSERT_EQ(patrond({"import", "students", "--as-of", "2026-10-16 09:00"}).exitCode, 0);
  steps = check("2026-10-16 09:01");
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0]["step"], "cleared");
  deliver("2026-10-16 09:01");
  mail = server.messages();
  ASSERT_EQ(mail.size(), 3u);
  EXPECT_EQ(test::headerOf(mail[2], "Subject"),
            "[patrond Springfield Unified] RESOLVED: import students: the last run failed");
  body = unfold(mail[2]);
  EXPECT_NE(body.find("Cleared: 2026-10-16T09:01:00-05:00"), std::string::npos) << body;
  EXPECT_TRUE(check("2026-10-16 09:30").empty());
  EXPECT_EQ(server.messages().size(), 3u);

  auto list = patrond({"alerts", "--json"});
  ASSERT_EQ(list.exitCode, 0) << list.err;
  auto incidents = json::parse(list.out);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0]["state"], "cleared");
  EXPECT_EQ(incidents[0]["opened_at"], "2026-10-15T08:05:00-05:00");
  EXPECT_EQ(incidents[0]["cleared_at"], "2026-10-16T09:01:00-05:00");
  // Alerts do not count as notices that failed, and status is healthy again.
  EXPECT_EQ(patrond({"status", "--as-of", "2026-10-16 09:30"}).exitCode, 0);
}

TEST_F(AlertsCli, AGuardThatStopsTheLifecycleIsAnIncidentOnlyWhenWanted) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  ASSERT_EQ(patrond({"import", "students", "--full", "--as-of", "2026-10-15 02:00"}).exitCode, 0);
  std::string head = test::readFile(sis_ + "/students.csv");
  std::string shortFile;
  size_t at = 0;
  for (int line = 0; line < 13; ++line) {
    at = head.find('\n', at) + 1;
  }
  test::writeFile(sis_ + "/short.csv", head.substr(0, at));
  ASSERT_EQ(patrond({"import", "students", "--full", "--file", sis_ + "/short.csv", "--as-of",
                     "2026-10-24 08:00"})
                .exitCode,
            0);
  auto steps = check("2026-10-24 08:01");
  bool guard = false;
  for (const auto& s : steps) {
    guard = guard || (s["kind"] == "guard_stopped" && s["subject"] == "students");
  }
  EXPECT_TRUE(guard) << last_.out;
  // With `on` leaving guard_stopped out, the incident clears and no new one opens.
  std::string yaml = test::readFile(config_);
  yaml += "    on: [run_failed]\n";
  test::writeFile(config_, yaml);
  steps = check("2026-10-24 08:02");
  ASSERT_EQ(steps.size(), 1u) << last_.out;
  EXPECT_EQ(steps[0]["step"], "cleared");
  EXPECT_TRUE(check("2026-10-24 08:03").empty());
}

TEST_F(AlertsCli, WhenSmtpIsDownTheAlertIsLoggedAndStatusIsCritical) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  server.stop();
  ASSERT_EQ(patrond({"import", "students", "--as-of", "2026-10-15 02:00"}).exitCode, 0);
  ASSERT_EQ(patrond({"import", "faculty", "--as-of", "2026-10-15 02:00"}).exitCode, 0);
  patrond({"import", "students", "--file", sis_ + "/missing.csv", "--as-of", "2026-10-15 08:00"});
  auto steps = check("2026-10-15 08:05");
  ASSERT_EQ(steps.size(), 1u);
  // Logged at error level, whatever happens to the e-mail.
  std::string log = logText();
  auto line = log.substr(log.find("alert opened: run_failed students") == std::string::npos
                             ? 0
                             : log.rfind('\n', log.find("alert opened: run_failed students")) + 1);
  line = line.substr(0, line.find('\n'));
  EXPECT_NE(line.find("alert opened: run_failed students"), std::string::npos) << log;
  EXPECT_NE(line.find("error"), std::string::npos) << line;
  deliver("2026-10-15 08:05");
  auto r = patrond({"status", "--as-of", "2026-10-15 08:10", "--json"});
  EXPECT_EQ(r.exitCode, 2) << r.out;
  auto j = json::parse(r.out);
  bool alerts = false;
  for (const auto& p : j["problems"]) {
    alerts = alerts || (p["subject"] == "alerts" && p["state"] == "CRITICAL");
  }
  EXPECT_TRUE(alerts) << r.out;
}

// The running service checks alerts before each outbox delivery (at start, then every
// minute), with the sources it cannot reach: a watched folder that is gone is an incident.
TEST_F(AlertsCli, TheServiceMailsASourceItCannotReach) {
  test::SmtpServer server;
  ASSERT_TRUE(server.start()) << server.error();
  useServer(server);
  std::string yaml = test::readFile(config_);
  auto at = yaml.find("directory: sis\n");
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, 15, "directory: gone\n");
  test::writeFile(config_, yaml);
  std::string log = (dir_.path() / "service.log").string();
  test::Process p({PATROND_BIN, "run", "--config", config_}, log, {{"NOTIFY_SOCKET", ""}});
  bool mailed = test::eventually(
      [&] {
        for (const auto& m : server.messages()) {
          if (test::headerOf(m, "Subject")
                  .find("PROBLEM: import students: the source cannot be "
                        "reached") != std::string::npos) {
            return true;
          }
        }
        return false;
      },
      30s);
  EXPECT_TRUE(mailed) << test::readFile(log) << logText();
  EXPECT_NE(logText().find("alert opened: source_unreachable students"), std::string::npos)
      << logText();
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

TEST_F(AlertsCli, CheckWithoutAlertsConfiguredSaysHowToSetThemUp) {
  auto r = patrond({"alerts", "check"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("monitoring"), std::string::npos) << r.err;
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  auto list = patrond({"alerts"});
  EXPECT_EQ(list.exitCode, 0) << list.err;
  EXPECT_NE(list.out.find("monitoring.alerts is not configured"), std::string::npos) << list.out;
}

}  // namespace
}  // namespace patrond
