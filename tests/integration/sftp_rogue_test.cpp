// Issue 13: a rogue or careless SFTP server. Odd names, hidden files, directories, links and
// files too large are skipped with a message naming them; the newest file that can be taken
// is imported; a download never grows beyond source.sftp.max_size, and no partial file stays.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/sftp_server.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

const std::string kOld = "ID,Last,School\nS1,Old,LHS\n";
const std::string kNew = "ID,Last,School\nS1,New,LHS\nS2,Lee,LHS\n";

class BadInputSftp : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(server_.error(), "");
    test::writeFile(dir_ / "m.yaml", "fields: {district_id: ID, last_name: Last, site: School}\n");
  }
  void config(const std::string& file, const std::string& extra = "") {
    test::writeFile(
        dir_ / "patrond.yaml",
        "district: {timezone: UTC}\nlogging: {system: false, file: " + (dir_ / "patrond.log") +
            "}\nsites:\n  - {code: LHS, name: L, type: high}\n"
            "imports:\n  - name: students\n    mapping: m.yaml\n    source:\n"
            "      file: \"" +
            file + "\"\n      sftp:\n        url: " + server_.url() + "\n        username: " +
            server_.user() + "\n        private_key: " + server_.clientKey() +
            "\n        known_hosts: " + server_.knownHosts() + "\n" + extra);
  }
  // A file on the server, `age` seconds old.
  void serve(const std::string& name, const std::string& content, int age) {
    std::string path = server_.root() + "/" + name;
    test::writeFile(path, content);
    setAge(path, age);
  }
  static void setAge(const std::string& path, int age) {
    timespec t[2];
    t[0].tv_sec = t[1].tv_sec = ::time(nullptr) - age;
    t[0].tv_nsec = t[1].tv_nsec = 0;
    ::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW);
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, dir_ / "patrond.yaml", std::move(args));
  }
  std::string lastName(const std::string& id) {
    auto r = patrond({"patrons", "show", id, "--json"});
    return r.exitCode == 0 ? json::parse(r.out)["last_name"].get<std::string>() : "";
  }
  // The log file, with any copies a rotation made of it.
  std::string log() {
    std::string all;
    for (const auto& e : fs::directory_iterator(dir_.path())) {
      std::string n = e.path().filename().string();
      if (n.rfind("patrond", 0) == 0 && e.path().extension() == ".log") {
        all += test::readFile(e.path().string());
      }
    }
    return all;
  }
  std::vector<std::string> incoming() {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_.path() / "incoming/students", ec)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  test::SftpServer server_;
  test::TempDir dir_;
};

TEST_F(BadInputSftp, NamesWithSpaceHashAndPercentAreFetched) {
  std::string name = "students 2026 #1 100%.csv";
  serve(name, kNew, 10);
  config("stud*.csv");
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out)["counts"]["added"], 2);
  EXPECT_EQ(incoming(), std::vector<std::string>{name});
  // A fixed name with the same characters too.
  config(name);
  auto t = patrond({"test-source", "students", "--json"});
  ASSERT_EQ(t.exitCode, 0) << t.err << t.out;
  EXPECT_EQ(json::parse(t.out)["file"], name);
}

TEST_F(BadInputSftp, HiddenDirectoryAndLinkMatchesAreSkippedForTheNewestRegularFile) {
  serve("students_a.csv", kNew, 100);
  // Newer, and each matching "*.csv", but none may be taken.
  serve(".students_hidden.csv", "ID,Last,School\nH1,Hidden,LHS\n", 5);
  fs::create_directory(server_.root() + "/students_dir.csv");
  setAge(server_.root() + "/students_dir.csv", 4);
  serve("../outside.csv", "ID,Last,School\nL1,Linked,LHS\n", 50);
  fs::create_symlink(fs::path(server_.root()).parent_path() / "outside.csv",
                     server_.root() + "/students_link.csv");
  setAge(server_.root() + "/students_link.csv", 3);
  config("*.csv");
  auto t = patrond({"test-source", "students", "--json"});
  ASSERT_EQ(t.exitCode, 0) << t.err << t.out;
  json j = json::parse(t.out);
  EXPECT_EQ(j["file"], "students_a.csv");
  auto skipped = j["skipped"].get<std::vector<std::string>>();
  std::sort(skipped.begin(), skipped.end());  // in the server's order
  EXPECT_EQ(json(skipped), json({"'.students_hidden.csv': the name starts with '.' (a hidden file)",
                                 "'students_dir.csv': a directory, not a regular file",
                                 "'students_link.csv': a symbolic link, not a regular file"}))
      << t.out;
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out)["counts"]["added"], 2);
  EXPECT_EQ(lastName("S1"), "New");
  EXPECT_EQ(lastName("H1"), "");
  EXPECT_EQ(lastName("L1"), "");
  EXPECT_EQ(incoming(), std::vector<std::string>{"students_a.csv"});
  EXPECT_NE(log().find("import students: skipped 'students_link.csv': a symbolic link, not a "
                       "regular file"),
            std::string::npos)
      << log();
}

TEST_F(BadInputSftp, OverSizeFileIsSkippedForTheNextNewest) {
  serve("students_1.csv", kOld, 100);
  std::string big = kNew + "S3," + std::string(200, 'x') + ",LHS\n";
  serve("students_2.csv", big, 5);
  std::string tooBig = std::to_string(big.size()) + " bytes, larger than source.sftp.max_size";
  config("stud*.csv", "        max_size: 100\n");
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(lastName("S1"), "Old");
  EXPECT_EQ(incoming(), std::vector<std::string>{"students_1.csv"});
  EXPECT_NE(log().find("skipped 'students_2.csv': " + tooBig + " (100 bytes)"), std::string::npos)
      << log();
  // Nothing left to take: the run fails and says why.
  fs::remove(server_.root() + "/students_1.csv");
  r = patrond({"import", "students", "--json"});
  EXPECT_EQ(r.exitCode, 1) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out)["status"], "failed");
  EXPECT_NE(r.out.find("no file matching stud*.csv on the server can be taken (skipped "
                       "'students_2.csv': " +
                       tooBig),
            std::string::npos)
      << r.out;
  EXPECT_EQ(lastName("S1"), "Old");
}

TEST_F(BadInputSftp, EndlessFileIsCutAtTheCapAndLeavesNoPartialFile) {
  // The server says "size 0" for a device and then sends forever: the cap stops it.
  fs::create_symlink("/dev/zero", server_.root() + "/students.csv");
  config("students.csv", "        max_size: 1MB\n");
  test::Process p({PATROND_BIN, "import", "students", "--json", "--config", dir_ / "patrond.yaml"},
                  dir_ / "import.out", {{"PATROND_CONFIG", ""}});
  int code = p.wait(60s);
  if (code == -1) {
    p.signal(SIGKILL);
    p.wait(5s);
  }
  ASSERT_EQ(code, 1) << "the download did not stop at max_size";
  std::string out = test::readFile(dir_ / "import.out");
  EXPECT_NE(out.find("'students.csv': larger than source.sftp.max_size (1048576 bytes); the "
                     "download was stopped"),
            std::string::npos)
      << out;
  EXPECT_EQ(incoming(), std::vector<std::string>{});
  EXPECT_EQ(lastName("S1"), "");
}

TEST_F(BadInputSftp, ControlCharactersInANameAreRefusedAndShownEscaped) {
  serve("students_a.csv", kOld, 100);
  serve("students_\x1b[31mred.csv", kNew, 5);
  config("stud*.csv");
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(lastName("S1"), "Old");
  EXPECT_NE(log().find("skipped 'students_\\x1b[31mred.csv': the name contains a control "
                       "character"),
            std::string::npos)
      << log();
  EXPECT_EQ(log().find('\x1b'), std::string::npos);
}

TEST_F(BadInputSftp, MaxSizeMustBeASize) {
  config("stud*.csv", "        max_size: lots\n");
  auto r = patrond({"check-config"});
  EXPECT_EQ(r.exitCode, 2) << r.err << r.out;
  EXPECT_NE(r.err.find("imports[0].source.sftp.max_size: expected a size like 500MB or 2GB"),
            std::string::npos)
      << r.err;
}

// The service polls outside the job's lease, so a command may fetch the same file at the
// same moment. Each download writes a temporary file of its own: another one in progress is
// neither removed nor written into, and only a day-old leftover of a killed process goes.
TEST_F(BadInputSftp, ADownloadInProgressElsewhereIsLeftAloneAndOldLeftoversGo) {
  serve("students.csv", kNew, 10);
  config("students.csv");
  fs::path folder = dir_.path() / "incoming/students";
  fs::create_directories(folder);
  std::string other = (folder / "students.csv.part-0123456789abcdef").string();
  std::string legacy = (folder / "students.csv.part").string();
  std::string stale = (folder / "students.csv.part-feedfacefeedface").string();
  test::writeFile(other, "ID,Last,School\nS9,Elsewhere,LHS\n");
  test::writeFile(legacy, "half");
  test::writeFile(stale, "killed");
  setAge(stale, 2 * 24 * 3600);
  auto r = patrond({"import", "students", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  EXPECT_EQ(json::parse(r.out)["counts"]["added"], 2);
  EXPECT_EQ(lastName("S1"), "New");
  EXPECT_EQ(test::readFile(other), "ID,Last,School\nS9,Elsewhere,LHS\n");
  EXPECT_EQ(test::readFile(legacy), "half");
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_EQ(test::readFile((folder / "students.csv").string()), kNew);
  EXPECT_EQ(incoming(), (std::vector<std::string>{"students.csv", "students.csv.part",
                                                  "students.csv.part-0123456789abcdef"}));
}

}  // namespace
}  // namespace patrond
