#include "engine/fines.h"

#include "engine/circulation.h"
#include "engine/circulation_steps.h"
#include "engine/text.h"

namespace patrond {

using circulation_steps::inTransaction;
using circulation_steps::needBorrower;

namespace {

Error usage(const std::string& text) {
  return Error{"USAGE", text, ""};
}

std::int64_t owed(const std::vector<Fine>& fines) {
  std::int64_t sum = 0;
  for (const auto& f : fines) {
    sum += f.amountCents - f.paidCents;
  }
  return sum;
}

}  // namespace

Result<PatronFines> finesOf(CirculationStore& store, const std::string& patronKey) {
  auto patron = needBorrower(store, patronKey);
  if (!patron) {
    return patron.error();
  }
  PatronFines out;
  out.patron = *patron;
  auto fines = store.fines(patron->id);
  if (!fines) {
    return fines.error();
  }
  out.fines = std::move(*fines);
  auto waivers = store.waivers(patron->id);
  if (!waivers) {
    return waivers.error();
  }
  out.waivers = std::move(*waivers);
  out.balanceCents = owed(out.fines);
  return out;
}

Result<WaiverOutcome> waiveFines(CirculationStore& store, const WaiverRequest& req,
                                 const CivilTime& now) {
  auto cents = parseCents(req.amount);
  if (!cents) {
    return usage("waiver amount '" + req.amount + "' is not an amount of money (like 12.50)");
  }
  if (*cents <= 0) {
    return usage("waiver amount must be more than 0.00, got " + formatCents(*cents));
  }
  std::string reason(trim(req.reason));
  if (reason.empty()) {
    return usage("a waiver needs a reason: --reason \"...\"");
  }
  std::string by(trim(req.by));
  if (by.empty()) {
    return usage("a waiver needs the name of who waives it: --by NAME");
  }
  return inTransaction<WaiverOutcome>(store, [&]() -> Result<WaiverOutcome> {
    auto patron = needBorrower(store, req.patron);
    if (!patron) {
      return patron.error();
    }
    auto fines = store.fines(patron->id);
    if (!fines) {
      return fines.error();
    }
    std::int64_t balance = owed(*fines);
    if (balance <= 0) {
      return Error{"NOT_OWED", req.patron + " owes no fines: there is nothing to waive", ""};
    }
    if (*cents > balance) {
      return Error{"NOT_OWED",
                   "waiver " + formatCents(*cents) + " is more than " + req.patron +
                       "'s balance of " + formatCents(balance),
                   ""};
    }
    WaiverOutcome out;
    out.patron = *patron;
    out.shares = allocatePayment(*fines, *cents);
    out.waiver = FineWaiver{0, patron->id, *cents, reason, by, formatIso(now)};
    if (auto r = store.recordWaiver(out.waiver, out.shares); !r) {
      return r.error();
    }
    out.balanceCents = balance - *cents;
    return out;
  });
}

}  // namespace patrond
