#pragma once
// The lifecycle's rules for what a patron becomes when it leaves (SPEC section 5): the
// "Inactive-" username prefix an inactivation adds and a reactivation takes off, and the
// record kept in the archive (deleted_patrons.record) when a patron is deleted. The store
// applies them; they live here so every store applies the same ones. Pure; any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/patron.h"

namespace patrond {

inline constexpr std::string_view kInactivePrefix = "Inactive-";

// Whether `username` carries the prefix. Exact case: "inactive-bob" is a name of its own.
bool hasInactivePrefix(std::string_view username);

// The username an inactivation with prefix_username leaves: "Inactive-" + username, or the
// username unchanged when it is empty or already prefixed (never "Inactive-Inactive-").
std::string inactiveUsername(std::string_view username);

// The username a reactivation leaves: the prefix taken off once, anything else unchanged.
std::string activeUsername(std::string_view username);

// The content hash a patron keeps when its homeroom pin is released: the row's part is
// forgotten ("0", which no row hashes to in practice), so the next import, full or
// incremental, writes the SIS values again; a password's fingerprint (":PRINT") is kept, so
// an unchanged password is not hashed again.
std::string releasedContentHash(std::string_view contentHash);

// A value of an archive record: text or a whole number.
using ArchiveValue = std::variant<std::string, std::int64_t>;
// Named values, in the order they are given.
using ArchiveFields = std::vector<std::pair<std::string, ArchiveValue>>;

struct ArchivedLoan {  // an open loan of the deleted patron
  std::int64_t loanId = 0;
  std::string copyBarcode, checkedOutAt, due;
};

struct ArchivedFine {  // a fine of the deleted patron, paid or not
  std::int64_t fineId = 0, amountCents = 0, paidCents = 0;
  std::string reason, createdAt;
};

// What the archive keeps of a deleted patron: `fields` (every patron field but the password
// hash, then status, owner_job, last_seen_at, inactive_since) and named lists of records
// ("loans", "fines"). A store writes it as one JSON object.
struct ArchiveRecord {
  ArchiveFields fields;
  std::vector<std::pair<std::string, std::vector<ArchiveFields>>> lists;
};

ArchiveRecord archiveRecord(const Patron& p, const std::vector<ArchivedLoan>& openLoans,
                            const std::vector<ArchivedFine>& fines);

}  // namespace patrond
