#include "engine/key_index.h"

#include <algorithm>
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
  // The last 0 to 7 bytes, little-endian, zero-extended: read with fixed-size loads (a
  // memcpy of variable length is a library call, and most keys and fields are short).
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const std::size_t n = s.size() - i;
  std::uint64_t tail = 0;
  if (n >= 4) {
    std::uint32_t lo;
    std::uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    tail = lo | ((std::uint64_t{hi} >> (8 * (8 - n))) << 32);
  } else if (n > 0) {
    tail = std::uint64_t{p[0]} | (std::uint64_t{p[n / 2]} << (8 * (n / 2))) |
           (std::uint64_t{p[n - 1]} << (8 * (n - 1)));
  }
  h = (h ^ tail) * kMul;
  h ^= h >> 32;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

void KeyIndex::reserve(std::size_t keys) {
  reserveSlots(keys);
  if (arena_.capacity() < keys * 8) {
    arena_.reserve(keys * 8);
  }
}

void KeyIndex::reserveSlots(std::size_t keys) {
  const std::size_t want = std::max<std::size_t>(16, keys + keys / 3 + 1);  // at most 75% full
  if (want > slots_.size()) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(want, Slot{});
    for (const Slot& s : old) {
      if (s.tag != 0) {
        std::size_t i = home(hashBytes(keyAt(s.offset, s.length)));
        while (slots_[i].tag != 0) {
          i = next(i);
        }
        slots_[i] = s;
      }
    }
  }
}

void KeyIndex::grow() {
  reserve(size_ < 12 ? 12 : size_ * 2);
}

std::size_t KeyIndex::probe(std::string_view key, std::uint64_t h) const {
  std::size_t i = home(h);
  std::uint32_t tag = tagOf(h);
  for (;;) {
    const Slot& s = slots_[i];
    if (s.tag == 0 || (s.tag == tag && s.length == key.size() &&
                       std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0)) {
      return i;
    }
    i = next(i);
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
  appendKey(key);
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
  std::vector<Slot>().swap(listed_);  // may change a listed key's value
  if ((size_ + 1) * 4 > slots_.size() * 3) {
    grow();
  }
  std::uint64_t h = hashBytes(key);
  Slot& s = slots_[probe(key, h)];
  if (s.tag == 0) {
    s.tag = tagOf(h);
    s.offset = static_cast<std::uint32_t>(arena_.size());
    s.length = static_cast<std::uint32_t>(key.size());
    appendKey(key);
    ++size_;
  }
  s.value = value;
}

void KeyIndex::reserveStaging(std::size_t keys) {
  staged_.reserve(keys);
  stagedLow_.reserve(keys);
  arena_.reserve(arena_.size() + keys * 8);
}

void KeyIndex::stage(std::string_view key, std::uint32_t value, std::uint64_t hash) {
  if (!listed_.empty()) {
    std::vector<Slot>().swap(listed_);
    listedRepeats_ = false;
  }
  stagedLow_.push_back((hash << 32) | staged_.size());
  staged_.push_back(Slot{tagOf(hash), static_cast<std::uint32_t>(arena_.size()),
                         static_cast<std::uint32_t>(key.size()), value});
  appendKey(key);
}

void KeyIndex::build(Staged staged) {
  if (staged_.empty()) {
    return;
  }
  bool repeats = false;
  const std::size_t keys = size_ + staged_.size();
  reserveSlots(keys + keys / 32);  // the staged keys' bytes are in the arena already
  int bits = 0;
  while ((std::size_t{1} << bits) < slots_.size()) {
    ++bits;
  }
  // Sort by home slot (in the high word), keeping staging order among equals: a
  // least-significant-digit radix sort, 11 bits a pass.
  std::vector<std::uint64_t>& order = stagedLow_;
  for (std::uint64_t& o : order) {
    o = (std::uint64_t{home(o >> 32)} << 32) | (o & 0xFFFFFFFFu);
  }
  std::vector<std::uint64_t> scratch(order.size());
  constexpr int kDigit = 11;
  for (int shift = 32; shift < 32 + bits; shift += kDigit) {
    std::vector<std::uint32_t> start(std::size_t{1} << kDigit, 0);
    const std::uint64_t digitMask = (std::uint64_t{1} << kDigit) - 1;
    for (std::uint64_t o : order) {
      ++start[(o >> shift) & digitMask];
    }
    std::uint32_t sum = 0;
    for (std::uint32_t& c : start) {
      std::uint32_t n = c;
      c = sum;
      sum += n;
    }
    for (std::uint64_t o : order) {
      scratch[start[(o >> shift) & digitMask]++] = o;
    }
    order.swap(scratch);
  }
  for (std::uint64_t o : order) {
    const Slot& s = staged_[o & 0xFFFFFFFFu];
    std::size_t i = o >> 32;
    for (;;) {
      Slot& at = slots_[i];
      if (at.tag == 0) {
        at = s;
        ++size_;
        break;
      }
      if (at.tag == s.tag && at.length == s.length &&
          std::memcmp(arena_.data() + at.offset, arena_.data() + s.offset, s.length) == 0) {
        if (at.value == kMissing) {
          at.value = s.value;
        }
        repeats = true;
        break;  // a repeated key: the first staged value stays
      }
      i = next(i);
    }
  }
  std::vector<std::uint64_t>().swap(stagedLow_);
  if (staged == Staged::kKeepOrder) {
    listed_.swap(staged_);
    listedRepeats_ = repeats;
  }
  std::vector<Slot>().swap(staged_);
}

void KeyIndex::erase(std::string_view key) {
  std::vector<Slot>().swap(listed_);
  if (slots_.empty()) {
    return;
  }
  Slot& s = slots_[probe(key, hashBytes(key))];
  if (s.tag != 0) {
    s.value = kMissing;
  }
}

}  // namespace patrond
