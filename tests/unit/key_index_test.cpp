#include "engine/key_index.h"

#include <gtest/gtest.h>

#include <cstring>
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

// hashBytes as first defined, a byte at a time. Stored content hashes are built from it: a
// change of its values would make every stored patron look changed after an upgrade.
std::uint64_t referenceHash(std::string_view s, std::uint64_t seed) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = seed ^ (s.size() * kMul);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      w |= std::uint64_t{static_cast<unsigned char>(s[i + k])} << (8 * k);
    }
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  std::uint64_t tail = 0;
  for (std::size_t k = 0; i + k < s.size(); ++k) {
    tail |= std::uint64_t{static_cast<unsigned char>(s[i + k])} << (8 * k);
  }
  h = (h ^ tail) * kMul;
  h ^= h >> 32;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  return h == 0 ? 1 : h;
}

TEST(KeyIndex, HashValuesDoNotChangeForAnyLength) {
  std::string bytes;
  for (int i = 0; i < 41; ++i) {
    bytes.push_back(static_cast<char>(0x80 + i * 37));  // high bits set: no sign surprises
  }
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    for (std::uint64_t seed : {0ull, 1ull, 0xDEADBEEFCAFEF00Dull}) {
      std::string_view s(bytes.data(), n);
      ASSERT_EQ(hashBytes(s, seed), referenceHash(s, seed)) << "length " << n;
      ASSERT_EQ(hashBytes(s.substr(0, n / 2), seed), referenceHash(s.substr(0, n / 2), seed));
    }
  }
  EXPECT_EQ(hashBytes("S100042"), referenceHash("S100042", 0));
}

TEST(KeyIndex, StagedKeysBuildTheSameIndexAsInsertsInStagingOrder) {
  KeyIndex staged;
  KeyIndex inserted;
  staged.insert("already", 99);  // present before staging: stays as it is
  inserted.insert("already", 99);
  staged.reserve(100);  // fewer than staged below: build() grows the table
  std::unordered_map<std::string, std::uint32_t> ref{{"already", 99}};
  for (std::uint32_t i = 0; i < 30000; ++i) {
    // Repeated keys (every key comes back 3 times): the first value staged wins.
    std::string k = i % 5 == 4 ? std::string("already") : "K" + std::to_string(i * 7919 % 10007);
    staged.stage(k, i);
    inserted.insert(k, i);
    ref.emplace(k, i);
  }
  staged.stage("", 5);
  inserted.insert("", 5);
  ref.emplace("", 5);
  EXPECT_EQ(staged.find("K1"), KeyIndex::kMissing) << "staged keys are not found before build";
  staged.build();
  EXPECT_EQ(staged.size(), ref.size());
  EXPECT_EQ(staged.size(), inserted.size());
  for (const auto& [k, v] : ref) {
    ASSERT_EQ(staged.find(k), v) << k;
    ASSERT_EQ(inserted.find(k), v) << k;
  }
  EXPECT_EQ(staged.find("K10007"), KeyIndex::kMissing);
  // The built index goes on like any other.
  EXPECT_EQ(staged.insert("new", 1), 1u);
  EXPECT_EQ(staged.insert("K1", 2), ref["K1"]);
  staged.erase("K2");
  EXPECT_EQ(staged.find("K2"), KeyIndex::kMissing);
  staged.build();  // nothing staged: changes nothing
  EXPECT_EQ(staged.find("new"), 1u);
  EXPECT_EQ(staged.size(), ref.size() + 1);
}

TEST(KeyIndex, StagingIntoAnEmptyIndexWithoutReserve) {
  KeyIndex idx;
  idx.stage("a", 1);
  idx.stage("b", 2);
  idx.stage("a", 3);
  idx.build();
  EXPECT_EQ(idx.size(), 2u);
  EXPECT_EQ(idx.find("a"), 1u);
  EXPECT_EQ(idx.find("b"), 2u);
}

TEST(KeyIndex, StagedKeysKeptInOrderAnswerOnlyForTheirOwnPosition) {
  KeyIndex idx;
  idx.reserveStaging(3);
  idx.stage("S1", 10);
  idx.stage("S2", 11);
  idx.stage("S10", 12);
  idx.build(KeyIndex::Staged::kKeepOrder);
  EXPECT_EQ(idx.findStaged(0, "S1"), 10u);
  EXPECT_EQ(idx.findStaged(1, "S2"), 11u);
  EXPECT_EQ(idx.findStaged(2, "S10"), 12u);
  EXPECT_EQ(idx.findStaged(1, "S1"), KeyIndex::kMissing);   // another position's key
  EXPECT_EQ(idx.findStaged(2, "S1"), KeyIndex::kMissing);   // a prefix of it
  EXPECT_EQ(idx.findStaged(0, "S10"), KeyIndex::kMissing);  // longer than it
  EXPECT_EQ(idx.findStaged(3, "S1"), KeyIndex::kMissing);   // past the end
  // Keys added after the build leave the list as it was.
  EXPECT_EQ(idx.insert("S3", 13), 13u);
  EXPECT_EQ(idx.findStaged(1, "S2"), 11u);
  // set() and erase() can change what find() gives a listed key: they end the list.
  idx.set("S4", 14);
  EXPECT_EQ(idx.findStaged(0, "S1"), KeyIndex::kMissing);
  EXPECT_EQ(idx.find("S1"), 10u);
}

TEST(KeyIndex, StagedListAnswersNothingWhenFindCouldDisagree) {
  KeyIndex repeated;  // the first staged value wins in find(): the list would say otherwise
  repeated.stage("a", 1);
  repeated.stage("b", 2);
  repeated.stage("a", 3);
  repeated.build(KeyIndex::Staged::kKeepOrder);
  EXPECT_EQ(repeated.find("a"), 1u);
  EXPECT_EQ(repeated.findStaged(0, "a"), KeyIndex::kMissing);
  EXPECT_EQ(repeated.findStaged(1, "b"), KeyIndex::kMissing);
  EXPECT_EQ(repeated.findStaged(2, "a"), KeyIndex::kMissing);

  KeyIndex inserted;  // a key already in the index keeps its value
  inserted.insert("a", 7);
  inserted.stage("a", 1);
  inserted.build(KeyIndex::Staged::kKeepOrder);
  EXPECT_EQ(inserted.find("a"), 7u);
  EXPECT_EQ(inserted.findStaged(0, "a"), KeyIndex::kMissing);

  KeyIndex erased;
  erased.stage("a", 1);
  erased.build(KeyIndex::Staged::kKeepOrder);
  erased.erase("a");
  EXPECT_EQ(erased.findStaged(0, "a"), KeyIndex::kMissing);

  KeyIndex dropped;  // by default the list is not kept
  dropped.stage("a", 1);
  dropped.build();
  EXPECT_EQ(dropped.findStaged(0, "a"), KeyIndex::kMissing);

  KeyIndex restaged;  // staging again starts a new list
  restaged.stage("a", 1);
  restaged.build(KeyIndex::Staged::kKeepOrder);
  restaged.stage("b", 2);
  EXPECT_EQ(restaged.findStaged(0, "a"), KeyIndex::kMissing);
  restaged.build(KeyIndex::Staged::kKeepOrder);
  EXPECT_EQ(restaged.findStaged(0, "b"), 2u);
  EXPECT_EQ(restaged.find("a"), 1u);
}

// The slot count is not a power of two: a reserve for a million keys takes 4/3 of a million
// slots (21 MB of them), not two million (34 MB), and holds them without regrowing.
TEST(KeyIndex, ReserveGivesFourThirdsOfTheKeysInSlotsAndHoldsThemWithoutRegrowing) {
  KeyIndex idx;
  idx.reserve(1'000'000);
  EXPECT_GE(idx.capacity(), 1'333'333u);
  EXPECT_LE(idx.capacity(), 1'333'400u);
  EXPECT_GE(idx.room(), 1'000'000u);
  const std::size_t slots = idx.capacity();
  for (std::uint32_t i = 0; i < 1'000'000; ++i) {
    idx.insert("S" + std::to_string(100000 + i), i);
  }
  EXPECT_EQ(idx.capacity(), slots) << "regrew";
  for (std::uint32_t i = 0; i < 1'000'000; i += 997) {
    ASSERT_EQ(idx.find("S" + std::to_string(100000 + i)), i);
  }
  EXPECT_EQ(idx.find("S99999"), KeyIndex::kMissing);
}

// build() leaves room for 3% more keys: a run that meets a few new patrons among its stored
// ones does not regrow (which would double the slots and hold old and new at once).
TEST(KeyIndex, BuildLeavesRoomForAFewNewKeys) {
  KeyIndex idx;
  idx.reserveStaging(10'000);
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    idx.stage("P" + std::to_string(i), i);
  }
  idx.build();
  const std::size_t slots = idx.capacity();
  EXPECT_GE(idx.room(), 10'300u);
  for (std::uint32_t i = 0; i < 300; ++i) {
    idx.insert("new" + std::to_string(i), 20'000 + i);
  }
  EXPECT_EQ(idx.capacity(), slots);
  EXPECT_EQ(idx.find("P9999"), 9'999u);
  EXPECT_EQ(idx.find("new299"), 20'299u);
}

// Growing without a reserve: every key stays findable across each regrowth, at any slot count.
TEST(KeyIndex, GrowsFromNothingThroughOddSlotCounts) {
  KeyIndex idx;
  std::size_t last = 0;
  int regrowths = 0;
  for (std::uint32_t i = 0; i < 50'000; ++i) {
    idx.insert(std::to_string(i * 7919u), i);
    if (idx.capacity() != last) {
      ++regrowths;
      last = idx.capacity();
      for (std::uint32_t j = 0; j <= i; j += 101) {
        ASSERT_EQ(idx.find(std::to_string(j * 7919u)), j) << "after growing to " << last;
      }
    }
  }
  EXPECT_GT(regrowths, 5);
  EXPECT_LE(idx.size() * 4, idx.capacity() * 3);
}

}  // namespace
}  // namespace patrond
