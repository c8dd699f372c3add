#pragma once
// SQL adapter: the librarian's part of the CirculationStore port (SPEC section 11): copies
// listed with filters, fines over every patron, waivers, and the open loans of `reports
// loans` with their borrowers. SociCirculation forwards to these. Adapter-internal; one
// thread at a time, on the store's connection and inside its transaction when one is open.

#include <soci/soci.h>

#include <functional>
#include <optional>
#include <vector>

#include "engine/config.h"
#include "engine/ports/circulation_store.h"

namespace patrond::sql {

// The copy columns and their reader, shared with soci_circulation.cpp.
extern const char* const kCopySelect;  // "<columns> FROM copies c JOIN titles t ..."
Copy copyFromRow(const soci::row& r);

std::vector<Copy> selectCopies(soci::session& sql, const CopyFilter& filter);
std::optional<Borrower> selectBorrowerById(soci::session& sql, std::int64_t patronId);
void insertWaiver(soci::session& sql, const FineWaiver& waiver,
                  const std::vector<FinePayment>& shares);
std::vector<FineWaiver> selectWaivers(soci::session& sql, std::int64_t patronId);
std::vector<PatronFine> selectUnpaidFines(soci::session& sql);
// In report order (the port's forEachReportLoan).
void selectReportLoans(soci::session& sql, DbBackend backend, const LoanReportFilter& filter,
                       const std::function<void(LoanLine&&)>& each);

}  // namespace patrond::sql
