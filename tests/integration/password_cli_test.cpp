// `patrond import` with passwords mapped and a bad key file (issue 13, finding 5): the run
// fails with "cannot read the password key file PATH: ...", nothing is applied, the key
// file is left as it was, and the next command works.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class PasswordCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::copyExamples(dir_);
    std::string mapping = test::readFile(dir_ / "conf/students.mapping.yaml");
    mapping.replace(mapping.find("rules:\n"), 7,
                    "rules:\n  - set: {password: \"${district_id}-start\"}\n");
    test::writeFile(dir_ / "conf/students.mapping.yaml", mapping);
    key_ = dir_ / "conf/patrond.key";
  }
  test::CommandResult patrond(std::vector<std::string> args) {
    return test::runPatrond(PATROND_BIN, config_, std::move(args));
  }
  test::CommandResult import() {
    return patrond({"import", "students", "--json", "--as-of", "2026-10-15 02:00"});
  }
  std::size_t patronCount() {
    auto r = patrond({"patrons", "list", "--json"});
    return json::parse(r.out.empty() ? "[]" : r.out).size();
  }
  // The import failed with the key file's message and applied nothing.
  void expectCannotRead(const std::string& why) {
    auto r = import();
    EXPECT_EQ(r.exitCode, 1) << "a failed run, not a crash";
    std::string all = r.out + r.err;
    EXPECT_NE(all.find("cannot read the password key file " + key_ + ": " + why), std::string::npos)
        << all;
    EXPECT_EQ(all.find("cannot create"), std::string::npos) << all;
    EXPECT_EQ(patronCount(), 0u);
  }

  test::TempDir dir_;
  std::string config_, key_;
};

TEST_F(PasswordCli, KeyFileIsCreated0600AndReusedWithTheSameKey) {
  ::umask(0);  // as a careless shell might have it
  auto r = import();
  ::umask(022);
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  struct stat st {};
  ASSERT_EQ(::stat(key_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string key = test::readFile(key_);
  EXPECT_EQ(key.size(), 32u);
  auto again = import();
  ASSERT_EQ(again.exitCode, 0) << again.out << again.err;
  EXPECT_EQ(json::parse(again.out)["counts"]["unchanged"], 43);  // the same key: same prints
  EXPECT_EQ(test::readFile(key_), key);
}

// `summary --patrons` says a password changed and never shows it, clear or hashed.
TEST_F(PasswordCli, RunPatronsSayChangedAndNeverShowThePassword) {
  ASSERT_EQ(import().exitCode, 0);
  std::string mapping = test::readFile(dir_ / "conf/students.mapping.yaml");
  mapping.replace(mapping.find("-start"), 6, "-fresh");
  test::writeFile(dir_ / "conf/students.mapping.yaml", mapping);
  auto again = patrond({"import", "students", "--json", "--as-of", "2026-10-16 02:00"});
  ASSERT_EQ(again.exitCode, 0) << again.err;
  auto run = json::parse(again.out)["run_id"].get<std::int64_t>();
  auto r = patrond({"summary", std::to_string(run), "--patrons", "--json"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_EQ(j["patrons"].size(), 43u);
  for (const auto& p : j["patrons"]) {
    EXPECT_EQ(p["action"], "updated");
    ASSERT_EQ(p["changes"].size(), 1u) << p.dump();
    EXPECT_EQ(p["changes"][0],
              json({{"field", "password"}, {"old", "changed"}, {"new", "changed"}}));
  }
  auto text = patrond({"summary", std::to_string(run), "--patrons"});
  for (const std::string& secret :
       {std::string("$argon2"), std::string("-fresh"), std::string("-start")}) {
    EXPECT_EQ(r.out.find(secret), std::string::npos) << secret;
    EXPECT_EQ(text.out.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(text.out.find(": password changed\n"), std::string::npos) << text.out;
}

// Hostile or careless input: a key file that is there but cannot be used.
class BadInputKeyFileCli : public PasswordCli {};

TEST_F(BadInputKeyFileCli, EmptyKeyFileIsCannotReadNotCannotCreate) {
  test::writeFile(key_, "");
  expectCannotRead("the file is empty");
  EXPECT_EQ(fs::file_size(key_), 0u);
}

TEST_F(BadInputKeyFileCli, TruncatedKeyFileIsCannotRead) {
  test::writeFile(key_, "0123456789");
  expectCannotRead("it holds 10 bytes; a key is at least 32");
}

TEST_F(BadInputKeyFileCli, KeyFileThatIsAFolderIsCannotRead) {
  fs::create_directory(key_);
  expectCannotRead("it is a folder, not a file");
}

}  // namespace
}  // namespace patrond
