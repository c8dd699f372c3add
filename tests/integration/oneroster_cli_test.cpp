// A OneRoster job through the real binary (SPEC section 9): check-config, a bulk import of the
// shipped sample bundle as a folder and as a zip, a delta, and a broken bundle that changes
// nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class OneRosterCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::copyExamples(dir_);
    conf_ = dir_.path() / "conf";
    config_ = (conf_ / "roster.yaml").string();
    writeConfig("oneroster");
  }
  void writeConfig(const std::string& file, const std::string& mapping = "oneroster.mapping.yaml") {
    std::ofstream(config_) << "district: {name: Springfield, timezone: America/Chicago}\n"
                              "database: {backend: sqlite3, connection: \"db=roster.db\"}\n"
                              "logging: {level: warning, system: false}\n"
                              "sites:\n"
                              "  - {code: LHS, name: Lincoln High School, type: high}\n"
                              "  - {code: JMS, name: Jefferson Middle School, type: middle}\n"
                              "  - {code: WES, name: Washington Elementary, type: elementary}\n"
                              "imports:\n"
                              "  - name: roster\n"
                              "    source: {directory: ., file: " +
                                  file +
                                  ", format: oneroster, keep_copies: 1}\n"
                                  "    mapping: " +
                                  mapping +
                                  "\n"
                                  "    lifecycle:\n"
                                  "      inactivate: {not_updated_days: 7, clear_homeroom: true, "
                                  "prefix_username: true}\n"
                                  "      max_percent: 50\n";
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }
  json importJson(const std::string& asOf = "2026-10-15 02:00") {
    last_ = patrond({"import", "roster", "--json", "--as-of", asOf});
    return json::parse(last_.out.empty() ? "{}" : last_.out);
  }
  json patron(const std::string& key) {
    auto r = patrond({"patrons", "show", key, "--json"});
    EXPECT_EQ(r.exitCode, 0) << key << r.err;
    return json::parse(r.out.empty() ? "{}" : r.out);
  }
  // The shipped sample, copied to a folder of its own, to change.
  fs::path copyBundle(const std::string& name) {
    fs::path to = conf_ / name;
    fs::copy(conf_ / "oneroster", to, fs::copy_options::recursive);
    return to;
  }

  test::TempDir dir_;
  fs::path conf_;
  std::string config_;
  test::CommandResult last_;
};

TEST_F(OneRosterCli, TheShippedBundleImportsAsAFolder) {
  auto check = patrond({"check-config"});
  ASSERT_EQ(check.exitCode, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("file oneroster (OneRoster bundle)"), std::string::npos) << check.out;
  auto source = patrond({"test-source", "roster"});
  EXPECT_EQ(source.exitCode, 0) << source.err;
  EXPECT_NE(source.out.find("OK: "), std::string::npos) << source.out;
  EXPECT_NE(source.out.find(": oneroster, "), std::string::npos) << source.out;
  auto j = importJson();
  ASSERT_EQ(last_.exitCode, 0) << last_.out << last_.err;
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["type"], "full");
  EXPECT_EQ(j["counts"]["read"], 11) << "the guardian is not a patron";
  EXPECT_EQ(j["counts"]["added"], 11);
  EXPECT_EQ(j["counts"]["errors"], 0) << j.dump();
  // keep_copies: the folder's files, copied; the older copy pruned at the next run.
  fs::path archive = conf_ / "archive" / "roster";
  EXPECT_TRUE(fs::exists(archive / "1-oneroster" / "users.csv"));
  EXPECT_EQ(importJson("2026-10-16 02:00")["counts"]["unchanged"], 11) << last_.err;
  EXPECT_FALSE(fs::exists(archive / "1-oneroster")) << "keep_copies: 1";
  EXPECT_TRUE(fs::exists(archive / "2-oneroster" / "manifest.csv"));
  auto zoe = patron("R2001");
  EXPECT_EQ(zoe["last_name"], "Núñez");
  EXPECT_EQ(zoe["site"], "LHS");
  EXPECT_EQ(zoe["grade"], "10");
  EXPECT_EQ(zoe["homeroom"], "Smith 104");
  EXPECT_EQ(zoe["homeroom_teacher_email"], "jsmith@springfield.example.org");
  EXPECT_EQ(zoe["birthdate"], "2011-02-01");
  EXPECT_EQ(zoe["email"], "znunez@students.springfield.example.org");
  EXPECT_EQ(patron("R2005")["grade"], "3");
  EXPECT_EQ(patron("R2003")["patron_type"], "Senior");
  EXPECT_EQ(patron("E101")["patron_type"], "Teacher");
  EXPECT_EQ(patron("E200")["persona"], "staff");
  auto homerooms = patrond({"homerooms", "list", "--json"});
  ASSERT_EQ(homerooms.exitCode, 0) << homerooms.err;
  bool found = false;
  for (const auto& h : json::parse(homerooms.out)) {
    if (h["name"] == "Room 3A") {
      found = true;
      EXPECT_EQ(h["teacher_email"], "cokafor@springfield.example.org");
      EXPECT_EQ(h["students"], 2);
    }
  }
  EXPECT_TRUE(found) << homerooms.out;
}

TEST_F(OneRosterCli, AZipOfTheSameBundleGivesTheSamePatrons) {
  fs::path bundle = copyBundle("zipped");
  auto zip = test::run({"/usr/bin/python3", "-c",
                        "import sys, zipfile, os\n"
                        "d = sys.argv[1]\n"
                        "with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:\n"
                        "    for n in sorted(os.listdir(d)):\n"
                        "        z.write(os.path.join(d, n), n)\n",
                        bundle.string(), (conf_ / "roster-2026-10-15.zip").string()});
  ASSERT_EQ(zip.exitCode, 0) << zip.err;
  writeConfig("roster-*.zip");
  auto source = patrond({"test-source", "roster"});
  EXPECT_EQ(source.exitCode, 0) << source.err;
  EXPECT_NE(source.out.find("roster-2026-10-15.zip"), std::string::npos) << source.out;
  auto j = importJson();
  ASSERT_EQ(last_.exitCode, 0) << last_.out << last_.err;
  EXPECT_EQ(j["counts"]["added"], 11);
  EXPECT_EQ(patron("R2006")["homeroom"], "Room 3A");
}

TEST_F(OneRosterCli, ADeltaBundleRunsIncrementalAndInactivatesTobedeleted) {
  ASSERT_EQ(importJson()["counts"]["added"], 11);
  fs::path delta = conf_ / "delta";
  fs::create_directories(delta);
  std::string manifest;
  {
    std::ifstream in(conf_ / "oneroster" / "manifest.csv");
    manifest.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (const std::string file : {"users", "enrollments"}) {
    manifest.replace(manifest.find("file." + file + ",bulk"), file.size() + 10,
                     "file." + file + ",delta");
  }
  for (const std::string file : {"demographics", "courses", "academicSessions"}) {
    manifest.replace(manifest.find("file." + file + ",bulk"), file.size() + 10,
                     "file." + file + ",absent");
  }
  std::ofstream(delta / "manifest.csv") << manifest;
  fs::copy_file(conf_ / "oneroster" / "orgs.csv", delta / "orgs.csv");
  fs::copy_file(conf_ / "oneroster" / "classes.csv", delta / "classes.csv");
  std::ofstream(delta / "users.csv")
      << "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
         "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
         "password\n"
         "st-2,active,2026-10-16T18:00:00Z,true,s-lhs,student,loneil,,Liam,O'Neill,,R2002,,,,,"
         "10,\n"
         "st-6,tobedeleted,2026-10-16T18:00:00Z,,,,,,,,,R2006,,,,,,\n";
  std::ofstream(delta / "enrollments.csv")
      << "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
         "primary,beginDate,endDate\n";
  writeConfig("delta");
  auto j = importJson("2026-10-17 02:00");
  ASSERT_EQ(last_.exitCode, 0) << last_.out << last_.err;
  EXPECT_EQ(j["type"], "incremental");
  bool said = false;  // asked for full (the default), got incremental: the summary says so
  for (const auto& m : j["messages"]) {
    said = said || m["code"] == "ONEROSTER_RUN_TYPE";
  }
  EXPECT_TRUE(said) << j.dump();
  auto text = patrond({"summary", std::to_string(j["run_id"].get<int>())});
  EXPECT_NE(text.out.find("lifecycle:   ran"), std::string::npos) << text.out;
  EXPECT_EQ(j["counts"]["updated"], 1);
  EXPECT_EQ(j["counts"]["inactivated"], 1);
  auto liam = patron("R2002");
  EXPECT_EQ(liam["last_name"], "O'Neill");
  EXPECT_EQ(liam["homeroom"], "Smith 104") << "a delta without his enrollment keeps it";
  auto ethan = patron("R2006");
  EXPECT_EQ(ethan["status"], "inactive");
  EXPECT_EQ(ethan["username"], "Inactive-eng");
}

TEST_F(OneRosterCli, ABrokenBundleFailsWithFileLineAndColumnAndChangesNothing) {
  ASSERT_EQ(importJson()["counts"]["added"], 11);
  fs::path broken = copyBundle("broken");
  {
    std::ofstream(broken / "enrollments.csv", std::ios::app)
        << "en-12,,,k-104,s-lhs,st-99,student,false,2026-08-17,2027-06-11\n";
  }
  writeConfig("broken");
  auto j = importJson("2026-10-16 02:00");
  EXPECT_EQ(last_.exitCode, 1) << last_.out << last_.err;
  EXPECT_EQ(j["status"], "failed");
  std::string text = j["messages"].back()["text"];
  EXPECT_NE(text.find("enrollments.csv line 13, column userSourcedId: no user in users.csv has "
                      "this sourcedId"),
            std::string::npos)
      << text;
  EXPECT_EQ(patron("R2001")["last_seen_at"], "2026-10-15T02:00:00-05:00") << "nothing changed";
}

TEST_F(OneRosterCli, CheckConfigNamesAColumnThatIsNotOneRosters) {
  std::ofstream(conf_ / "bad.mapping.yaml") << "header: true\n"
                                               "match_on: district_id\n"
                                               "fields:\n"
                                               "  district_id: identifier\n"
                                               "  last_name: familyNme\n"
                                               "  site: org.identifier\n";
  writeConfig("oneroster", "bad.mapping.yaml");
  auto check = patrond({"check-config"});
  EXPECT_EQ(check.exitCode, 2);
  EXPECT_NE(check.err.find("bad.mapping.yaml:5:"), std::string::npos) << check.err;
  EXPECT_NE(check.err.find("'familyNme' is not a OneRoster column"), std::string::npos)
      << check.err;
  EXPECT_NE(check.err.find("did you mean 'familyName'?"), std::string::npos) << check.err;
}

}  // namespace
}  // namespace patrond
