#include "adapters/sql/soci_librarian.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <tuple>

#include "adapters/sql/dialect.h"
#include "adapters/sql/soci_common.h"
#include "engine/text.h"

namespace patrond::sql {
namespace {

const char* kBorrowerColumns =
    "p.id, p.district_id, p.barcode, p.first_name, p.last_name, p.site, p.status";
constexpr std::size_t kBorrowerColumnCount = 7;

Borrower borrowerFrom(const soci::row& r, std::size_t at) {
  Borrower b;
  b.id = getInt(r, at);
  b.districtId = getStr(r, at + 1);
  b.barcode = getStr(r, at + 2);
  b.firstName = getStr(r, at + 3);
  b.lastName = getStr(r, at + 4);
  b.site = getStr(r, at + 5);
  b.active = getStr(r, at + 6) != "inactive";
  return b;
}

// Runs `q` with `binds` (in placeholder order; they must outlive the call) and calls `each`
// for every row.
template <typename Each>
void forEachRow(soci::session& sql, const std::string& q, const std::vector<std::string>& binds,
                Each each) {
  soci::row r;
  soci::statement st(sql);
  st.alloc();
  for (const auto& b : binds) {
    st.exchange(soci::use(b));
  }
  st.exchange(soci::into(r));
  st.prepare(q);
  st.define_and_bind();
  st.execute(false);
  while (st.fetch()) {
    each(r);
  }
}

// A filter's WHERE clause over named placeholders, and the values in their order.
struct Where {
  std::string sql;
  std::vector<std::string> values;
  void add(const std::string& condition, const std::string& value) {
    sql += (sql.empty() ? " WHERE " : " AND ") + condition;
    values.push_back(value);
  }
};

}  // namespace

std::vector<Copy> selectCopies(soci::session& sql, const CopyFilter& f) {
  Where w;
  if (!f.site.empty()) {
    w.add("c.site = :site", f.site);
  }
  if (!f.status.empty()) {
    w.add("c.status = :status", f.status);
  }
  // The title is matched here rather than with LIKE: the three databases fold case
  // differently, and a title may hold % or _.
  std::string needle = toLower(f.title);
  std::vector<Copy> out;
  forEachRow(sql, std::string("SELECT ") + kCopySelect + w.sql, w.values, [&](const soci::row& r) {
    Copy c = copyFromRow(r);
    if (needle.empty() || toLower(c.title).find(needle) != std::string::npos) {
      out.push_back(std::move(c));
    }
  });
  // Byte order whatever the database's collation.
  std::sort(out.begin(), out.end(),
            [](const Copy& a, const Copy& b) { return a.barcode < b.barcode; });
  if (f.limit && out.size() > static_cast<std::size_t>(*f.limit)) {
    out.resize(static_cast<std::size_t>(*f.limit));
  }
  return out;
}

std::optional<Borrower> selectBorrowerById(soci::session& sql, std::int64_t patronId) {
  std::optional<Borrower> out;
  forEachRow(sql, std::string("SELECT ") + kBorrowerColumns + " FROM patrons p WHERE p.id = :id",
             {std::to_string(patronId)}, [&](const soci::row& r) { out = borrowerFrom(r, 0); });
  return out;
}

void insertWaiver(soci::session& sql, const FineWaiver& w, const std::vector<FinePayment>& shares) {
  for (const auto& s : shares) {
    long long cents = s.cents, id = s.fineId;
    sql << "UPDATE fines SET amount_cents = amount_cents - :a, waived_cents = waived_cents + :w "
           "WHERE id = :id",
        soci::use(cents), soci::use(cents), soci::use(id);
  }
  long long patron = w.patronId, amount = w.amountCents;
  sql << "INSERT INTO fine_waivers (patron_id, amount_cents, reason, waived_by, waived_at) "
         "VALUES (:p, :a, :r, :b, :t)",
      soci::use(patron), soci::use(amount), soci::use(w.reason), soci::use(w.waivedBy),
      soci::use(w.waivedAt);
}

std::vector<FineWaiver> selectWaivers(soci::session& sql, std::int64_t patronId) {
  std::vector<FineWaiver> out;
  forEachRow(sql,
             "SELECT id, patron_id, amount_cents, reason, waived_by, waived_at FROM fine_waivers "
             "WHERE patron_id = :p ORDER BY id",
             {std::to_string(patronId)}, [&](const soci::row& r) {
               out.push_back({getInt(r, 0), getInt(r, 1), getInt(r, 2), getStr(r, 3), getStr(r, 4),
                              getStr(r, 5)});
             });
  return out;
}

std::vector<PatronFine> selectUnpaidFines(soci::session& sql) {
  std::vector<PatronFine> out;
  forEachRow(sql,
             std::string("SELECT ") + kBorrowerColumns +
                 ", f.id, f.loan_id, f.amount_cents, f.paid_cents, f.reason, f.created_at, "
                 "f.waived_cents FROM fines f JOIN patrons p ON p.id = f.patron_id "
                 "WHERE f.amount_cents > f.paid_cents",
             {}, [&](const soci::row& r) {
               PatronFine pf;
               pf.patron = borrowerFrom(r, 0);
               const std::size_t k = kBorrowerColumnCount;
               pf.fine = {getInt(r, k),     pf.patron.id,     getInt(r, k + 1), getInt(r, k + 2),
                          getInt(r, k + 3), getStr(r, k + 4), getStr(r, k + 5), getInt(r, k + 6)};
               out.push_back(std::move(pf));
             });
  std::sort(out.begin(), out.end(), [](const PatronFine& a, const PatronFine& b) {
    return std::tie(a.patron.lastName, a.patron.firstName, a.patron.id, a.fine.createdAt,
                    a.fine.id) < std::tie(b.patron.lastName, b.patron.firstName, b.patron.id,
                                          b.fine.createdAt, b.fine.id);
  });
  return out;
}

void selectReportLoans(soci::session& sql, DbBackend backend, const LoanReportFilter& f,
                       const std::function<void(LoanLine&&)>& each) {
  Where w;
  w.add("l.status = :open", "open");
  if (!f.site.empty()) {
    w.add("p.site = :site", f.site);
  }
  if (!f.homeroom.empty()) {
    w.add("p.homeroom = :homeroom", f.homeroom);
  }
  if (f.active) {
    w.add("p.status = :status", *f.active ? "active" : "inactive");
  }
  std::string q = std::string("SELECT ") + kBorrowerColumns +
                  ", p.homeroom, p.grade, l.id, l.copy_id, c.barcode, t.title, c.textbook, "
                  "c.site, c.value_cents, l.checked_out_at, l.due_date, l.overridden, "
                  "l.override_by, c.copy_condition, c.purchase_price_cents, "
                  "t.replacement_price_cents FROM loans l JOIN patrons p ON p.id = l.patron_id "
                  "JOIN copies c ON c.id = l.copy_id JOIN titles t ON t.id = c.title_id" +
                  w.sql + " ORDER BY ";
  Dialect d(backend);
  const char* order[] = {"p.site",        "p.homeroom", "p.last_name", "p.first_name",
                         "p.district_id", "l.due_date", "c.barcode"};
  for (std::size_t i = 0; i < std::size(order); ++i) {
    q += (i ? ", " : "") + d.byteOrder(std::string("COALESCE(") + order[i] + ", '')");
  }
  q += ", l.id";
  forEachRow(sql, q, w.values, [&](const soci::row& r) {
    LoanLine line;
    line.patron = borrowerFrom(r, 0);
    std::size_t k = kBorrowerColumnCount;
    line.homeroom = getStr(r, k++);
    line.grade = getStr(r, k++);
    Loan& l = line.loan;
    l.id = getInt(r, k++);
    l.copyId = getInt(r, k++);
    l.patronId = line.patron.id;
    l.copyBarcode = getStr(r, k++);
    l.title = getStr(r, k++);
    l.textbook = getInt(r, k++) != 0;
    l.site = getStr(r, k++);
    l.valueCents = getInt(r, k++);
    l.checkedOutAt = getStr(r, k++);
    l.due = getStr(r, k++);
    l.overridden = getInt(r, k++) != 0;
    l.overrideBy = getStr(r, k++);
    line.condition = getStr(r, k++);
    line.purchaseCents = getInt(r, k++);
    if (r.get_indicator(k) != soci::i_null) {
      line.replacementCents = getInt(r, k);
    }
    each(std::move(line));
  });
}

}  // namespace patrond::sql
