// The CSV reader against the csv-spectrum peer suite (../shared/peers/csv-spectrum): each
// file must give exactly the rows its JSON lists. Registered only where ../shared exists.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "adapters/files/text_file.h"
#include "engine/csv_reader.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

namespace fs = std::filesystem;

TEST(CsvSpectrum, EveryPeerCaseGivesItsExpectedRows) {
  fs::path root = CSV_SPECTRUM_DIR;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(root / "csvs")) {
    std::string name = entry.path().stem().string();
    SCOPED_TRACE(name);
    auto expected =
        nlohmann::json::parse(test::readFile((root / "json" / (name + ".json")).string()));
    auto src = files::openText(entry.path().string(), "utf-8");
    ASSERT_TRUE(src.ok());
    CsvReader reader(**src, ',');
    CsvRow row;
    std::vector<std::string> header;
    nlohmann::json actual = nlohmann::json::array();
    for (;;) {
      auto more = reader.next(row);
      ASSERT_TRUE(more.ok());
      if (!*more) {
        break;
      }
      EXPECT_FALSE(row.unterminatedQuote);
      if (header.empty()) {
        header.assign(row.fields.begin(), row.fields.end());
        continue;
      }
      nlohmann::json obj = nlohmann::json::object();
      for (size_t i = 0; i < header.size() && i < row.fields.size(); ++i) {
        obj[header[i]] = std::string(row.fields[i]);
      }
      actual.push_back(obj);
    }
    // Two known faults of the shared copy of the peer data, not of the reader:
    // - newlines_crlf.csv was stored with LF line ends, so the "\r\n" its JSON expects
    //   inside the quoted field is not in the file: compare with "\n".
    // - location_coordinates.json is a bare object and lists a phone number that is not the
    //   one in its CSV: compare the row without that column.
    if (name == "newlines_crlf" &&
        test::readFile(entry.path().string()).find('\r') == std::string::npos) {
      for (auto& obj : expected) {
        for (auto& [k, v] : obj.items()) {
          std::string t = v.get<std::string>();
          for (size_t p = t.find("\r\n"); p != std::string::npos; p = t.find("\r\n", p)) {
            t.erase(p, 1);
          }
          v = t;
        }
      }
    }
    if (name == "location_coordinates" && expected.is_object()) {
      expected = nlohmann::json::array({expected});
      for (auto* doc : {&expected, &actual}) {
        for (auto& obj : *doc) {
          obj.erase("Contact Phone Number");
        }
      }
    }
    EXPECT_EQ(actual, expected);
    ++cases;
  }
  EXPECT_GE(cases, 12);
}

}  // namespace
}  // namespace patrond
