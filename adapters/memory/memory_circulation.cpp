// Circulation on the in-memory tables: titles, copies, loans, fines, payments and waivers.

#include <algorithm>
#include <tuple>

#include "adapters/memory/memory_state.h"
#include "engine/circulation.h"
#include "engine/text.h"

namespace patrond::memory {
namespace {

// A copy with its title's name and replacement price (the SQL adapter's JOIN titles).
Copy readCopy(const State& s, const StoredCopy& stored) {
  Copy c = stored;
  if (auto t = s.titles.find(c.titleId); t != s.titles.end()) {
    c.title = t->second.title;
    c.replacementCents = t->second.replacementCents;
  } else {
    c.title.clear();
    c.replacementCents.reset();
  }
  return c;
}

// A loan with its copy's barcode, title, kind, site and value (JOIN copies, titles);
// nothing when its copy or title is gone (an inner join leaves it out).
std::optional<Loan> readLoan(const State& s, const StoredLoan& stored) {
  auto c = s.copies.find(stored.copyId);
  if (c == s.copies.end() || !s.titles.contains(c->second.titleId)) {
    return std::nullopt;
  }
  Loan l = stored;
  l.copyBarcode = c->second.barcode;
  l.title = s.titles.at(c->second.titleId).title;
  l.textbook = c->second.textbook;
  l.site = c->second.site;
  l.valueCents = c->second.valueCents;
  return l;
}

bool barcodeTaken(const State& s, const std::string& barcode, std::int64_t except) {
  return std::any_of(s.copies.begin(), s.copies.end(), [&](const auto& e) {
    return e.first != except && e.second.barcode == barcode;
  });
}

class MemoryCirculation final : public CirculationStore {
 public:
  explicit MemoryCirculation(MemoryStore& store) : store_(store) {}

  Result<void> begin() override { return store_.begin(); }
  Result<void> commit() override { return store_.commit(); }
  Result<void> rollback() override { return store_.rollback(); }

  Result<void> forEachTitle(const std::function<void(Title&&)>& each) override {
    return store_.with("reading titles", [&](State& s) -> Result<void> {
      for (const auto& [id, t] : s.titles) {
        each(Title(t));
      }
      return {};
    });
  }

  Result<void> forEachCopy(const std::function<void(Copy&&)>& each) override {
    return store_.with("reading copies", [&](State& s) -> Result<void> {
      for (const auto& [id, c] : s.copies) {
        if (s.titles.contains(c.titleId)) {
          each(readCopy(s, c));
        }
      }
      return {};
    });
  }

  Result<void> insertTitles(std::vector<Title>& titles) override {
    return store_.with("adding titles", [&](State& s) -> Result<void> {
      for (auto& t : titles) {
        t.id = ++s.lastId.title;
        s.titles[t.id] = t;
      }
      return {};
    });
  }

  // Title and replacement price; the ISBN stays as first stored.
  Result<void> updateTitles(const std::vector<Title>& titles) override {
    return store_.with("updating titles", [&](State& s) -> Result<void> {
      for (const auto& t : titles) {
        if (auto it = s.titles.find(t.id); it != s.titles.end()) {
          it->second.title = t.title;
          it->second.replacementCents = t.replacementCents;
        }
      }
      return {};
    });
  }

  // All or nothing: a barcode already stored (copies_barcode) refuses the call.
  Result<void> insertCopies(const std::vector<Copy>& copies) override {
    return store_.with("adding copies", [&](State& s) -> Result<void> {
      std::vector<std::string> seen;
      for (const auto& c : copies) {
        if (barcodeTaken(s, c.barcode, 0) ||
            std::find(seen.begin(), seen.end(), c.barcode) != seen.end()) {
          return Error{"DB", "adding copies: copies_barcode: " + c.barcode + " is taken", "memory"};
        }
        seen.push_back(c.barcode);
      }
      for (const auto& c : copies) {
        StoredCopy stored = c;
        stored.id = ++s.lastId.copy;
        stored.title.clear();
        stored.replacementCents.reset();
        s.copies[stored.id] = std::move(stored);
      }
      return {};
    });
  }

  // Every stored column but the barcode (the SQL adapter's upsert by id).
  Result<void> updateCopies(const std::vector<Copy>& copies) override {
    return store_.with("updating copies", [&](State& s) -> Result<void> {
      for (const auto& c : copies) {
        auto it = s.copies.find(c.id);
        if (it == s.copies.end()) {
          continue;
        }
        StoredCopy stored = c;
        stored.barcode = it->second.barcode;
        stored.title.clear();
        stored.replacementCents.reset();
        it->second = std::move(stored);
      }
      return {};
    });
  }

  Result<std::optional<Borrower>> findBorrower(const std::string& key) override {
    return store_.with("finding the patron", [&](State& s) -> Result<std::optional<Borrower>> {
      const Patron* p = findStoredPatron(s, key);
      return p ? std::optional<Borrower>(borrowerOf(*p)) : std::nullopt;
    });
  }

  Result<std::optional<Copy>> findCopy(const std::string& barcode) override {
    return store_.with("finding the copy", [&](State& s) -> Result<std::optional<Copy>> {
      for (const auto& [id, c] : s.copies) {
        if (c.barcode == barcode && s.titles.contains(c.titleId)) {
          return std::optional<Copy>(readCopy(s, c));
        }
      }
      return std::optional<Copy>();
    });
  }

  // Oldest due date first, then by id.
  Result<std::vector<Loan>> openLoans(std::int64_t patronId) override {
    return store_.with("reading loans", [&](State& s) -> Result<std::vector<Loan>> {
      std::vector<Loan> out;
      for (const auto& [id, l] : s.loans) {
        if (l.patronId == patronId && l.status == "open") {
          if (auto read = readLoan(s, l)) {
            out.push_back(std::move(*read));
          }
        }
      }
      std::stable_sort(out.begin(), out.end(),
                       [](const Loan& a, const Loan& b) { return a.due < b.due; });
      return out;
    });
  }

  // The newest open loan, else the newest lost one.
  Result<std::optional<Loan>> currentLoan(std::int64_t copyId) override {
    return store_.with("reading the copy's loan", [&](State& s) -> Result<std::optional<Loan>> {
      std::optional<Loan> lost;
      for (auto it = s.loans.rbegin(); it != s.loans.rend(); ++it) {
        const StoredLoan& l = it->second;
        if (l.copyId != copyId) {
          continue;
        }
        if (l.status == "open") {
          return readLoan(s, l);
        }
        if (l.status == "lost" && !lost) {
          lost = readLoan(s, l);
        }
      }
      return lost;
    });
  }

  Result<bool> claimCopy(std::int64_t copyId, const std::string& at) override {
    return store_.with("checking the copy out", [&](State& s) -> Result<bool> {
      auto it = s.copies.find(copyId);
      if (it == s.copies.end() || it->second.status != "available") {
        return false;
      }
      it->second.status = "checked_out";
      it->second.updatedAt = at;
      return true;
    });
  }

  Result<std::int64_t> insertLoan(const Loan& loan) override {
    return store_.with("recording the loan", [&](State& s) -> Result<std::int64_t> {
      StoredLoan l;
      l.id = ++s.lastId.loan;
      l.copyId = loan.copyId;
      l.patronId = loan.patronId;
      l.checkedOutAt = loan.checkedOutAt;
      l.due = loan.due;
      l.status = "open";
      l.overridden = loan.overridden;
      l.overrideBlocks = loan.overrideBlocks;
      l.overrideBy = loan.overrideBy;
      s.loans[l.id] = l;
      return l.id;
    });
  }

  Result<void> updateLoan(const Loan& loan) override {
    return store_.with("updating the loan", [&](State& s) -> Result<void> {
      if (auto it = s.loans.find(loan.id); it != s.loans.end()) {
        it->second.status = loan.status;
        it->second.returnedAt = loan.returnedAt;
        it->second.lostAt = loan.lostAt;
      }
      return {};
    });
  }

  // Oldest first (created_at, then id).
  Result<std::vector<Fine>> fines(std::int64_t patronId) override {
    return store_.with("reading fines", [&](State& s) -> Result<std::vector<Fine>> {
      std::vector<Fine> out;
      for (const auto& [id, f] : s.fines) {
        if (f.patronId == patronId) {
          out.push_back(f);
        }
      }
      std::stable_sort(out.begin(), out.end(),
                       [](const Fine& a, const Fine& b) { return a.createdAt < b.createdAt; });
      return out;
    });
  }

  Result<std::int64_t> unpaidCents(std::int64_t patronId) override {
    return store_.with("reading the fine balance", [&](State& s) -> Result<std::int64_t> {
      std::int64_t owed = 0;
      for (const auto& [id, f] : s.fines) {
        owed += f.patronId == patronId ? f.amountCents - f.paidCents : 0;
      }
      return owed;
    });
  }

  Result<void> insertFines(const std::vector<Fine>& fines) override {
    return store_.with("charging fines", [&](State& s) -> Result<void> {
      for (const auto& f : fines) {
        Fine stored = f;
        stored.id = ++s.lastId.fine;
        stored.waivedCents = 0;
        s.fines[stored.id] = std::move(stored);
      }
      return {};
    });
  }

  Result<void> recordPayment(std::int64_t patronId, std::int64_t cents,
                             const std::vector<FinePayment>& shares,
                             const std::string& paidAt) override {
    return store_.with("recording the payment", [&](State& s) -> Result<void> {
      for (const auto& share : shares) {
        if (auto it = s.fines.find(share.fineId); it != s.fines.end()) {
          it->second.paidCents += share.cents;
        }
      }
      s.payments.push_back({++s.lastId.payment, patronId, cents, paidAt});
      return {};
    });
  }

  // Mirrors: UPDATE fines SET waived_cents = waived_cents + amount_cents - paid_cents,
  // amount_cents = paid_cents WHERE loan_id = :l AND amount_cents > paid_cents; returns the
  // SUM(amount_cents - paid_cents) of the loan's fines before it.
  Result<std::int64_t> waiveLoanFines(std::int64_t loanId) override {
    return store_.with("waiving the lost copy's fine", [&](State& s) -> Result<std::int64_t> {
      std::int64_t open = 0;
      for (auto& [id, f] : s.fines) {
        if (f.loanId != loanId || loanId == 0) {
          continue;
        }
        open += f.amountCents - f.paidCents;
        if (f.amountCents > f.paidCents) {
          f.waivedCents += f.amountCents - f.paidCents;
          f.amountCents = f.paidCents;
        }
      }
      return open;
    });
  }

  Result<void> recordWaiver(const FineWaiver& waiver,
                            const std::vector<FinePayment>& shares) override {
    return store_.with("recording the waiver", [&](State& s) -> Result<void> {
      for (const auto& share : shares) {
        if (auto it = s.fines.find(share.fineId); it != s.fines.end()) {
          it->second.amountCents -= share.cents;
          it->second.waivedCents += share.cents;
        }
      }
      FineWaiver stored = waiver;
      stored.id = ++s.lastId.waiver;
      s.waivers[stored.id] = std::move(stored);
      return {};
    });
  }

  Result<std::vector<FineWaiver>> waivers(std::int64_t patronId) override {
    return store_.with("reading waivers", [&](State& s) -> Result<std::vector<FineWaiver>> {
      std::vector<FineWaiver> out;
      for (const auto& [id, w] : s.waivers) {
        if (w.patronId == patronId) {
          out.push_back(w);
        }
      }
      return out;
    });
  }

  // By the patron's last name, first name and id, then the fine's age and id.
  Result<std::vector<PatronFine>> unpaidFines() override {
    return store_.with("reading unpaid fines", [&](State& s) -> Result<std::vector<PatronFine>> {
      std::vector<PatronFine> out;
      for (const auto& [id, f] : s.fines) {
        auto p = s.patrons.find(f.patronId);
        if (f.amountCents > f.paidCents && p != s.patrons.end()) {
          out.push_back({borrowerOf(p->second), f});
        }
      }
      std::stable_sort(out.begin(), out.end(), [](const PatronFine& a, const PatronFine& b) {
        return std::tie(a.patron.lastName, a.patron.firstName, a.patron.id, a.fine.createdAt) <
               std::tie(b.patron.lastName, b.patron.firstName, b.patron.id, b.fine.createdAt);
      });
      return out;
    });
  }

  // By barcode; the title matched as part, A-Z in either case (as the SQL adapter does it).
  Result<std::vector<Copy>> listCopies(const CopyFilter& filter) override {
    return store_.with("listing copies", [&](State& s) -> Result<std::vector<Copy>> {
      const std::string needle = toLower(filter.title);
      std::vector<Copy> out;
      for (const auto& [id, stored] : s.copies) {
        if (!s.titles.contains(stored.titleId) ||
            (!filter.site.empty() && stored.site != filter.site) ||
            (!filter.status.empty() && stored.status != filter.status)) {
          continue;
        }
        Copy c = readCopy(s, stored);
        if (needle.empty() || toLower(c.title).find(needle) != std::string::npos) {
          out.push_back(std::move(c));
        }
      }
      std::stable_sort(out.begin(), out.end(),
                       [](const Copy& a, const Copy& b) { return a.barcode < b.barcode; });
      if (filter.limit && out.size() > static_cast<std::size_t>(std::max(0, *filter.limit))) {
        out.resize(static_cast<std::size_t>(std::max(0, *filter.limit)));
      }
      return out;
    });
  }

  Result<std::optional<Borrower>> findBorrowerById(std::int64_t patronId) override {
    return store_.with("finding the borrower", [&](State& s) -> Result<std::optional<Borrower>> {
      auto it = s.patrons.find(patronId);
      return it == s.patrons.end() ? std::nullopt : std::optional<Borrower>(borrowerOf(it->second));
    });
  }

  Result<void> forEachReportLoan(const LoanReportFilter& filter,
                                 const std::function<void(LoanLine&&)>& each) override;

  // Due order, then by id.
  Result<void> forEachOpenLoanDueBy(const std::string& due,
                                    const std::function<void(Loan&&)>& each) override {
    return store_.with("reading overdue loans", [&](State& s) -> Result<void> {
      std::vector<Loan> out;
      for (const auto& [id, l] : s.loans) {
        if (l.status == "open" && l.due <= due) {
          if (auto read = readLoan(s, l)) {
            out.push_back(std::move(*read));
          }
        }
      }
      std::stable_sort(out.begin(), out.end(),
                       [](const Loan& a, const Loan& b) { return a.due < b.due; });
      for (auto& l : out) {
        each(std::move(l));
      }
      return {};
    });
  }

  Result<void> markLost(const std::vector<std::int64_t>& loanIds,
                        const std::vector<std::int64_t>& copyIds,
                        const std::string& lostAt) override {
    return store_.with("marking loans lost", [&](State& s) -> Result<void> {
      for (auto id : loanIds) {
        if (auto it = s.loans.find(id); it != s.loans.end()) {
          it->second.status = "lost";
          it->second.lostAt = lostAt;
        }
      }
      for (auto id : copyIds) {
        if (auto it = s.copies.find(id); it != s.copies.end()) {
          it->second.status = "lost";
          it->second.updatedAt = lostAt;
        }
      }
      return {};
    });
  }

 private:
  MemoryStore& store_;
};

// Open loans whose borrower matches, ordered by the borrower's site, homeroom, last name,
// first name and district id, then due date and copy barcode, byte by byte, then loan id.
Result<void> MemoryCirculation::forEachReportLoan(const LoanReportFilter& filter,
                                                  const std::function<void(LoanLine&&)>& each) {
  return store_.with("reading open loans", [&](State& s) -> Result<void> {
    std::vector<LoanLine> out;
    for (const auto& [id, stored] : s.loans) {
      auto p = s.patrons.find(stored.patronId);
      std::optional<Loan> l = readLoan(s, stored);
      if (stored.status != "open" || p == s.patrons.end() || !l) {
        continue;
      }
      const Patron& patron = p->second;
      if ((!filter.site.empty() && patron.get(PatronField::kSite) != filter.site) ||
          (!filter.homeroom.empty() && patron.get(PatronField::kHomeroom) != filter.homeroom) ||
          (filter.active && (patron.status == PatronStatus::kActive) != *filter.active)) {
        continue;
      }
      const StoredCopy& c = s.copies.at(stored.copyId);
      LoanLine line;
      line.loan = std::move(*l);
      line.loan.overrideBlocks.clear();  // the report reads who overrode, not what
      line.loan.returnedAt.clear();
      line.loan.lostAt.clear();
      line.patron = borrowerOf(patron);
      line.homeroom = patron.get(PatronField::kHomeroom);
      line.grade = patron.get(PatronField::kGrade);
      line.condition = c.condition;
      line.purchaseCents = c.purchaseCents;
      line.replacementCents = s.titles.at(c.titleId).replacementCents;
      out.push_back(std::move(line));
    }
    auto key = [](const LoanLine& x) {
      return std::tie(x.patron.site, x.homeroom, x.patron.lastName, x.patron.firstName,
                      x.patron.districtId, x.loan.due, x.loan.copyBarcode, x.loan.id);
    };
    std::sort(out.begin(), out.end(),
              [&](const LoanLine& a, const LoanLine& b) { return key(a) < key(b); });
    for (auto& line : out) {
      each(std::move(line));
    }
    return {};
  });
}

}  // namespace

std::unique_ptr<CirculationStore> makeCirculationStore(MemoryStore& store) {
  return std::make_unique<MemoryCirculation>(store);
}

}  // namespace patrond::memory
