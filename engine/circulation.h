#pragma once
// Textbook and library circulation (SPEC sections 2, 6 and 7): policies resolved per site,
// checkout blocks, check-in with conditioning, conditions set by hand, the daily sweep that
// turns long-overdue loans into lost ones, and fine payments. The rules are pure functions;
// the operations run them against the CirculationStore port, each in one transaction.
// Money is integer cents throughout.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/civil_time.h"
#include "engine/config.h"
#include "engine/patron.h"
#include "engine/ports/circulation_store.h"
#include "engine/result.h"

namespace patrond {

// A policy with every key decided (SPEC section 6).
struct Policy {
  int loanDays = 14;
  std::optional<int> maxCheckouts;       // none: no limit
  std::optional<int> overdueToLostDays;  // none: the sweep leaves these loans alone
  bool blockOnFinesOrOverdues = false;
  bool chargeLost = false;
  bool conditioning = false;
  std::map<std::string, int> demoteAfter;  // condition -> circulations before demotion
};

// Textbook copies follow textbook_policies, library copies library_policies: `sites.CODE`
// over `site_types.TYPE` over `district`, key by key. Keys no level sets take the defaults
// (library: SPEC section 6; textbooks the same except loan_days 180, a school year).
Policy resolvePolicy(const Config& config, const std::string& site, bool textbook);
inline constexpr int kDefaultTextbookLoanDays = 180;

// Conditions: the configured list (best first, with percentages).
const Condition* findCondition(const std::vector<Condition>& conditions, const std::string& name);
// "new, good, fair, ..." for messages.
std::string conditionNames(const std::vector<Condition>& conditions);
// Demotion walks new > good > fair > poor; nothing below poor and nothing for hand-set ones.
std::optional<std::string> demotedCondition(const std::string& condition);
// percent of cents, rounded half up to the cent.
std::int64_t percentOf(std::int64_t cents, int percent);
// A copy's value in `condition` (SPEC section 6): usable and damaged are worth the title's
// replacement price (else the purchase price), the rest their percentage of the purchase price.
std::int64_t copyValue(const std::vector<Condition>& conditions, const std::string& condition,
                       std::int64_t purchaseCents, std::optional<std::int64_t> replacementCents);

// What a copy is worth now, as the rules above compute it from its current condition (the
// configured percentages may have changed since the stored value was written); the stored
// value when the condition is no longer configured.
std::int64_t currentValue(const std::vector<Condition>& conditions, const std::string& condition,
                          std::int64_t purchaseCents, std::optional<std::int64_t> replacementCents,
                          std::int64_t storedCents);

// One reason a checkout is refused.
struct Block {
  std::string code;  // MAX_CHECKOUTS, FINES, OVERDUE; hard: INACTIVE, COPY_OUT, COPY_LOST
  std::string text;
  std::string kind;  // textbook | library, for MAX_CHECKOUTS
};

// What a checkout of a copy of that kind would meet now (overrideable blocks only).
std::vector<Block> checkoutBlocks(const Policy& policy, bool textbook,
                                  const std::vector<Loan>& openLoans, std::int64_t unpaidCents,
                                  const CivilTime& today);
// Days a loan due on `due` (YYYY-MM-DD) is overdue on `today`; 0 when not yet.
int overdueDays(const std::string& due, const CivilTime& today);

// What a check-in does to the copy (SPEC section 6, conditioning).
struct CheckinEffect {
  bool counted = false;  // false for a same-day check-in
  bool demoted = false;
  Copy copy;  // the copy after
};
CheckinEffect checkinEffect(const Copy& copy, const Policy& policy,
                            const std::vector<Condition>& conditions, const CivilTime& checkedOut,
                            const CivilTime& today);

// Splits a payment across unpaid fines, oldest first. The amount must not exceed the balance.
std::vector<FinePayment> allocatePayment(const std::vector<Fine>& fines, std::int64_t cents);

// The patron as circulation sees it.
Borrower borrowerOf(const Patron& patron);

// ---- operations (each one transaction; errors: USAGE -> exit 2, REFUSED -> 3, else 1) ----

struct CheckoutRequest {
  std::string patron, copy;
  std::optional<CivilTime> due;
  bool override = false;
  std::string by = {};  // who overrides (recorded with the loan when a block is overridden)
};
struct CheckoutOutcome {
  bool ok = false;
  Borrower patron;
  Copy copy;
  std::string due;
  bool overridden = false;
  std::string overrideBy;     // when overridden
  std::vector<Block> blocks;  // met (ok: the ones overridden)
  bool hard = false;          // refused whatever --override says
};
Result<CheckoutOutcome> checkout(CirculationStore& store, const Config& config,
                                 const CheckoutRequest& request, const CivilTime& now);

struct CheckinOutcome {
  Copy copy;
  Loan loan;
  bool counted = false, demoted = false, wasLost = false;
  std::int64_t waivedCents = 0;
};
Result<CheckinOutcome> checkin(CirculationStore& store, const Config& config,
                               const std::string& copyBarcode, const CivilTime& now);

Result<Copy> setCondition(CirculationStore& store, const Config& config,
                          const std::string& copyBarcode, const std::string& condition,
                          const CivilTime& now);

struct SweepOutcome {
  std::int64_t lost = 0;
  std::int64_t finesCents = 0;
  std::vector<std::string> copies;  // barcodes of the copies lost, in due order
};
// Idempotent: loans already lost are not open any more.
Result<SweepOutcome> sweep(CirculationStore& store, const Config& config, const CivilTime& now);
// The sweep's decision for one loan.
bool lostBySweep(const Policy& policy, const std::string& due, const CivilTime& today);

struct PaymentOutcome {
  Borrower patron;
  std::int64_t paidCents = 0, balanceCents = 0;
};
Result<PaymentOutcome> payFines(CirculationStore& store, const std::string& patron,
                                const std::string& amount, const CivilTime& now);

// What `patrons show` adds: open loans, balance, the blocks a checkout would meet now.
struct PatronCirculation {
  std::vector<Loan> loans;
  std::int64_t balanceCents = 0;
  std::vector<Block> blocks;
};
Result<PatronCirculation> patronCirculation(CirculationStore& store, const Config& config,
                                            const Borrower& patron, const CivilTime& today);

}  // namespace patrond
