#pragma once
// A compact hash map from short strings (patron keys, barcodes) to 32-bit values, for the
// million-patron indexes an import builds. Keys are copied into one arena; slots are open
// addressed with linear probing, so a lookup touches one or two cache lines instead of a
// chain of heap nodes. The slot count is not a power of two: a key's home slot is its hash
// scaled to the count (Lemire's multiply-shift), so reserve(n) gives n / 0.75 slots, not the
// next power of two above (a million keys: 1.33M slots, 21 MB, instead of 2M, 34 MB). Not
// thread-safe; values are never removed (erase marks a tombstone).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/prefetch.h"

namespace patrond {

std::uint64_t hashBytes(std::string_view s, std::uint64_t seed = 0);

class KeyIndex {
 public:
  static constexpr std::uint32_t kMissing = 0xFFFFFFFFu;

  // Room for `keys` keys in all (stored and staged) without regrowing: slots and key bytes.
  void reserve(std::size_t keys);
  // Inserts key -> value unless present; returns the stored value (the old one if present).
  std::uint32_t insert(std::string_view key, std::uint32_t value) {
    return insert(key, value, hashBytes(key));
  }
  std::uint32_t insert(std::string_view key, std::uint32_t value, std::uint64_t hash);
  std::uint32_t find(std::string_view key) const { return find(key, hashBytes(key)); }
  // The same with the key's hashBytes() already known (computed on another thread).
  std::uint32_t find(std::string_view key, std::uint64_t hash) const;
  // Hints that the key with this hash is looked up soon: its slot is fetched into the cache.
  // (An empty index prefetches its null data(): harmless.)
  void prefetch(std::uint64_t hash) const { prefetchRead(slots_.data() + home(hash)); }
  void set(std::string_view key, std::uint32_t value);  // insert or overwrite

  // Bulk loading, for the stored keys a run starts from. Keys given to stage() are held aside
  // and placed by build() in the order of their home slots, so the slot array is written
  // front to back: a million inserts at random slots each wait on a cache miss (~170 ns on
  // the benchmark machine), placed in order they take a few ns. The result is the same as
  // inserting the staged keys in staging order (the first value of a repeated key wins);
  // build() leaves room for 3% more keys, so a few new ones do not regrow the slots.
  // find() does not see staged keys until build(); insert() and set() must not be called
  // between stage() and build().
  void reserveStaging(std::size_t keys);  // room to stage this many without regrowing
  void stage(std::string_view key, std::uint32_t value, std::uint64_t hash);
  void stage(std::string_view key, std::uint32_t value) { stage(key, value, hashBytes(key)); }
  // With kKeepOrder the staged keys stay listed, in staging order, until the next stage():
  // a caller that meets keys in about the order it staged them (a file in the order its
  // patrons were stored) tries the next one with findStaged(), reading memory front to back,
  // before find() goes to a random slot.
  enum class Staged { kDrop, kKeepOrder };
  void build(Staged staged = Staged::kDrop);
  // The value staged with the i-th staged key, if that key is `key` and no key was staged
  // twice (so the value is the one find() gives); kMissing otherwise. set() and erase() end
  // the list.
  std::uint32_t findStaged(std::size_t i, std::string_view key) const {
    if (i >= listed_.size() || listedRepeats_) {
      return kMissing;
    }
    const Slot& s = listed_[i];
    return s.length == key.size() &&
                   std::memcmp(arena_.data() + s.offset, key.data(), s.length) == 0
               ? s.value
               : kMissing;
  }
  void erase(std::string_view key);
  std::size_t size() const { return size_; }
  std::string_view keyAt(std::uint32_t offset, std::uint32_t length) const {
    return {arena_.data() + offset, length};
  }
  // The number of slots (for tests and the memory figures).
  std::size_t capacity() const { return slots_.size(); }
  // How many keys it holds in all before it regrows.
  std::size_t room() const { return slots_.size() * 3 / 4; }

 private:
  // 16 bytes: a million keys need 21 MB of slots (1.33M) plus the key bytes.
  struct Slot {
    std::uint32_t tag = 0;     // high bits of the hash; 0: empty
    std::uint32_t offset = 0;  // into arena_
    std::uint32_t length = 0;
    std::uint32_t value = kMissing;
  };
  static std::uint32_t tagOf(std::uint64_t h) {
    auto t = static_cast<std::uint32_t>(h >> 32);
    return t == 0 ? 1 : t;
  }
  // The home slot: the low 32 bits of the hash scaled to the slot count.
  std::size_t home(std::uint64_t h) const {
    return static_cast<std::size_t>(((h & 0xFFFFFFFFu) * slots_.size()) >> 32);
  }
  std::size_t next(std::size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
  void appendKey(std::string_view key) { arena_.insert(arena_.end(), key.begin(), key.end()); }
  std::size_t probe(std::string_view key, std::uint64_t h) const;
  void reserveSlots(std::size_t keys);
  void grow();

  std::vector<Slot> slots_;
  std::vector<Slot> staged_;              // tag, offset, length and value of each staged key
  std::vector<std::uint64_t> stagedLow_;  // low 32 bits of its hash << 32 | its staging index
  std::vector<Slot> listed_;              // the staged keys after build(kKeepOrder)
  bool listedRepeats_ = false;            // some key of listed_ was staged twice
  std::vector<char> arena_;  // a vector: reserve() gives what is asked, a string may double it
  std::size_t size_ = 0;
};

}  // namespace patrond
