#pragma once
// Port: looking patrons up (the `patrons` commands, notices, reports). Reads only. One thread
// at a time, like every store port.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/patron.h"
#include "engine/result.h"

namespace patrond {

struct PatronFilter {
  std::string site, homeroom, patronType;
  std::optional<PatronStatus> status;
  std::string ownerJob;
  std::int64_t limit = 0;  // 0: all
};

class PatronDirectory {
 public:
  virtual ~PatronDirectory() = default;

  virtual Result<std::optional<Patron>> findPatron(const std::string& districtIdOrBarcode) = 0;
  virtual Result<std::vector<Patron>> listPatrons(const PatronFilter& filter) = 0;
  virtual Result<std::int64_t> countPatrons(const PatronFilter& filter) = 0;
  // At least the number of stored patrons, found without counting them (the span of their
  // ids): for sizing an import's memory before its key scan. Far above the count when ids
  // are sparse; the count itself where no cheaper bound is known.
  virtual Result<std::int64_t> patronCountBound() { return countPatrons({}); }
};

}  // namespace patrond
