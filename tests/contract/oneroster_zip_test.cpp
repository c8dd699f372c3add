// OneRoster bundles as real zip files and folders (adapters/bundle): the same rows either way,
// and what a hostile zip could do refused before anything is read from it.
#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>

#include "adapters/bundle/bundle_files.h"
#include "engine/oneroster.h"
#include "tests/support/oneroster_bundle.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;

// Writes `entries` (name -> content) into a new zip at `path`.
void writeZip(const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& entries) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& [name, data] : entries) {
    zip_source_t* s = zip_source_buffer(z, data.data(), data.size(), 0);
    ASSERT_NE(s, nullptr);
    ASSERT_GE(zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8), 0) << zip_strerror(z);
  }
  ASSERT_EQ(zip_close(z), 0);
}

std::vector<std::pair<std::string, std::string>> sampleEntries(const std::string& prefix = "") {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, data] : test::oneRosterSample()) {
    out.emplace_back(prefix + name, data);
  }
  return out;
}

std::string drain(ByteSource& s) {
  std::string out;
  char buf[4096];
  for (;;) {
    auto n = s.read(buf, sizeof buf);
    EXPECT_TRUE(n);
    if (!n || *n == 0) {
      return out;
    }
    out.append(buf, *n);
  }
}

Result<std::string> rowsOf(const std::string& path, const bundle::ZipLimits& limits = {}) {
  auto files = bundle::openBundle(path, limits);
  if (!files) {
    return files.error();
  }
  oneroster::ReadOptions o;
  o.today = "2026-10-15";
  auto b = oneroster::readBundle(**files, o);
  if (!b) {
    return b.error();
  }
  return drain(*b->rows);
}

class OneRosterZip : public ::testing::Test {
 protected:
  std::string path(const std::string& name) { return (fs::path(dir_.path()) / name).string(); }
  test::TempDir dir_;
};

TEST_F(OneRosterZip, AZipAZippedFolderAndAFolderGiveTheSameRows) {
  writeZip(path("flat.zip"), sampleEntries());
  writeZip(path("nested.zip"), sampleEntries("export-2026-10-15/"));
  fs::create_directories(path("folder"));
  for (const auto& [name, data] : test::oneRosterSample()) {
    std::ofstream(path("folder/" + name), std::ios::binary) << data;
  }
  auto flat = rowsOf(path("flat.zip"));
  ASSERT_TRUE(flat) << flat.error().describe();
  auto nested = rowsOf(path("nested.zip"));
  ASSERT_TRUE(nested) << nested.error().describe();
  auto folder = rowsOf(path("folder"));
  ASSERT_TRUE(folder) << folder.error().describe();
  EXPECT_EQ(*flat, *nested);
  EXPECT_EQ(*flat, *folder);
  EXPECT_NE(flat->find("Smith 104"), std::string::npos);
}

TEST_F(OneRosterZip, AByteOrderMarkIsNotData) {
  auto entries = sampleEntries();
  for (auto& [name, data] : entries) {
    data = "\xEF\xBB\xBF" + data;
  }
  writeZip(path("bom.zip"), entries);
  auto rows = rowsOf(path("bom.zip"));
  ASSERT_TRUE(rows) << rows.error().describe();
  EXPECT_EQ(rows->rfind("sourcedId,", 0), 0u);
}

TEST_F(OneRosterZip, AZipBombIsRefused) {
  auto entries = sampleEntries();
  entries.emplace_back("padding.csv", std::string(50u << 20, '0'));  // 50 MB of one byte
  writeZip(path("bomb.zip"), entries);
  EXPECT_LT(fs::file_size(path("bomb.zip")), 1u << 20);
  auto rows = rowsOf(path("bomb.zip"));
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code.name(), "FILE_REFUSED");
  EXPECT_NE(rows.error().message.find("'padding.csv' expands"), std::string::npos)
      << rows.error().message;
  EXPECT_NE(rows.error().message.find("zip bomb"), std::string::npos);
}

TEST_F(OneRosterZip, TooMuchExpandedDataOrTooManyEntriesIsRefused) {
  writeZip(path("flat.zip"), sampleEntries());
  bundle::ZipLimits small;
  small.maxExpandedBytes = 1000;
  auto big = rowsOf(path("flat.zip"), small);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("expand to more than 1000 bytes"), std::string::npos)
      << big.error().message;
  bundle::ZipLimits few;
  few.maxEntries = 3;
  auto many = rowsOf(path("flat.zip"), few);
  ASSERT_FALSE(many);
  EXPECT_NE(many.error().message.find("more than 3"), std::string::npos);
}

// libzip will not write some of these names, so a placeholder of the same length is written
// and replaced in the archive's bytes (local header and central directory), as a hand-made
// hostile zip would have them.
TEST_F(OneRosterZip, HostileNamesAreRefused) {
  const std::vector<std::string> names{"../users.csv", "/etc/cron.d/x", "a/../../b.csv",
                                       "C:/x.csv",     "bad\\name.csv", "ctl\x01.csv"};
  for (const std::string& name : names) {
    std::string placeholder(name.size(), 'Q');
    auto entries = sampleEntries();
    entries.emplace_back(placeholder, "x");
    writeZip(path("names.zip"), entries);
    std::string bytes = test::readFile(path("names.zip"));
    int replaced = 0;
    for (auto at = bytes.find(placeholder); at != std::string::npos;
         at = bytes.find(placeholder, at + 1)) {
      bytes.replace(at, name.size(), name);
      ++replaced;
    }
    ASSERT_EQ(replaced, 2) << name;
    std::ofstream(path("names.zip"), std::ios::binary | std::ios::trunc) << bytes;
    auto rows = rowsOf(path("names.zip"));
    ASSERT_FALSE(rows) << name;
    EXPECT_EQ(rows.error().code.name(), "FILE_REFUSED") << name << ": " << rows.error().describe();
  }
}

TEST_F(OneRosterZip, TwoBundlesInOneZipOrNotAZipAtAll) {
  auto entries = sampleEntries("a/");
  auto second = sampleEntries("b/");
  entries.insert(entries.end(), second.begin(), second.end());
  writeZip(path("two.zip"), entries);
  auto two = rowsOf(path("two.zip"));
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("more than one bundle"), std::string::npos);
  std::ofstream(path("junk.zip")) << "this is not a zip file";
  auto junk = rowsOf(path("junk.zip"));
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.error().message.find("cannot read the zip"), std::string::npos);
  auto missing = rowsOf(path("nowhere.zip"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code.name(), "FILE_MISSING");
}

TEST_F(OneRosterZip, AZipWithoutAManifestIsNotValid) {
  auto entries = sampleEntries();
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const auto& e) { return e.first == "manifest.csv"; }),
                entries.end());
  writeZip(path("nomanifest.zip"), entries);
  auto rows = rowsOf(path("nomanifest.zip"));
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code.name(), "ONEROSTER");
  EXPECT_NE(rows.error().message.find("no manifest.csv"), std::string::npos);
}

}  // namespace
}  // namespace patrond
