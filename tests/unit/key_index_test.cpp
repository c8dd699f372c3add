#include "engine/key_index.h"

#include <gtest/gtest.h>

#include <unordered_map>

namespace patrond {
namespace {

TEST(KeyIndex, InsertFindSetEraseAgainstAReferenceMap) {
  KeyIndex idx;  // no reserve: grows from nothing
  std::unordered_map<std::string, std::uint32_t> ref;
  for (std::uint32_t i = 0; i < 50000; ++i) {
    std::string k = "S" + std::to_string(i * 7919 % 100003);
    std::uint32_t stored = idx.insert(k, i);
    auto [it, inserted] = ref.emplace(k, i);
    EXPECT_EQ(stored, it->second);
  }
  EXPECT_EQ(idx.size(), ref.size());
  for (const auto& [k, v] : ref) {
    ASSERT_EQ(idx.find(k), v) << k;
  }
  EXPECT_EQ(idx.find("nope"), KeyIndex::kMissing);
  EXPECT_EQ(idx.find(""), KeyIndex::kMissing);
  idx.set("S1", 42);
  EXPECT_EQ(idx.find("S1"), 42u);
  idx.erase("S1");
  EXPECT_EQ(idx.find("S1"), KeyIndex::kMissing);
  EXPECT_EQ(idx.insert("S1", 7), 7u);  // a tombstone is reused
  EXPECT_EQ(idx.find("S1"), 7u);
}

TEST(KeyIndex, KeysDifferingOnlyInLengthOrLateBytes) {
  KeyIndex idx;
  idx.reserve(4);
  idx.insert("abcdefgh", 1);
  idx.insert("abcdefgh1", 2);
  idx.insert("abcdefgh2", 3);
  idx.insert(std::string("a\0b", 3), 4);
  idx.insert("a", 5);
  EXPECT_EQ(idx.find("abcdefgh"), 1u);
  EXPECT_EQ(idx.find("abcdefgh1"), 2u);
  EXPECT_EQ(idx.find("abcdefgh2"), 3u);
  EXPECT_EQ(idx.find(std::string("a\0b", 3)), 4u);
  EXPECT_EQ(idx.find("a"), 5u);
  EXPECT_NE(hashBytes("ab"), hashBytes("ba"));
}

}  // namespace
}  // namespace patrond
