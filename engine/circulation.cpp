#include "engine/circulation.h"

#include <algorithm>
#include <set>
#include <utility>

#include "engine/circulation_steps.h"
#include "engine/text.h"

namespace patrond {

using circulation_steps::inTransaction;
using circulation_steps::needBorrower;
using circulation_steps::needCopy;

namespace {

void apply(const PolicyLevel& level, Policy& p) {
  if (level.loanDays) {
    p.loanDays = *level.loanDays;
  }
  if (level.maxCheckouts) {
    p.maxCheckouts = level.maxCheckouts;
  }
  if (level.overdueToLostDays) {
    p.overdueToLostDays = level.overdueToLostDays;
  }
  if (level.blockOnFinesOrOverdues) {
    p.blockOnFinesOrOverdues = *level.blockOnFinesOrOverdues;
  }
  if (level.chargeLost) {
    p.chargeLost = *level.chargeLost;
  }
  if (level.conditioningEnabled) {
    p.conditioning = *level.conditioningEnabled;
  }
  for (const auto& [cond, n] : level.demoteAfter) {
    p.demoteAfter[cond] = n;
  }
}

Error usage(const std::string& text) {
  return Error{"USAGE", text, ""};
}
Error refused(const std::string& text) {
  return Error{"REFUSED", text, ""};
}

std::string dateOf(const std::string& iso) {
  return iso.substr(0, 10);
}

CivilTime civilDate(const std::string& iso) {
  auto t = parseCivilTime(dateOf(iso));
  return t ? *t : CivilTime{};
}

}  // namespace

std::string conditionNames(const std::vector<Condition>& conditions) {
  std::string out;
  for (const auto& c : conditions) {
    out += (out.empty() ? "" : ", ") + c.name;
  }
  return out;
}

Borrower borrowerOf(const Patron& p) {
  return Borrower{p.id,
                  p.get(PatronField::kDistrictId),
                  p.get(PatronField::kBarcode),
                  p.get(PatronField::kFirstName),
                  p.get(PatronField::kLastName),
                  p.get(PatronField::kSite),
                  p.status == PatronStatus::kActive};
}

Policy resolvePolicy(const Config& config, const std::string& site, bool textbook) {
  Policy p;
  if (textbook) {
    p.loanDays = kDefaultTextbookLoanDays;
  }
  const PolicyTree& tree = textbook ? config.textbookPolicies : config.libraryPolicies;
  apply(tree.district, p);
  if (const Site* s = config.findSite(site)) {
    if (auto it = tree.siteTypes.find(s->type); it != tree.siteTypes.end()) {
      apply(it->second, p);
    }
  }
  if (auto it = tree.sites.find(site); it != tree.sites.end()) {
    apply(it->second, p);
  }
  return p;
}

const Condition* findCondition(const std::vector<Condition>& conditions, const std::string& name) {
  for (const auto& c : conditions) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

std::optional<std::string> demotedCondition(const std::string& condition) {
  static const std::vector<std::pair<std::string, std::string>> kWalk{
      {"new", "good"}, {"good", "fair"}, {"fair", "poor"}};
  for (const auto& [from, to] : kWalk) {
    if (condition == from) {
      return to;
    }
  }
  return std::nullopt;
}

std::int64_t percentOf(std::int64_t cents, int percent) {
  return (cents * percent + 50) / 100;
}

std::int64_t copyValue(const std::vector<Condition>& conditions, const std::string& condition,
                       std::int64_t purchaseCents, std::optional<std::int64_t> replacementCents) {
  if (condition == "usable" || condition == "damaged") {
    return replacementCents.value_or(purchaseCents);
  }
  const Condition* c = findCondition(conditions, condition);
  return percentOf(purchaseCents, c ? c->percent : 0);
}

std::int64_t currentValue(const std::vector<Condition>& conditions, const std::string& condition,
                          std::int64_t purchaseCents, std::optional<std::int64_t> replacementCents,
                          std::int64_t storedCents) {
  if (condition != "usable" && condition != "damaged" && !findCondition(conditions, condition)) {
    return storedCents;
  }
  return copyValue(conditions, condition, purchaseCents, replacementCents);
}

int overdueDays(const std::string& due, const CivilTime& today) {
  auto d = parseCivilTime(due);
  if (!d) {
    return 0;
  }
  return std::max(0, daysBetween(*d, today));
}

std::vector<Block> checkoutBlocks(const Policy& policy, bool textbook,
                                  const std::vector<Loan>& openLoans, std::int64_t unpaidCents,
                                  const CivilTime& today) {
  std::vector<Block> out;
  std::string kind = textbook ? "textbook" : "library";
  if (policy.maxCheckouts) {
    auto held = std::count_if(openLoans.begin(), openLoans.end(),
                              [&](const Loan& l) { return l.textbook == textbook; });
    if (held >= *policy.maxCheckouts) {
      out.push_back({"MAX_CHECKOUTS",
                     "limit reached (" + std::to_string(held) + " of " +
                         std::to_string(*policy.maxCheckouts) + ")",
                     kind});
    }
  }
  if (policy.blockOnFinesOrOverdues) {
    if (unpaidCents > 0) {
      out.push_back({"FINES", "unpaid fines " + formatCents(unpaidCents), ""});
    }
    std::string overdue;
    int n = 0;
    for (const auto& l : openLoans) {
      if (int days = overdueDays(l.due, today); days > 0) {
        ++n;
        overdue += (overdue.empty() ? "" : ", ") + l.copyBarcode + " '" + l.title + "' due " +
                   l.due + " (" + std::to_string(days) + (days == 1 ? " day" : " days") + ")";
      }
    }
    if (n > 0) {
      out.push_back(
          {"OVERDUE",
           std::to_string(n) + (n == 1 ? " overdue copy: " : " overdue copies: ") + overdue, ""});
    }
  }
  return out;
}

CheckinEffect checkinEffect(const Copy& copy, const Policy& policy,
                            const std::vector<Condition>& conditions, const CivilTime& checkedOut,
                            const CivilTime& today) {
  CheckinEffect e;
  e.copy = copy;
  e.copy.status = "available";
  if (daysBetween(checkedOut, today) <= 0) {
    return e;  // same-day check-in: not a circulation
  }
  e.counted = true;
  e.copy.circulations += 1;
  if (!policy.conditioning) {
    return e;
  }
  e.copy.conditionCirculations += 1;
  auto limit = policy.demoteAfter.find(copy.condition);
  auto lower = demotedCondition(copy.condition);
  if (limit != policy.demoteAfter.end() && lower && findCondition(conditions, *lower) &&
      e.copy.conditionCirculations >= limit->second) {
    e.demoted = true;
    e.copy.condition = *lower;
    e.copy.conditionCirculations = 0;
    e.copy.valueCents = copyValue(conditions, *lower, copy.purchaseCents, copy.replacementCents);
  }
  return e;
}

std::vector<FinePayment> allocatePayment(const std::vector<Fine>& fines, std::int64_t cents) {
  std::vector<const Fine*> open;
  for (const auto& f : fines) {
    if (f.amountCents > f.paidCents) {
      open.push_back(&f);
    }
  }
  std::stable_sort(open.begin(), open.end(), [](const Fine* a, const Fine* b) {
    return std::tie(a->createdAt, a->id) < std::tie(b->createdAt, b->id);
  });
  std::vector<FinePayment> out;
  for (const Fine* f : open) {
    if (cents <= 0) {
      break;
    }
    std::int64_t share = std::min(cents, f->amountCents - f->paidCents);
    out.push_back({f->id, share});
    cents -= share;
  }
  return out;
}

bool lostBySweep(const Policy& policy, const std::string& due, const CivilTime& today) {
  return policy.overdueToLostDays && overdueDays(due, today) >= *policy.overdueToLostDays;
}

Result<CheckoutOutcome> checkout(CirculationStore& store, const Config& config,
                                 const CheckoutRequest& req, const CivilTime& now) {
  CivilTime today{now.year, now.month, now.day};
  if (req.due && *req.due < today) {
    return usage("due date " + formatDate(*req.due) + " is in the past");
  }
  return inTransaction<CheckoutOutcome>(store, [&]() -> Result<CheckoutOutcome> {
    auto patron = needBorrower(store, req.patron);
    if (!patron) {
      return patron.error();
    }
    auto copy = needCopy(store, req.copy);
    if (!copy) {
      return copy.error();
    }
    CheckoutOutcome out;
    out.patron = *patron;
    out.copy = *copy;
    // Hard refusals: no override.
    if (!patron->active) {
      out.blocks.push_back({"INACTIVE", "patron " + req.patron + " is inactive", ""});
    }
    if (copy->status == "lost") {
      out.blocks.push_back(
          {"COPY_LOST",
           "copy " + copy->barcode + " is marked lost: check it in first if it has been found",
           ""});
    } else if (copy->status == "checked_out") {
      auto current = store.currentLoan(copy->id);
      if (!current) {
        return current.error();
      }
      std::string due = *current ? " (loan due " + (*current)->due + ")" : "";
      out.blocks.push_back(
          {"COPY_OUT", "copy " + copy->barcode + " is already checked out" + due, ""});
    }
    if (!out.blocks.empty()) {
      out.hard = true;
      return out;
    }
    std::string site = copy->site.empty() ? patron->site : copy->site;
    Policy policy = resolvePolicy(config, site, copy->textbook);
    auto loans = store.openLoans(patron->id);
    if (!loans) {
      return loans.error();
    }
    auto unpaid = store.unpaidCents(patron->id);
    if (!unpaid) {
      return unpaid.error();
    }
    out.blocks = checkoutBlocks(policy, copy->textbook, *loans, *unpaid, today);
    if (!out.blocks.empty() && !req.override) {
      return out;
    }
    Loan loan;
    loan.copyId = copy->id;
    loan.patronId = patron->id;
    loan.checkedOutAt = formatIso(now);
    loan.due = formatDate(req.due ? *req.due : addDays(today, policy.loanDays));
    loan.overridden = !out.blocks.empty();
    if (loan.overridden) {
      loan.overrideBy = req.by;
    }
    for (const auto& b : out.blocks) {
      loan.overrideBlocks += (loan.overrideBlocks.empty() ? "" : "; ") + b.code + ": " + b.text;
    }
    auto claimed = store.claimCopy(copy->id, formatIso(now));
    if (!claimed) {
      return claimed.error();
    }
    if (!*claimed) {
      out.blocks = {{"COPY_OUT", "copy " + copy->barcode + " was just checked out elsewhere", ""}};
      out.hard = true;
      return out;
    }
    if (auto id = store.insertLoan(loan); !id) {
      return id.error();
    }
    out.copy.status = "checked_out";
    out.copy.updatedAt = formatIso(now);
    out.ok = true;
    out.due = loan.due;
    out.overridden = loan.overridden;
    out.overrideBy = loan.overrideBy;
    return out;
  });
}

Result<CheckinOutcome> checkin(CirculationStore& store, const Config& config,
                               const std::string& barcode, const CivilTime& now) {
  CivilTime today{now.year, now.month, now.day};
  return inTransaction<CheckinOutcome>(store, [&]() -> Result<CheckinOutcome> {
    auto copy = needCopy(store, barcode);
    if (!copy) {
      return copy.error();
    }
    auto loan = store.currentLoan(copy->id);
    if (!loan) {
      return loan.error();
    }
    if (!loan->has_value() || copy->status == "available") {
      return refused("copy " + barcode + " is not checked out");
    }
    CheckinOutcome out;
    out.loan = **loan;
    out.wasLost = out.loan.status == "lost";
    Policy policy = resolvePolicy(config, copy->site, copy->textbook);
    CheckinEffect e =
        checkinEffect(*copy, policy, config.conditions, civilDate(out.loan.checkedOutAt), today);
    out.copy = e.copy;
    out.copy.updatedAt = formatIso(now);
    out.counted = e.counted;
    out.demoted = e.demoted;
    out.loan.status = "returned";
    out.loan.returnedAt = formatIso(now);
    if (auto r = store.updateLoan(out.loan); !r) {
      return r.error();
    }
    if (auto r = store.updateCopies({out.copy}); !r) {
      return r.error();
    }
    if (out.wasLost) {
      auto waived = store.waiveLoanFines(out.loan.id);
      if (!waived) {
        return waived.error();
      }
      out.waivedCents = *waived;
    }
    return out;
  });
}

Result<Copy> setCondition(CirculationStore& store, const Config& config, const std::string& barcode,
                          const std::string& condition, const CivilTime& now) {
  if (!findCondition(config.conditions, condition)) {
    return usage("unknown condition '" + condition +
                 "' (configured: " + conditionNames(config.conditions) + ")");
  }
  return inTransaction<Copy>(store, [&]() -> Result<Copy> {
    auto copy = needCopy(store, barcode);
    if (!copy) {
      return copy.error();
    }
    Copy c = *copy;
    if (c.condition != condition) {
      c.conditionCirculations = 0;
    }
    c.condition = condition;
    c.valueCents = copyValue(config.conditions, condition, c.purchaseCents, c.replacementCents);
    c.updatedAt = formatIso(now);
    if (auto r = store.updateCopies({c}); !r) {
      return r.error();
    }
    return c;
  });
}

Result<SweepOutcome> sweep(CirculationStore& store, const Config& config, const CivilTime& now) {
  CivilTime today{now.year, now.month, now.day};
  // The smallest overdue_to_lost_days anywhere bounds which loans can be affected.
  std::optional<int> smallest;
  auto consider = [&](const PolicyTree& tree) {
    std::vector<const PolicyLevel*> levels{&tree.district};
    for (const auto& [k, v] : tree.siteTypes) {
      levels.push_back(&v);
    }
    for (const auto& [k, v] : tree.sites) {
      levels.push_back(&v);
    }
    for (const PolicyLevel* l : levels) {
      if (l->overdueToLostDays) {
        smallest = std::min(smallest.value_or(*l->overdueToLostDays), *l->overdueToLostDays);
      }
    }
  };
  consider(config.textbookPolicies);
  consider(config.libraryPolicies);
  SweepOutcome out;
  if (!smallest) {
    return out;
  }
  std::string dueBy = formatDate(addDays(today, -*smallest));
  return inTransaction<SweepOutcome>(store, [&]() -> Result<SweepOutcome> {
    std::map<std::pair<std::string, bool>, Policy> policies;
    std::vector<std::int64_t> loanIds, copyIds;
    std::vector<Fine> fines;
    std::string at = formatIso(now);
    auto r = store.forEachOpenLoanDueBy(dueBy, [&](Loan&& l) {
      auto key = std::make_pair(l.site, l.textbook);
      auto it = policies.find(key);
      if (it == policies.end()) {
        it = policies.emplace(key, resolvePolicy(config, l.site, l.textbook)).first;
      }
      if (!lostBySweep(it->second, l.due, today)) {
        return;
      }
      loanIds.push_back(l.id);
      copyIds.push_back(l.copyId);
      out.copies.push_back(l.copyBarcode);
      if (it->second.chargeLost && l.valueCents > 0) {
        fines.push_back({0, l.patronId, l.id, l.valueCents, 0,
                         "lost: " + l.copyBarcode + " '" + l.title + "' due " + l.due, at});
        out.finesCents += l.valueCents;
      }
    });
    if (!r) {
      return r.error();
    }
    out.lost = static_cast<std::int64_t>(loanIds.size());
    if (loanIds.empty()) {
      return out;
    }
    if (auto m = store.markLost(loanIds, copyIds, at); !m) {
      return m.error();
    }
    if (auto f = store.insertFines(fines); !f) {
      return f.error();
    }
    return out;
  });
}

Result<PaymentOutcome> payFines(CirculationStore& store, const std::string& patronKey,
                                const std::string& amount, const CivilTime& now) {
  auto cents = parseCents(amount);
  if (!cents) {
    return usage("payment amount '" + amount + "' is not an amount of money (like 12.50)");
  }
  if (*cents <= 0) {
    return usage("payment amount must be more than 0.00, got " + formatCents(*cents));
  }
  return inTransaction<PaymentOutcome>(store, [&]() -> Result<PaymentOutcome> {
    auto patron = needBorrower(store, patronKey);
    if (!patron) {
      return patron.error();
    }
    auto fines = store.fines(patron->id);
    if (!fines) {
      return fines.error();
    }
    std::int64_t balance = 0;
    for (const auto& f : *fines) {
      balance += f.amountCents - f.paidCents;
    }
    if (*cents > balance) {
      return refused("payment " + formatCents(*cents) + " is more than " + patronKey +
                     "'s balance of " + formatCents(balance));
    }
    auto shares = allocatePayment(*fines, *cents);
    if (auto r = store.recordPayment(patron->id, *cents, shares, formatIso(now)); !r) {
      return r.error();
    }
    return PaymentOutcome{*patron, *cents, balance - *cents};
  });
}

Result<PatronCirculation> patronCirculation(CirculationStore& store, const Config& config,
                                            const Borrower& patron, const CivilTime& today) {
  PatronCirculation out;
  auto loans = store.openLoans(patron.id);
  if (!loans) {
    return loans.error();
  }
  auto unpaid = store.unpaidCents(patron.id);
  if (!unpaid) {
    return unpaid.error();
  }
  out.loans = *loans;
  out.balanceCents = *unpaid;
  std::set<std::pair<std::string, std::string>> seen;
  for (bool textbook : {true, false}) {
    for (auto& b : checkoutBlocks(resolvePolicy(config, patron.site, textbook), textbook, out.loans,
                                  out.balanceCents, today)) {
      if (seen.insert({b.code, b.text}).second) {
        out.blocks.push_back(std::move(b));
      }
    }
  }
  return out;
}

}  // namespace patrond
