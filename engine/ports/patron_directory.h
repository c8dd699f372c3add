#pragma once
// Port: looking patrons up (the `patrons` commands, notices, reports). Reads only. One thread
// at a time, like every store port.

#include <cstdint>
#include <functional>
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
  // Every patron the filter selects, by last name, first name, id, one at a time: no vector of
  // every patron (`patrons list` over a million). Each backend reads the rows as they come
  // (SQLite's steps, PostgreSQL's single-row mode, a MariaDB statement fetched row by row), so
  // memory stays flat. If `each` throws, the listing stops (on PostgreSQL the query is
  // cancelled, which aborts a transaction it runs in) and the error is returned. The patron passed
  // is valid only during the call (an adapter may reuse it for the next row); `each` must not call
  // the store (a statement is open, or the store's lock is held).
  virtual Result<void> forEachPatron(const PatronFilter& filter,
                                     const std::function<void(const Patron&)>& each) = 0;
  // The same patrons gathered in a vector: for the few (a homeroom, a test).
  Result<std::vector<Patron>> listPatrons(const PatronFilter& filter) {
    std::vector<Patron> out;
    auto done = forEachPatron(filter, [&out](const Patron& p) { out.push_back(p); });
    if (!done) {
      return done.error();
    }
    return out;
  }
  virtual Result<std::int64_t> countPatrons(const PatronFilter& filter) = 0;
  // At least the number of stored patrons, found without counting them (the span of their
  // ids): for sizing an import's memory before its key scan. Far above the count when ids
  // are sparse; the count itself where no cheaper bound is known.
  virtual Result<std::int64_t> patronCountBound() { return countPatrons({}); }
};

}  // namespace patrond
