#include "adapters/sql/soci_circulation.h"

#include <algorithm>
#include <optional>

#include "adapters/sql/dialect.h"
#include "adapters/sql/row_batch.h"
#include "adapters/sql/soci_common.h"
#include "adapters/sql/soci_librarian.h"
#include "adapters/sql/sqlite_bulk.h"
#include "engine/circulation.h"

namespace patrond::sql {
namespace {

Value num(std::int64_t v) {
  return std::to_string(v);
}
Value text(const std::string& v) {
  return v;
}
Value textOrNull(const std::string& v) {
  return v.empty() ? std::nullopt : Value(v);
}

// `UPDATE ... WHERE id IN (...)` with `prefix` binding first, in batches of bound ids.
void execForIds(soci::session& sql, const std::string& head, const std::vector<std::string>& prefix,
                const std::vector<std::int64_t>& ids) {
  forEachSlice(ids.size(), kIdsPerStatement, [&](size_t start, size_t n) {
    RowBatch batch(sql);
    for (const std::string& v : prefix) {
      batch.use(v);
    }
    std::string q = head + " IN (";
    for (size_t i = 0; i < n; ++i) {
      q += (i == 0 ? ":i" : ", :i") + std::to_string(i);
      batch.useCopy(std::to_string(ids[start + i]));
    }
    batch.execute(q + ")");
  });
}

}  // namespace

const char* const kCopySelect =
    "c.id, c.barcode, c.title_id, t.title, t.replacement_price_cents, c.site, "
    "c.purchase_price_cents, c.copy_condition, c.value_cents, c.textbook, c.status, "
    "c.circulations, c.condition_circulations, c.updated_at FROM copies c JOIN titles t ON t.id = "
    "c.title_id";

namespace {

const char* kLoanColumns =
    "l.id, l.copy_id, l.patron_id, c.barcode, t.title, c.textbook, c.site, c.value_cents, "
    "l.checked_out_at, l.due_date, l.returned_at, l.lost_at, l.status, l.overridden, "
    "l.override_blocks, l.override_by FROM loans l JOIN copies c ON c.id = l.copy_id "
    "JOIN titles t ON t.id = c.title_id";

// Builders over a column reader, so SOCI rows and native SQLite rows share them.
template <typename Str, typename Int, typename IsNull>
Copy copyFrom(Str s, Int i, IsNull isNull) {
  Copy c;
  c.id = i(0);
  c.barcode = s(1);
  c.titleId = i(2);
  c.title = s(3);
  if (!isNull(4)) {
    c.replacementCents = i(4);
  }
  c.site = s(5);
  c.purchaseCents = i(6);
  c.condition = s(7);
  c.valueCents = i(8);
  c.textbook = i(9) != 0;
  c.status = s(10);
  c.circulations = static_cast<int>(i(11));
  c.conditionCirculations = static_cast<int>(i(12));
  c.updatedAt = s(13);
  return c;
}

template <typename Str, typename Int>
Loan loanFrom(Str s, Int i) {
  Loan l;
  l.id = i(0);
  l.copyId = i(1);
  l.patronId = i(2);
  l.copyBarcode = s(3);
  l.title = s(4);
  l.textbook = i(5) != 0;
  l.site = s(6);
  l.valueCents = i(7);
  l.checkedOutAt = s(8);
  l.due = s(9);
  l.returnedAt = s(10);
  l.lostAt = s(11);
  l.status = s(12);
  l.overridden = i(13) != 0;
  l.overrideBlocks = s(14);
  l.overrideBy = s(15);
  return l;
}

Loan loanFromRow(const soci::row& r) {
  return loanFrom([&](size_t k) { return getStr(r, k); }, [&](size_t k) { return getInt(r, k); });
}

}  // namespace

Copy copyFromRow(const soci::row& r) {
  return copyFrom([&](size_t k) { return getStr(r, k); }, [&](size_t k) { return getInt(r, k); },
                  [&](size_t k) { return r.get_indicator(k) == soci::i_null; });
}

namespace {

class SociCirculation final : public CirculationStore, private SociPart {
 public:
  SociCirculation(DbBackend backend, soci::session& sql, PatronStore& tx)
      : SociPart(backend, sql, tx) {}

  Result<void> begin() override { return tx_.begin(); }
  Result<void> commit() override { return tx_.commit(); }
  Result<void> rollback() override { return tx_.rollback(); }

  Result<void> forEachTitle(const std::function<void(Title&&)>& each) override {
    return guard("reading titles", [&]() -> Result<void> {
      soci::rowset<soci::row> rs =
          (sql_.prepare << "SELECT id, title, isbn, replacement_price_cents FROM titles");
      for (const auto& r : rs) {
        Title t;
        t.id = getInt(r, 0);
        t.title = getStr(r, 1);
        t.isbn = getStr(r, 2);
        if (r.get_indicator(3) != soci::i_null) {
          t.replacementCents = getInt(r, 3);
        }
        each(std::move(t));
      }
      return {};
    });
  }

  Result<void> forEachCopy(const std::function<void(Copy&&)>& each) override {
    return guard("reading copies", [&]() -> Result<void> {
      soci::rowset<soci::row> rs = (sql_.prepare << std::string("SELECT ") + kCopySelect);
      for (const auto& r : rs) {
        each(copyFromRow(r));
      }
      return {};
    });
  }

  Result<void> insertTitles(std::vector<Title>& titles) override {
    return guard("adding titles", [&]() -> Result<void> {
      for (auto& t : titles) {
        std::string isbn = t.isbn;
        soci::indicator isbnInd = isbn.empty() ? soci::i_null : soci::i_ok;
        long long price = t.replacementCents.value_or(0);
        soci::indicator priceInd = t.replacementCents ? soci::i_ok : soci::i_null;
        t.id = insertReturningId(
            sql_, backend_, "titles",
            "INSERT INTO titles (title, isbn, replacement_price_cents) VALUES (:t, :i, :p)",
            [&](soci::statement& st) {
              st.exchange(soci::use(t.title));
              st.exchange(soci::use(isbn, isbnInd));
              st.exchange(soci::use(price, priceInd));
            });
      }
      return {};
    });
  }

  Result<void> updateTitles(const std::vector<Title>& titles) override {
    return guard("updating titles", [&]() -> Result<void> {
      for (const auto& t : titles) {
        long long price = t.replacementCents.value_or(0);
        soci::indicator priceInd = t.replacementCents ? soci::i_ok : soci::i_null;
        long long id = t.id;
        sql_ << "UPDATE titles SET title = :t, replacement_price_cents = :p WHERE id = :id",
            soci::use(t.title), soci::use(price, priceInd), soci::use(id);
      }
      return {};
    });
  }

  static std::vector<Value> copyValues(const Copy& c) {
    return {text(c.barcode),         num(c.titleId),
            textOrNull(c.site),      num(c.purchaseCents),
            text(c.condition),       num(c.valueCents),
            num(c.textbook ? 1 : 0), text(c.status),
            num(c.circulations),     num(c.conditionCirculations),
            textOrNull(c.updatedAt)};
  }
  static constexpr const char* kCopyWriteColumns =
      "barcode, title_id, site, purchase_price_cents, copy_condition, value_cents, textbook, "
      "status, circulations, condition_circulations, updated_at";

  Result<void> insertCopies(const std::vector<Copy>& copies) override {
    return guard("adding copies", [&]() -> Result<void> {
      Rows rows;
      rows.reserve(copies.size());
      for (const auto& c : copies) {
        rows.push_back(copyValues(c));
      }
      execMultiRow(sql_, std::string("INSERT INTO copies (") + kCopyWriteColumns + ") VALUES ",
                   rows);
      return {};
    });
  }

  Result<void> updateCopies(const std::vector<Copy>& copies) override {
    return guard("updating copies", [&]() -> Result<void> {
      // One upsert by id per batch of copies (every row exists: it updates).
      Rows rows;
      rows.reserve(copies.size());
      for (const auto& c : copies) {
        auto v = copyValues(c);
        v.insert(v.begin(), num(c.id));
        rows.push_back(std::move(v));
      }
      std::string tail = Dialect(backend_).upsertById(
          {"title_id", "site", "purchase_price_cents", "copy_condition", "value_cents", "textbook",
           "status", "circulations", "condition_circulations", "updated_at"});
      execMultiRow(sql_, std::string("INSERT INTO copies (id, ") + kCopyWriteColumns + ") VALUES ",
                   rows, tail);
      return {};
    });
  }

  Result<std::optional<Borrower>> findBorrower(const std::string& key) override {
    auto p = tx_.findPatron(key);  // district id first, then barcode
    if (!p) {
      return p.error();
    }
    return *p ? std::optional<Borrower>(borrowerOf(**p)) : std::nullopt;
  }

  Result<std::optional<Copy>> findCopy(const std::string& barcode) override {
    return guard("finding the copy", [&]() -> Result<std::optional<Copy>> {
      soci::rowset<soci::row> rs =
          (sql_.prepare << std::string("SELECT ") + kCopySelect + " WHERE c.barcode = :b",
           soci::use(barcode));
      for (const auto& r : rs) {
        return std::optional<Copy>(copyFromRow(r));
      }
      return std::optional<Copy>();
    });
  }

  Result<std::vector<Loan>> openLoans(std::int64_t patronId) override {
    return guard("reading loans", [&]() -> Result<std::vector<Loan>> {
      long long id = patronId;
      std::vector<Loan> out;
      soci::rowset<soci::row> rs =
          (sql_.prepare << std::string("SELECT ") + kLoanColumns +
                               " WHERE l.patron_id = :p AND l.status = 'open' "
                               "ORDER BY l.due_date, l.id",
           soci::use(id));
      for (const auto& r : rs) {
        out.push_back(loanFromRow(r));
      }
      return out;
    });
  }

  Result<std::optional<Loan>> currentLoan(std::int64_t copyId) override {
    return guard("reading the copy's loan", [&]() -> Result<std::optional<Loan>> {
      long long id = copyId;
      soci::rowset<soci::row> rs =
          (sql_.prepare << std::string("SELECT ") + kLoanColumns +
                               " WHERE l.copy_id = :c AND l.status IN ('open', 'lost') "
                               "ORDER BY CASE WHEN l.status = 'open' THEN 0 ELSE 1 END, l.id DESC",
           soci::use(id));
      for (const auto& r : rs) {
        return std::optional<Loan>(loanFromRow(r));
      }
      return std::optional<Loan>();
    });
  }

  Result<bool> claimCopy(std::int64_t copyId, const std::string& at) override {
    return guard("checking the copy out", [&]() -> Result<bool> {
      long long id = copyId;
      soci::statement st =
          (sql_.prepare << "UPDATE copies SET status = 'checked_out', updated_at = :u WHERE id = "
                           ":id AND status = 'available'",
           soci::use(at), soci::use(id));
      st.execute(true);
      return st.get_affected_rows() == 1;
    });
  }

  Result<std::int64_t> insertLoan(const Loan& l) override {
    return guard("recording the loan", [&]() -> Result<std::int64_t> {
      long long copy = l.copyId, patron = l.patronId;
      int overridden = l.overridden ? 1 : 0;
      std::string blocks = l.overrideBlocks, by = l.overrideBy;
      soci::indicator blocksInd = blocks.empty() ? soci::i_null : soci::i_ok;
      soci::indicator byInd = by.empty() ? soci::i_null : soci::i_ok;
      return insertReturningId(
          sql_, backend_, "loans",
          "INSERT INTO loans (copy_id, patron_id, checked_out_at, due_date, status, overridden, "
          "override_blocks, override_by) VALUES (:c, :p, :o, :d, 'open', :ov, :ob, :by)",
          [&](soci::statement& st) {
            st.exchange(soci::use(copy));
            st.exchange(soci::use(patron));
            st.exchange(soci::use(l.checkedOutAt));
            st.exchange(soci::use(l.due));
            st.exchange(soci::use(overridden));
            st.exchange(soci::use(blocks, blocksInd));
            st.exchange(soci::use(by, byInd));
          });
    });
  }

  Result<void> updateLoan(const Loan& l) override {
    return guard("updating the loan", [&]() -> Result<void> {
      long long id = l.id;
      std::string returned = l.returnedAt, lost = l.lostAt;
      soci::indicator ri = returned.empty() ? soci::i_null : soci::i_ok;
      soci::indicator li = lost.empty() ? soci::i_null : soci::i_ok;
      sql_ << "UPDATE loans SET status = :s, returned_at = :r, lost_at = :l WHERE id = :id",
          soci::use(l.status), soci::use(returned, ri), soci::use(lost, li), soci::use(id);
      return {};
    });
  }

  Result<std::vector<Fine>> fines(std::int64_t patronId) override {
    return guard("reading fines", [&]() -> Result<std::vector<Fine>> {
      long long id = patronId;
      std::vector<Fine> out;
      soci::rowset<soci::row> rs =
          (sql_.prepare << "SELECT id, patron_id, loan_id, amount_cents, paid_cents, reason, "
                           "created_at, waived_cents FROM fines WHERE patron_id = :p ORDER BY "
                           "created_at, id",
           soci::use(id));
      for (const auto& r : rs) {
        out.push_back({getInt(r, 0), getInt(r, 1), getInt(r, 2), getInt(r, 3), getInt(r, 4),
                       getStr(r, 5), getStr(r, 6), getInt(r, 7)});
      }
      return out;
    });
  }

  Result<std::int64_t> unpaidCents(std::int64_t patronId) override {
    return guard("reading the fine balance", [&]() -> Result<std::int64_t> {
      long long id = patronId;
      soci::rowset<soci::row> rs =
          (sql_.prepare << "SELECT SUM(amount_cents - paid_cents) FROM fines WHERE patron_id = :p",
           soci::use(id));
      for (const auto& r : rs) {
        return static_cast<std::int64_t>(getInt(r, 0));
      }
      return std::int64_t{0};
    });
  }

  Result<void> insertFines(const std::vector<Fine>& fines) override {
    return guard("charging fines", [&]() -> Result<void> {
      if (backend_ == DbBackend::kSqlite3) {
        SqliteStatement st(sqlite(),
                           "INSERT INTO fines (patron_id, loan_id, amount_cents, paid_cents, "
                           "reason, created_at) VALUES (?, ?, ?, ?, ?, ?)");
        if (!st.ok()) {
          throw std::runtime_error(st.error());
        }
        for (const auto& f : fines) {
          st.integer(1, f.patronId);
          st.integer(2, f.loanId);
          st.integer(3, f.amountCents);
          st.integer(4, f.paidCents);
          st.text(5, f.reason);
          st.text(6, f.createdAt);
          if (!st.step()) {
            throw std::runtime_error(st.error());
          }
        }
        return {};
      }
      Rows rows;
      rows.reserve(fines.size());
      for (const auto& f : fines) {
        rows.push_back({num(f.patronId), f.loanId ? num(f.loanId) : std::nullopt,
                        num(f.amountCents), num(f.paidCents), text(f.reason), text(f.createdAt)});
      }
      execMultiRow(sql_,
                   "INSERT INTO fines (patron_id, loan_id, amount_cents, paid_cents, reason, "
                   "created_at) VALUES ",
                   rows);
      return {};
    });
  }

  Result<void> recordPayment(std::int64_t patronId, std::int64_t cents,
                             const std::vector<FinePayment>& shares,
                             const std::string& paidAt) override {
    return guard("recording the payment", [&]() -> Result<void> {
      for (const auto& s : shares) {
        long long add = s.cents, id = s.fineId;
        sql_ << "UPDATE fines SET paid_cents = paid_cents + :a WHERE id = :id", soci::use(add),
            soci::use(id);
      }
      long long p = patronId, c = cents;
      sql_ << "INSERT INTO payments (patron_id, amount_cents, paid_at) VALUES (:p, :c, :t)",
          soci::use(p), soci::use(c), soci::use(paidAt);
      return {};
    });
  }

  Result<std::int64_t> waiveLoanFines(std::int64_t loanId) override {
    return guard("waiving the lost copy's fine", [&]() -> Result<std::int64_t> {
      long long id = loanId;
      std::int64_t open = 0;
      soci::rowset<soci::row> rs =
          (sql_.prepare << "SELECT SUM(amount_cents - paid_cents) FROM fines WHERE loan_id = :l",
           soci::use(id));
      for (const auto& r : rs) {
        open = getInt(r, 0);
      }
      // waived_cents first: MySQL assigns left to right with the values already set.
      sql_ << "UPDATE fines SET waived_cents = waived_cents + amount_cents - paid_cents, "
              "amount_cents = paid_cents WHERE loan_id = :l AND amount_cents > paid_cents",
          soci::use(id);
      return open;
    });
  }

  Result<void> recordWaiver(const FineWaiver& waiver,
                            const std::vector<FinePayment>& shares) override {
    return guard("recording the waiver", [&]() -> Result<void> {
      insertWaiver(sql_, waiver, shares);
      return {};
    });
  }

  Result<std::vector<FineWaiver>> waivers(std::int64_t patronId) override {
    return guard("reading waivers", [&]() -> Result<std::vector<FineWaiver>> {
      return selectWaivers(sql_, patronId);
    });
  }

  Result<std::vector<PatronFine>> unpaidFines() override {
    return guard("reading unpaid fines",
                 [&]() -> Result<std::vector<PatronFine>> { return selectUnpaidFines(sql_); });
  }

  Result<std::vector<Copy>> listCopies(const CopyFilter& filter) override {
    return guard("listing copies",
                 [&]() -> Result<std::vector<Copy>> { return selectCopies(sql_, filter); });
  }

  Result<std::optional<Borrower>> findBorrowerById(std::int64_t patronId) override {
    return guard("finding the borrower", [&]() -> Result<std::optional<Borrower>> {
      return selectBorrowerById(sql_, patronId);
    });
  }

  Result<void> forEachReportLoan(const LoanReportFilter& filter,
                                 const std::function<void(LoanLine&&)>& each) override {
    return guard("reading open loans", [&]() -> Result<void> {
      selectReportLoans(sql_, backend_, filter, each);
      return {};
    });
  }

  Result<void> forEachOpenLoanDueBy(const std::string& due,
                                    const std::function<void(Loan&&)>& each) override {
    return guard("reading overdue loans", [&]() -> Result<void> {
      std::string q = std::string("SELECT ") + kLoanColumns +
                      " WHERE l.status = 'open' AND l.due_date <= :d ORDER BY l.due_date, l.id";
      if (backend_ == DbBackend::kSqlite3) {
        // Up to a million rows: native stepping, no per-row SOCI conversions.
        SqliteStatement st(sqlite(), nativeParams(q));
        if (!st.ok()) {
          throw std::runtime_error(st.error());
        }
        st.text(1, due);
        while (st.next()) {
          each(loanFrom([&](int k) { return st.columnText(k); },
                        [&](int k) { return st.columnInt(k); }));
        }
        if (!st.error().empty()) {
          throw std::runtime_error(st.error());
        }
        return {};
      }
      soci::rowset<soci::row> rs = (sql_.prepare << q, soci::use(due));
      for (const auto& r : rs) {
        each(loanFromRow(r));
      }
      return {};
    });
  }

  Result<void> markLost(const std::vector<std::int64_t>& loanIds,
                        const std::vector<std::int64_t>& copyIds,
                        const std::string& lostAt) override {
    return guard("marking loans lost", [&]() -> Result<void> {
      if (backend_ == DbBackend::kSqlite3) {
        SqliteStatement loans(sqlite(),
                              "UPDATE loans SET status = 'lost', lost_at = ? WHERE id = ?");
        SqliteStatement copies(sqlite(),
                               "UPDATE copies SET status = 'lost', updated_at = ? WHERE id = ?");
        if (!loans.ok() || !copies.ok()) {
          throw std::runtime_error(loans.ok() ? copies.error() : loans.error());
        }
        for (auto id : loanIds) {
          loans.text(1, lostAt);
          loans.integer(2, id);
          if (!loans.step()) {
            throw std::runtime_error(loans.error());
          }
        }
        for (auto id : copyIds) {
          copies.text(1, lostAt);
          copies.integer(2, id);
          if (!copies.step()) {
            throw std::runtime_error(copies.error());
          }
        }
        return {};
      }
      execForIds(sql_, "UPDATE loans SET status = 'lost', lost_at = :t WHERE id", {lostAt},
                 loanIds);
      execForIds(sql_, "UPDATE copies SET status = 'lost', updated_at = :t WHERE id", {lostAt},
                 copyIds);
      return {};
    });
  }

 private:
  sqlite_api::sqlite3* sqlite() { return sqliteHandle(sql_); }
};

}  // namespace

std::unique_ptr<CirculationStore> makeCirculationStore(DbBackend backend, soci::session& sql,
                                                       PatronStore& tx) {
  return std::make_unique<SociCirculation>(backend, sql, tx);
}

}  // namespace patrond::sql
