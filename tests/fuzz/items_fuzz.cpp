// libFuzzer: the copies file (SPEC section 7) over arbitrary bytes, through the whole items
// import against an in-memory store, imported twice (the second time as a re-import).
// Asserts the counts add up and every stored copy is valid, whatever the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "engine/circulation.h"
#include "engine/items_import.h"
#include "tests/unit/string_source.h"

namespace {

using namespace patrond;

// Only what an items import uses; the rest is never called.
class MemoryStore final : public CirculationStore {
 public:
  std::map<std::int64_t, Title> titles;
  std::map<std::string, Copy> copies;
  std::int64_t nextId = 1;

  Result<void> begin() override { return {}; }
  Result<void> commit() override { return {}; }
  Result<void> rollback() override { return {}; }
  Result<void> forEachTitle(const std::function<void(Title&&)>& each) override {
    for (auto [id, t] : titles) {
      each(std::move(t));
    }
    return {};
  }
  Result<void> forEachCopy(const std::function<void(Copy&&)>& each) override {
    for (auto [b, c] : copies) {
      each(std::move(c));
    }
    return {};
  }
  Result<void> insertTitles(std::vector<Title>& ts) override {
    for (auto& t : ts) {
      t.id = nextId++;
      titles[t.id] = t;
    }
    return {};
  }
  Result<void> updateTitles(const std::vector<Title>& ts) override {
    for (const auto& t : ts) {
      if (!titles.count(t.id)) {
        std::abort();
      }
      titles[t.id] = t;
    }
    return {};
  }
  Result<void> insertCopies(const std::vector<Copy>& cs) override {
    for (auto c : cs) {
      if (copies.count(c.barcode)) {
        std::abort();  // a duplicate barcode reached the store
      }
      c.id = nextId++;
      copies[c.barcode] = c;
    }
    return {};
  }
  Result<void> updateCopies(const std::vector<Copy>& cs) override {
    for (const auto& c : cs) {
      if (!copies.count(c.barcode) || copies[c.barcode].id != c.id) {
        std::abort();
      }
      copies[c.barcode] = c;
    }
    return {};
  }
  Result<std::optional<Borrower>> findBorrower(const std::string&) override { std::abort(); }
  Result<std::optional<Copy>> findCopy(const std::string&) override { std::abort(); }
  Result<std::vector<Loan>> openLoans(std::int64_t) override { std::abort(); }
  Result<std::optional<Loan>> currentLoan(std::int64_t) override { std::abort(); }
  Result<bool> claimCopy(std::int64_t, const std::string&) override { std::abort(); }
  Result<std::int64_t> insertLoan(const Loan&) override { std::abort(); }
  Result<void> updateLoan(const Loan&) override { std::abort(); }
  Result<std::vector<Fine>> fines(std::int64_t) override { std::abort(); }
  Result<std::int64_t> unpaidCents(std::int64_t) override { std::abort(); }
  Result<void> insertFines(const std::vector<Fine>&) override { std::abort(); }
  Result<void> recordPayment(std::int64_t, std::int64_t, const std::vector<FinePayment>&,
                             const std::string&) override {
    std::abort();
  }
  Result<std::int64_t> waiveLoanFines(std::int64_t) override { std::abort(); }
  Result<void> recordWaiver(const FineWaiver&, const std::vector<FinePayment>&) override {
    std::abort();
  }
  Result<std::vector<FineWaiver>> waivers(std::int64_t) override { std::abort(); }
  Result<std::vector<PatronFine>> unpaidFines() override { std::abort(); }
  Result<std::vector<Copy>> listCopies(const CopyFilter&) override { std::abort(); }
  Result<std::optional<Borrower>> findBorrowerById(std::int64_t) override { std::abort(); }
  Result<void> forEachReportLoan(const LoanReportFilter&,
                                 const std::function<void(LoanLine&&)>&) override {
    std::abort();
  }
  Result<void> forEachOpenLoanDueBy(const std::string&,
                                    const std::function<void(Loan&&)>&) override {
    std::abort();
  }
  Result<void> markLost(const std::vector<std::int64_t>&, const std::vector<std::int64_t>&,
                        const std::string&) override {
    std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Config config;
  config.sites = {{"LHS", "Lincoln", "high"}, {"WES", "Washington", "elementary"}};
  config.conditions = defaultConditions();
  MemoryStore store;
  for (int pass = 0; pass < 2; ++pass) {
    test::StringSource src(std::string(reinterpret_cast<const char*>(data), size), 17);
    auto out = importItems(src, store, config, CivilTime{2026, 8, 20, 9, 0, 0});
    if (!out) {
      if (out.error().code.name().empty() || out.error().message.empty()) {
        std::abort();
      }
      return 0;
    }
    if (out->added + out->updated + out->unchanged + out->skipped != out->read) {
      std::abort();
    }
    if (pass == 1 && out->added != 0) {
      std::abort();  // the same file again adds nothing
    }
  }
  for (const auto& [barcode, c] : store.copies) {
    if (barcode.empty() || c.title.empty() || c.valueCents < 0 || c.purchaseCents < 0 ||
        !findCondition(config.conditions, c.condition) || !store.titles.count(c.titleId)) {
      std::abort();
    }
  }
  return 0;
}
