#pragma once
// Port: what circulation keeps (SPEC sections 6 and 7): titles, copies, loans, fines and
// payments. The SOCI adapter implements it beside PatronStore on the same connection, so one
// transaction (PatronStore::begin/commit) covers both. One thread at a time.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/ports/unit_of_work.h"
#include "engine/result.h"

namespace patrond {

struct Title {
  std::int64_t id = 0;
  std::string title, isbn;
  std::optional<std::int64_t> replacementCents;
};

struct Copy {
  std::int64_t id = 0;
  std::string barcode;
  std::int64_t titleId = 0;
  std::string title;                             // read only: the title's name
  std::optional<std::int64_t> replacementCents;  // read only: the title's replacement price
  std::string site;
  std::int64_t purchaseCents = 0;
  std::string condition;
  std::int64_t valueCents = 0;
  bool textbook = true;
  std::string status = "available";  // available | checked_out | lost
  int circulations = 0;
  int conditionCirculations = 0;  // counted against the current condition
  std::string updatedAt;
};

// A patron as circulation sees it.
struct Borrower {
  std::int64_t id = 0;
  std::string districtId, barcode, firstName, lastName, site;
  bool active = true;
};

struct Loan {
  std::int64_t id = 0;
  std::int64_t copyId = 0, patronId = 0;
  std::string copyBarcode, title;  // read only
  bool textbook = true;            // read only: the copy's kind
  std::string site;                // read only: the copy's site
  std::int64_t valueCents = 0;     // read only: the copy's current value
  std::string checkedOutAt;        // ISO 8601, district time
  std::string due;                 // YYYY-MM-DD
  std::string returnedAt, lostAt;
  std::string status = "open";  // open | returned | lost
  bool overridden = false;
  std::string overrideBlocks;  // the blocks an override went past, as "CODE: text; ..."
  std::string overrideBy;      // who overrode them (--by, else the login name)
};

struct Fine {
  std::int64_t id = 0;
  std::int64_t patronId = 0;
  std::int64_t loanId = 0;                      // 0: not about a loan
  std::int64_t amountCents = 0, paidCents = 0;  // owed: amount - paid
  std::string reason, createdAt;
  std::int64_t waivedCents = 0;  // taken off the amount by waivers: first charged amount + waived
};

// A fine waived by hand (`fines waive`): spread over the patron's unpaid fines, oldest first.
struct FineWaiver {
  std::int64_t id = 0;
  std::int64_t patronId = 0;
  std::int64_t amountCents = 0;
  std::string reason, waivedBy, waivedAt;
};

// A fine with the patron who owes it, for `fines list` over every patron.
struct PatronFine {
  Borrower patron;
  Fine fine;
};

// `items list` filters; empty: any. `title`: part of the title, A-Z matched in either case.
struct CopyFilter {
  std::string site, status, title;
  std::optional<int> limit;
};

// `reports loans` filters on the borrower; empty: any. `active`: none for both.
struct LoanReportFilter {
  std::string site, homeroom;
  std::optional<bool> active;
};

// An open loan with its borrower and what the copy's value is made of, for reports.
struct LoanLine {
  Loan loan;
  Borrower patron;
  std::string homeroom, grade;
  std::string condition;
  std::int64_t purchaseCents = 0;
  std::optional<std::int64_t> replacementCents;
};

// One payment's share of one fine (oldest fines are paid first).
struct FinePayment {
  std::int64_t fineId = 0;
  std::int64_t cents = 0;
};

// Its UnitOfWork is the connection's transaction (the same one PatronStore::begin opens).
class CirculationStore : public UnitOfWork {
 public:
  // Everything the copies file may refer to, read once per items import.
  virtual Result<void> forEachTitle(const std::function<void(Title&&)>& each) = 0;
  virtual Result<void> forEachCopy(const std::function<void(Copy&&)>& each) = 0;
  // New titles get their ids filled in.
  virtual Result<void> insertTitles(std::vector<Title>& titles) = 0;
  virtual Result<void> updateTitles(const std::vector<Title>& titles) = 0;
  virtual Result<void> insertCopies(const std::vector<Copy>& copies) = 0;
  // Writes every stored column of each copy (by id).
  virtual Result<void> updateCopies(const std::vector<Copy>& copies) = 0;

  virtual Result<std::optional<Borrower>> findBorrower(const std::string& districtIdOrBarcode) = 0;
  virtual Result<std::optional<Copy>> findCopy(const std::string& barcode) = 0;
  // A patron's open loans, oldest due date first.
  virtual Result<std::vector<Loan>> openLoans(std::int64_t patronId) = 0;
  // The copy's current loan: open, else (for a lost copy) the loan that lost it.
  virtual Result<std::optional<Loan>> currentLoan(std::int64_t copyId) = 0;
  // Marks an available copy checked out; false when it is not available any more (another
  // desk took it since it was read: on PostgreSQL and MySQL reads do not lock).
  virtual Result<bool> claimCopy(std::int64_t copyId, const std::string& at) = 0;
  virtual Result<std::int64_t> insertLoan(const Loan& loan) = 0;
  // Writes status, returned_at and lost_at of a loan.
  virtual Result<void> updateLoan(const Loan& loan) = 0;

  virtual Result<std::vector<Fine>> fines(std::int64_t patronId) = 0;
  virtual Result<std::int64_t> unpaidCents(std::int64_t patronId) = 0;
  virtual Result<void> insertFines(const std::vector<Fine>& fines) = 0;
  // Adds to each fine's paid amount and records the payment.
  virtual Result<void> recordPayment(std::int64_t patronId, std::int64_t cents,
                                     const std::vector<FinePayment>& shares,
                                     const std::string& paidAt) = 0;
  // Lowers the unpaid part of a loan's fines to nothing (a lost copy came back).
  virtual Result<std::int64_t> waiveLoanFines(std::int64_t loanId) = 0;
  // Takes each share off its fine's amount (adding it to waived_cents) and records the waiver.
  virtual Result<void> recordWaiver(const FineWaiver& waiver,
                                    const std::vector<FinePayment>& shares) = 0;
  // A patron's waivers, oldest first.
  virtual Result<std::vector<FineWaiver>> waivers(std::int64_t patronId) = 0;
  // Every fine with something still owed, with its patron, by patron then age.
  virtual Result<std::vector<PatronFine>> unpaidFines() = 0;

  // The librarian's reads (`items`, `reports`). Copies matching the filter, by barcode.
  virtual Result<std::vector<Copy>> listCopies(const CopyFilter& filter) = 0;
  virtual Result<std::optional<Borrower>> findBorrowerById(std::int64_t patronId) = 0;
  // Every open loan whose borrower matches the filter, ordered by the borrower's site,
  // homeroom, last name, first name and district id, then due date and copy barcode, text
  // compared byte by byte (absent values as ""): the order `reports loans` prints, streamed.
  virtual Result<void> forEachReportLoan(const LoanReportFilter& filter,
                                         const std::function<void(LoanLine&&)>& each) = 0;

  // The sweep: every open loan due on or before `due` (YYYY-MM-DD), in due order.
  virtual Result<void> forEachOpenLoanDueBy(const std::string& due,
                                            const std::function<void(Loan&&)>& each) = 0;
  // Marks these loans lost (and their copies), in bulk.
  virtual Result<void> markLost(const std::vector<std::int64_t>& loanIds,
                                const std::vector<std::int64_t>& copyIds,
                                const std::string& lostAt) = 0;
};

}  // namespace patrond
