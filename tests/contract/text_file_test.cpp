// The files adapter's sources (adapters/files/text_file.h): what the import learns of a file
// before it reads it.
#include "adapters/files/text_file.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

// A file's size is its source's size hint (the import sizes its indexes from it); through
// the encodings' converters, about the size of what they give.
TEST(TextFile, ASourceHintsAtTheFilesSize) {
  test::TempDir dir;
  const std::string path = (dir.path() / "students.csv").string();
  test::writeFile(path, std::string(3000, 'a') + "\n");
  for (const char* encoding : {"utf-8", "windows-1252"}) {
    auto src = files::openText(path, encoding);
    ASSERT_TRUE(src.ok()) << encoding;
    ASSERT_TRUE((*src)->sizeHint().has_value()) << encoding;
    EXPECT_EQ(*(*src)->sizeHint(), 3001u) << encoding;
  }
  auto utf16 = files::openText(path, "utf-16");
  ASSERT_TRUE(utf16.ok());
  EXPECT_EQ((*utf16)->sizeHint().value_or(0), 1500u);
  EXPECT_FALSE(files::stringSource("a,b\n")->sizeHint().has_value());
}

}  // namespace
}  // namespace patrond
