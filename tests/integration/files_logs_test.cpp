// issue 13, findings 5, 7 and part of 8 through the real binary: what patrond creates is not
// world-readable under any umask; logging.file is one file that commands append to and only
// its size rotates; printed notices get distinct, safe file names and never write through a
// symbolic link; control characters from a CSV are escaped in text output and in the log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDay = "2026-10-16 07:00";  // a Friday

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

std::set<std::string> namesIn(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

class FilesAndLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    conf_ = fs::path(config_).parent_path();
    logDir_ = dir_.path() / "logs";
  }

  // The example configuration with logging.file in logs/ (a folder patrond creates).
  void useLogFile(const std::string& rotateSize = "10MB", int keepFiles = 10) {
    std::string yaml = test::readFile(config_);
    const std::string logging = "logging:\n  level: info\n  system: false\n";
    auto at = yaml.find(logging);
    ASSERT_NE(at, std::string::npos);
    yaml.replace(at, logging.size(),
                 logging + "  file: " + (logDir_ / "patrond.log").string() + "\n  rotate_size: " +
                     rotateSize + "\n  keep_files: " + std::to_string(keepFiles) + "\n");
    test::writeFile(config_, yaml);
  }

  // Nothing scheduled and nothing watched: the service only starts, idles and stops.
  void useQuietConfig(const std::string& rotateSize, int keepFiles) {
    test::writeFile(config_,
                    "district: {name: Test, timezone: America/Chicago}\n"
                    "database: {backend: sqlite3, connection: \"db=patrond.db\"}\n"
                    "logging:\n  level: info\n  system: false\n  file: " +
                        (logDir_ / "patrond.log").string() + "\n  rotate_size: " + rotateSize +
                        "\n  keep_files: " + std::to_string(keepFiles) +
                        "\nsites:\n"
                        "  - {code: LHS, name: Lincoln High School, type: high}\n"
                        "  - {code: JMS, name: Jefferson Middle School, type: middle}\n"
                        "  - {code: WES, name: Washington Elementary, type: elementary}\n"
                        "imports:\n"
                        "  - name: students\n"
                        "    source: {directory: sis, file: students.csv}\n"
                        "    mapping: students.mapping.yaml\n"
                        "    on_new_file: none\n");
  }

  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }

  // As from a careless shell: umask 0000 in the child before exec.
  test::CommandResult patrondUmask0(std::vector<std::string> args) {
    std::vector<std::string> argv{"/bin/sh", "-c", "umask 0000 && exec \"$0\" \"$@\"", PATROND_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(config_);
    return test::run(argv, {{"PATROND_CONFIG", ""}});
  }

  void checkout(const std::string& patron, const std::string& copy, const std::string& due) {
    auto r = patrond({"circ", "checkout", patron, copy, "--due", due, "--as-of", "2026-09-01"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }

  // Students S1001..S1003 get these homerooms (teacher e-mail kept).
  void setHomerooms(const std::string& h1, const std::string& h2, const std::string& h3) {
    std::string csv = test::readFile((conf_ / "sis/students.csv").string());
    auto replaceRoom = [&](const std::string& id, const std::string& room) {
      auto at = csv.find("\n" + id + ",");
      ASSERT_NE(at, std::string::npos);
      auto end = csv.find('\n', at + 1);
      std::string row = csv.substr(at + 1, end - at - 1);
      // StudentID,Barcode,LastName,FirstName,MiddleName,SchoolCode,Grade,GradYear,Homeroom,...
      size_t comma = 0;
      for (int k = 0; k < 8; ++k) {
        comma = row.find(',', comma) + 1;
      }
      size_t next = row.find(',', comma);
      row.replace(comma, next - comma, room);
      csv.replace(at + 1, end - at - 1, row);
    };
    replaceRoom("S1001", h1);
    replaceRoom("S1002", h2);
    replaceRoom("S1003", h3);
    test::writeFile((conf_ / "sis/students.csv").string(), csv);
  }

  void importAndLend() {
    auto imp = patrond({"import", "students"});
    ASSERT_EQ(imp.exitCode, 0) << imp.err << imp.out;
    auto items = patrond({"items", "import", (conf_ / "items/copies.csv").string()});
    ASSERT_EQ(items.exitCode, 0) << items.err;
    checkout("P1001", "T0001", "2026-10-05");
    checkout("P1002", "T0002", "2026-10-01");
    checkout("P1003", "T0004", "2026-10-01");
  }

  fs::path dayFolder() const { return conf_ / "notices/2026-10-16"; }

  test::TempDir dir_;
  std::string config_;
  fs::path conf_, logDir_;
};

// Finding 5: from a shell with umask 0000, the database, its WAL, archive copies, printed
// notices, the log and every folder patrond made were world-readable (0644/0755).
TEST_F(FilesAndLogs, BadInputUmask0000LeavesNothingWorldReadable) {
  useLogFile();
  std::set<fs::path> before;
  for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
    before.insert(e.path());
  }
  auto imp = patrondUmask0({"import", "students"});
  ASSERT_EQ(imp.exitCode, 0) << imp.err << imp.out;
  ASSERT_EQ(patrondUmask0({"items", "import", (conf_ / "items/copies.csv").string()}).exitCode, 0);
  auto lend = patrondUmask0(
      {"circ", "checkout", "P1003", "T0004", "--due", "2026-10-01", "--as-of", "2026-09-01"});
  ASSERT_EQ(lend.exitCode, 0) << lend.err;
  auto send = patrondUmask0({"notices", "send", "weekly-overdues", "--as-of", kDay});
  ASSERT_EQ(send.exitCode, 0) << send.err;
  // A long-running process too: the service's WAL stays while it runs.
  std::string out = dir_ / "service.out";
  test::Process service({"/bin/sh", "-c", "umask 0000 && exec \"$0\" \"$@\"", PATROND_BIN, "run",
                         "--config", config_},
                        out, {{"NOTIFY_SOCKET", ""}, {"PATROND_CONFIG", ""}});
  ASSERT_TRUE(test::eventually(
      [&] {
        return test::readFile((logDir_ / "patrond.log").string()).find("running:") !=
               std::string::npos;
      },
      std::chrono::seconds(20)))
      << test::readFile(out);

  std::map<std::string, int> kinds;
  std::vector<std::string> open;
  for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
    if (before.count(e.path()) > 0 || e.path() == fs::path(out)) {
      continue;
    }
    struct stat st {};
    ASSERT_EQ(::lstat(e.path().c_str(), &st), 0) << e.path();
    std::string name = e.path().filename().string();
    std::string kind = S_ISDIR(st.st_mode)                          ? "folder"
                       : name.find("patrond.db") == 0               ? "database"
                       : name.size() > 5 && name.ends_with(".html") ? "notice"
                       : name.find("patrond.log") == 0              ? "log"
                       : name.ends_with("students.csv")             ? "archive copy"
                                                                    : "other";
    ++kinds[kind];
    if ((st.st_mode & 0007) != 0) {
      std::ostringstream m;
      m << e.path().string() << " (" << kind << ") mode " << std::oct << (st.st_mode & 0777);
      open.push_back(m.str());
    }
  }
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait(std::chrono::seconds(10)), 0) << test::readFile(out);
  // Each kind was there to be checked.
  EXPECT_GE(kinds["database"], 2) << "the database and its -wal";
  EXPECT_GE(kinds["archive copy"], 1);
  EXPECT_GE(kinds["notice"], 2);
  EXPECT_EQ(kinds["log"], 1);
  EXPECT_GE(kinds["folder"], 3);  // logs/, the archive, notices/DATE
  EXPECT_TRUE(open.empty()) << [&] {
    std::string all;
    for (const auto& o : open) {
      all += o + "\n";
    }
    return all;
  }();
}

// Finding 7: each command renamed the log when it ended (Boost.Log's final rotation).
TEST_F(FilesAndLogs, BadInputCommandsAppendToOneLogFileThatNothingButSizeRotates) {
  useLogFile("10MB", 2);
  for (int i = 0; i < 4; ++i) {
    auto r = patrond({"import", "students", "--dry-run"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  ASSERT_EQ(patrond({"import", "students"}).exitCode, 0);
  EXPECT_EQ(patrond({"patrons", "list"}).exitCode, 0);
  EXPECT_EQ(namesIn(logDir_), std::set<std::string>{"patrond.log"});
  std::string log = test::readFile((logDir_ / "patrond.log").string());
  EXPECT_EQ(count(log, "import students (full, dry run"), 4u) << log;
  EXPECT_EQ(count(log, "import students run "), 5u) << log;
}

// Finding 7: the service's own lines were deleted after a few commands (keep_files counted
// processes). Now they stay, in the one file, beside every command's lines.
TEST_F(FilesAndLogs, BadInputCommandsBesideTheServiceKeepItsLines) {
  useQuietConfig("10MB", 1);
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  std::string out = dir_ / "service.out";
  std::string logFile = (logDir_ / "patrond.log").string();
  test::Process service({PATROND_BIN, "run", "--config", config_}, out,
                        {{"NOTIFY_SOCKET", ""}, {"PATROND_CONFIG", ""}});
  ASSERT_TRUE(test::eventually(
      [&] { return test::readFile(logFile).find("running: 1 import job(s)") != std::string::npos; },
      std::chrono::seconds(20)))
      << test::readFile(out);
  for (int i = 0; i < 4; ++i) {
    auto r = patrond({"import", "students"});
    EXPECT_EQ(r.exitCode, 0) << r.err;
  }
  service.signal(SIGTERM);
  ASSERT_EQ(service.wait(std::chrono::seconds(10)), 0) << test::readFile(out);
  EXPECT_EQ(namesIn(logDir_), std::set<std::string>{"patrond.log"});
  std::string log = test::readFile(logFile);
  EXPECT_EQ(count(log, "running: 1 import job(s)"), 1u) << log;
  EXPECT_EQ(count(log, "import students run "), 4u) << log;
  EXPECT_EQ(count(log, " info: stopped\n"), 1u) << log;
  EXPECT_LT(log.find("running: 1 import job(s)"), log.find("import students run ")) << log;
  EXPECT_GT(log.find(" info: stopped\n"), log.rfind("import students run ")) << log;
}

// Finding 7: size alone rotates, across processes: exactly keep_files old files, FILE.1 the
// newest, and no record is split or lost between the kept files.
TEST_F(FilesAndLogs, BadInputSizeRotationAcrossCommandsKeepsExactlyKeepFiles) {
  useQuietConfig("1KB", 2);
  ASSERT_EQ(patrond({"db", "migrate"}).exitCode, 0);
  for (int i = 0; i < 14; ++i) {
    auto r = patrond({"import", "students", "--dry-run"});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }
  EXPECT_EQ(namesIn(logDir_),
            (std::set<std::string>{"patrond.log", "patrond.log.1", "patrond.log.2"}));
  std::vector<std::string> all;
  for (const char* name : {"patrond.log.2", "patrond.log.1", "patrond.log"}) {
    std::string text = test::readFile((logDir_ / name).string());
    EXPECT_LE(text.size(), 1024u) << name;
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_EQ(text.back(), '\n') << name;
    for (auto& l : lines(text)) {
      all.push_back(l);
    }
  }
  // Each dry run logs its start and its end, in that order; the newest is in patrond.log.
  ASSERT_GE(all.size(), 4u);
  EXPECT_NE(all.back().find("import students run 0 completed"), std::string::npos) << all.back();
  for (size_t i = 0; i < all.size(); ++i) {
    bool start = all[i].find("import students (full, dry run") != std::string::npos;
    bool end = all[i].find("import students run 0 completed") != std::string::npos;
    EXPECT_TRUE(start || end) << all[i];
    if (i > 0 && end) {
      EXPECT_NE(all[i - 1].find("import students (full, dry run"), std::string::npos) << i;
    }
  }
}

// Finding 8: "A/B" and "A_B" both printed to "LHS-A_B.html"; one notice overwrote the other.
TEST_F(FilesAndLogs, BadInputHomeroomsAWithSlashAndUnderscorePrintToTwoFiles) {
  setHomerooms("A/B", "A_B", "Smith 104");
  importAndLend();
  auto r = patrond({"notices", "send", "weekly-overdues", "--as-of", kDay});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto names = namesIn(dayFolder());
  EXPECT_EQ(names, (std::set<std::string>{"LHS-A%2FB.html", "LHS-A_B.html", "LHS-Smith 104.html",
                                          "all.html"}));
  std::string slash = test::readFile((dayFolder() / "LHS-A%2FB.html").string());
  std::string underscore = test::readFile((dayFolder() / "LHS-A_B.html").string());
  EXPECT_NE(slash.find("Chloé"), std::string::npos) << slash;  // S1001, in A/B
  EXPECT_EQ(slash.find("Léa"), std::string::npos);
  EXPECT_NE(underscore.find("Léa"), std::string::npos) << underscore;  // S1002, in A_B
  EXPECT_EQ(underscore.find("Chloé"), std::string::npos);
  EXPECT_NE(r.out.find("LHS-A%2FB.html"), std::string::npos) << r.out;
}

// Finding 8: the temp file had a predictable name ("NAME.tmp") and was opened following
// symbolic links, so a planted link made patrond overwrite any file it may write.
TEST_F(FilesAndLogs, BadInputSymlinksPlantedInThePrintFolderAreNeverWrittenThrough) {
  importAndLend();
  fs::create_directories(dayFolder());
  fs::path outside = dir_.path() / "outside";
  fs::create_directories(outside);
  std::vector<std::pair<std::string, fs::path>> planted{
      {"LHS-Smith 104.html.tmp", outside / "tmp-target"},  // the old temp name
      {"LHS-Jones 210.html.tmp", outside / "missing-target"},
      {"LHS-Jones 210.html", outside / "final-target"},  // the final name
      {"all.html", outside / "all-target"}};
  for (const auto& [name, target] : planted) {
    if (target.filename() != "missing-target") {
      test::writeFile(target.string(), "untouched\n");
    }
    fs::create_symlink(target, dayFolder() / name);
  }
  auto r = patrond({"notices", "send", "weekly-overdues", "--as-of", kDay});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(namesIn(outside), (std::set<std::string>{"tmp-target", "final-target", "all-target"}));
  for (const char* f : {"tmp-target", "final-target", "all-target"}) {
    EXPECT_EQ(test::readFile((outside / f).string()), "untouched\n") << f;
  }
  for (const char* f : {"LHS-Smith 104.html", "LHS-Jones 210.html", "all.html"}) {
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(dayFolder() / f))) << f;
    EXPECT_NE(test::readFile((dayFolder() / f).string()).find("<html"), std::string::npos) << f;
  }
  // Nothing of ours is left behind: only the planted temp-name links and the notices.
  for (const auto& name : namesIn(dayFolder())) {
    EXPECT_EQ(name.find(".patrond-"), std::string::npos) << name;
  }
}

// Finding 8: a day folder that is a symbolic link to elsewhere is refused, not written into.
TEST_F(FilesAndLogs, BadInputADayFolderThatIsASymlinkIsRefused) {
  importAndLend();
  fs::path outside = dir_.path() / "outside";
  fs::create_directories(outside);
  fs::create_directories(conf_ / "notices");
  fs::create_directory_symlink(outside, dayFolder());
  auto r = patrond({"notices", "send", "weekly-overdues", "--as-of", kDay});
  EXPECT_EQ(r.exitCode, 1) << r.out;
  EXPECT_NE(r.err.find("cannot write notices into " + dayFolder().string() +
                       ": it is not a folder but a symbolic link or a file; remove it"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::is_empty(outside));
}

// Finding 8: ESC sequences and line breaks from the SIS reached the terminal raw and started
// forged records in the log.
TEST_F(FilesAndLogs, BadInputControlCharactersFromTheCsvAreEscapedInTextAndLog) {
  useLogFile();
  const std::string forged = "2026-10-16 07:00:00 error: database wiped";
  const std::string hostile = "\x1b[31mEvil\x1b[0m\n" + forged;
  std::string csv = test::readFile((conf_ / "sis/students.csv").string());
  auto at = csv.find("\nS1001,P1001,Smith,");
  ASSERT_NE(at, std::string::npos);
  csv.replace(at + 1 + std::string("S1001,P1001,").size(), 5, "\"" + hostile + "\"");
  // S1003's homeroom: no teacher, so the notice's warning names it in the log.
  at = csv.find("LHS,9,2030,Smith 104,jsmith@springfield.example.org,02/08/2012");
  ASSERT_NE(at, std::string::npos);
  csv.replace(at, std::string("LHS,9,2030,Smith 104,jsmith@springfield.example.org").size(),
              "LHS,9,2030,\"Room\x1b[2J\r\n" + forged + "\",");
  test::writeFile((conf_ / "sis/students.csv").string(), csv);
  auto imp = patrond({"import", "students"});
  ASSERT_EQ(imp.exitCode, 0) << imp.err << imp.out;

  const std::string escaped = "\\x1b[31mEvil\\x1b[0m\\n" + forged;
  auto show = patrond({"patrons", "show", "S1001"});
  ASSERT_EQ(show.exitCode, 0) << show.err;
  EXPECT_EQ(show.out.find('\x1b'), std::string::npos) << show.out;
  EXPECT_EQ(lines(show.out).front(), escaped + ", Chloé (active)") << show.out;
  EXPECT_NE(show.out.find("  last_name: " + escaped + "\n"), std::string::npos) << show.out;
  auto list = patrond({"patrons", "list", "--homeroom", "Room\x1b[2J\r\n" + forged});
  ASSERT_EQ(list.exitCode, 0) << list.err;
  EXPECT_EQ(list.out.find('\x1b'), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("Room\\x1b[2J\\r\\n" + forged + "  active\n"), std::string::npos)
      << list.out;
  EXPECT_EQ(lines(list.out).size(), 2u) << list.out;  // one patron, one count
  // JSON keeps the value exactly, escaped the JSON way.
  auto json = patrond({"patrons", "show", "S1001", "--json"});
  EXPECT_NE(json.out.find("\\u001b[31mEvil\\u001b[0m\\n" + forged), std::string::npos) << json.out;

  ASSERT_EQ(patrond({"items", "import", (conf_ / "items/copies.csv").string()}).exitCode, 0);
  checkout("P1003", "T0004", "2026-10-01");
  auto preview = patrond({"notices", "preview", "weekly-overdues", "--as-of", kDay});
  ASSERT_EQ(preview.exitCode, 0) << preview.err;
  EXPECT_EQ(preview.out.find('\x1b'), std::string::npos) << preview.out;
  EXPECT_NE(preview.out.find("==== LHS/Room\\x1b[2J\\r\\n" + forged + " ===="), std::string::npos)
      << preview.out;
  ASSERT_EQ(patrond({"notices", "send", "weekly-overdues", "--as-of", kDay}).exitCode, 0);

  std::string log = test::readFile((logDir_ / "patrond.log").string());
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << log;
  EXPECT_EQ(log.find('\r'), std::string::npos) << log;
  EXPECT_NE(log.find("homeroom LHS/Room\\x1b[2J\\r\\n" + forged + " has no teacher e-mail"),
            std::string::npos)
      << log;
  // One record, one line: every line starts with an RFC 3339 time stamp (with its offset)
  // and a level, and no line is the forged record.
  for (const auto& l : lines(log)) {
    EXPECT_TRUE(l.size() > 26 && l[4] == '-' && l[10] == 'T' && l[13] == ':' &&
                (l[19] == '-' || l[19] == '+') && l[22] == ':' && l[25] == ' ')
        << l;
    EXPECT_NE(l.rfind(forged, 0), 0u) << l;
  }
}

}  // namespace
}  // namespace patrond
