#include "engine/key_index.h"

#include <cstring>

namespace patrond {

std::uint64_t hashBytes(std::string_view s, std::uint64_t seed) {
  // 8 bytes at a time through a multiply-xorshift mix; good spread for short keys.
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = seed ^ (s.size() * kMul);
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * kMul;
  h ^= h >> 32;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

void KeyIndex::reserve(std::size_t keys) {
  std::size_t want = 16;
  while (want * 3 < keys * 4) {  // at most 75% full
    want <<= 1;
  }
  if (want > slots_.size()) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(want, Slot{});
    std::size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.tag != 0) {
        std::size_t i = hashBytes(keyAt(s.offset, s.length)) & mask;
        while (slots_[i].tag != 0) {
          i = (i + 1) & mask;
        }
        slots_[i] = s;
      }
    }
  }
  if (arena_.capacity() < keys * 8) {
    arena_.reserve(keys * 8);
  }
}

void KeyIndex::grow() {
  reserve(slots_.empty() ? 12 : slots_.size() * 3 / 2);
}

std::size_t KeyIndex::probe(std::string_view key, std::uint64_t h) const {
  std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  std::uint32_t tag = tagOf(h);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.tag == 0 || (s.tag == tag && s.length == key.size() &&
                       std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0)) {
      return i;
    }
    i = (i + 1) & mask;
  }
}

std::uint32_t KeyIndex::insert(std::string_view key, std::uint32_t value, std::uint64_t h) {
  if ((size_ + 1) * 4 > slots_.size() * 3) {
    grow();
  }
  Slot& s = slots_[probe(key, h)];
  if (s.tag != 0) {
    if (s.value == kMissing) {  // a tombstone for this key: reuse it
      s.value = value;
    }
    return s.value;
  }
  s.tag = tagOf(h);
  s.offset = static_cast<std::uint32_t>(arena_.size());
  s.length = static_cast<std::uint32_t>(key.size());
  s.value = value;
  arena_.append(key);
  ++size_;
  return value;
}

std::uint32_t KeyIndex::find(std::string_view key, std::uint64_t hash) const {
  if (slots_.empty()) {
    return kMissing;
  }
  const Slot& s = slots_[probe(key, hash)];
  return s.tag == 0 ? kMissing : s.value;
}

void KeyIndex::set(std::string_view key, std::uint32_t value) {
  if ((size_ + 1) * 4 > slots_.size() * 3) {
    grow();
  }
  std::uint64_t h = hashBytes(key);
  Slot& s = slots_[probe(key, h)];
  if (s.tag == 0) {
    s.tag = tagOf(h);
    s.offset = static_cast<std::uint32_t>(arena_.size());
    s.length = static_cast<std::uint32_t>(key.size());
    arena_.append(key);
    ++size_;
  }
  s.value = value;
}

void KeyIndex::erase(std::string_view key) {
  if (slots_.empty()) {
    return;
  }
  Slot& s = slots_[probe(key, hashBytes(key))];
  if (s.tag != 0) {
    s.value = kMissing;
  }
}

}  // namespace patrond
