// GET /metrics and GET /health from the running service (SPEC section 11), scraped and parsed
// by the Prometheus client library's own text parser while the service runs imports.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    log_ = dir_ / "service.log";
    port_ = test::freePort();
    std::string yaml = test::readFile(config_);
    // Without the students' weekday schedule: on a weekday the slot missed in the last 24 hours
    // would run at start, and the only import these tests count is of the file they write.
    auto from = yaml.find("    schedule:\n      monday:");
    auto to = yaml.find("    on_new_file: incremental", from);
    EXPECT_TRUE(from != std::string::npos && to != std::string::npos) << yaml;
    if (from != std::string::npos && to != std::string::npos) {
      yaml.erase(from, to - from);
    }
    test::writeFile(config_,
                    yaml + "\nmonitoring:\n  metrics: 127.0.0.1:" + std::to_string(port_) + "\n");
  }
  json scrape(const std::string& path = "/metrics") {
    auto r = test::run({"/usr/bin/python3",
                        std::string(PATROND_SOURCE_DIR) + "/tests/support/scrape_metrics.py",
                        "http://127.0.0.1:" + std::to_string(port_) + path});
    last_ = r;
    if (r.exitCode != 0 || r.out.empty()) {
      return json::object();
    }
    return json::parse(r.out);
  }
  // The value of one sample, or nullopt.
  static std::optional<double> value(const json& scraped, const std::string& family,
                                     const std::map<std::string, std::string>& labels = {}) {
    if (!scraped.contains("families") || !scraped["families"].contains(family)) {
      return std::nullopt;
    }
    for (const auto& s : scraped["families"][family]["samples"]) {
      bool match = true;
      for (const auto& [k, v] : labels) {
        match = match && s["labels"].contains(k) && s["labels"][k] == v;
      }
      if (match) {
        return s["value"].get<double>();
      }
    }
    return std::nullopt;
  }
  bool logHas(const std::string& s) { return test::readFile(log_).find(s) != std::string::npos; }

  test::TempDir dir_;
  std::string config_, log_;
  int port_ = 0;
  test::CommandResult last_;
};

TEST_F(Metrics, ServedWhileTheServiceImportsAndParsedByThePrometheusParser) {
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("metrics: serving"); }, 10s))
      << test::readFile(log_);
  json first = scrape();
  ASSERT_EQ(last_.exitCode, 0) << last_.out << last_.err;
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["content_type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(value(first, "patrond_build_info", {{"version", "0.1.0"}}), 1.0);
  EXPECT_GT(value(first, "patrond_start_time_seconds").value_or(0), 1.7e9);
  // Counters are there at 0 before the first run.
  EXPECT_EQ(value(first, "patrond_job_runs", {{"job", "faculty"}, {"status", "failed"}}), 0.0)
      << last_.out.substr(0, 2000);

  // A new students file: the service imports it (settle 5 s); scrapes go on meanwhile and
  // each one parses.
  std::string sis = (dir_.path() / "conf" / "sis" / "students.csv").string();
  test::writeFile(sis, test::readFile(sis) +
                           "S9999,P9999,Zed,Zoe,,LHS,10,2029,Smith 104,,01/02/2011,,zz9999\n");
  int scrapes = 0;
  bool imported = test::eventually(
      [&] {
        json m = scrape();
        EXPECT_EQ(last_.exitCode, 0) << last_.out << last_.err;
        ++scrapes;
        // The parser names a counter's family without its _total.
        return value(m, "patrond_job_runs", {{"job", "students"}, {"status", "completed"}})
                   .value_or(0) >= 1;
      },
      40s);
  ASSERT_TRUE(imported) << test::readFile(log_);
  EXPECT_GT(scrapes, 1);
  json m = scrape();
  EXPECT_EQ(value(m, "patrond_job_last_run_status", {{"job", "students"}, {"status", "completed"}}),
            1.0);
  EXPECT_EQ(value(m, "patrond_job_last_run_status", {{"job", "students"}, {"status", "failed"}}),
            0.0);
  EXPECT_GE(
      value(m, "patrond_job_last_run_rows", {{"job", "students"}, {"kind", "read"}}).value_or(0),
      47.0);
  EXPECT_GT(value(m, "patrond_job_last_run_timestamp_seconds", {{"job", "students"}}).value_or(0),
            1.7e9);
  EXPECT_TRUE(value(m, "patrond_job_last_run_duration_seconds", {{"job", "students"}}));
  EXPECT_TRUE(value(m, "patrond_job_last_run_lifecycle_patrons",
                    {{"job", "students"}, {"action", "inactivated"}}));
  EXPECT_EQ(value(m, "patrond_database_up"), 1.0);
  EXPECT_TRUE(value(m, "patrond_outbox_messages", {{"status", "failed"}}));
  EXPECT_TRUE(value(m, "patrond_alerts_open", {{"kind", "run_failed"}}));
  EXPECT_TRUE(value(m, "patrond_sweep_failures"));
  // The sweep ran at start.
  EXPECT_TRUE(test::eventually(
      [&] { return value(scrape(), "patrond_sweep_last_lost_copies").has_value(); }, 20s));
  // Counters are typed as counters.
  EXPECT_EQ(m["families"]["patrond_job_runs"]["type"], "counter") << m.dump().substr(0, 500);

  // /health: JSON, 200 or 503 by the state, the same judgement as `patrond status`.
  auto h =
      test::run({"/usr/bin/python3", "-c",
                 "import urllib.request,urllib.error,sys\n"
                 "try:\n r=urllib.request.urlopen(sys.argv[1],timeout=5); print(r.status); "
                 "print(r.read().decode())\n"
                 "except urllib.error.HTTPError as e:\n print(e.code); print(e.read().decode())\n",
                 "http://127.0.0.1:" + std::to_string(port_) + "/health"});
  ASSERT_EQ(h.exitCode, 0) << h.err;
  std::string code = h.out.substr(0, h.out.find('\n'));
  json health = json::parse(h.out.substr(h.out.find('\n') + 1));
  std::string state = health["state"];
  EXPECT_EQ(code, state == "OK" || state == "WARNING" ? "200" : "503") << h.out;
  EXPECT_EQ(health["line"].get<std::string>().rfind("PATROND " + state, 0), 0u);

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0) << test::readFile(log_);
}

TEST_F(Metrics, APortInUseIsLoggedAndTheServiceRunsOn) {
  // Something else holds the port.
  test::Process holder({"/usr/bin/python3", "-c",
                        "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,"
                        "socket.SO_REUSEADDR,1)\ns.bind(('127.0.0.1'," +
                            std::to_string(port_) + "))\ns.listen()\ntime.sleep(30)\n"},
                       dir_ / "holder.log");
  std::this_thread::sleep_for(500ms);
  test::Process p({PATROND_BIN, "run", "--config", config_}, log_, {{"NOTIFY_SOCKET", ""}});
  ASSERT_TRUE(test::eventually([&] { return logHas("cannot listen on 127.0.0.1:"); }, 10s))
      << test::readFile(log_);
  EXPECT_TRUE(logHas("another program on that port"));
  EXPECT_TRUE(p.running());
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(5s), 0);
}

}  // namespace
}  // namespace patrond
