#include "adapters/sql/soci_outbox.h"

#include <sstream>

#include "adapters/sql/soci_common.h"
#include "adapters/sql/sqlite_bulk.h"

namespace patrond::sql {
namespace {

constexpr const char* kColumns =
    "id, notice, dedupe_key, notice_date, site, homeroom, to_addrs, cc_addrs, subject, "
    "body_text, body_html, message_id, status, attempts, last_error, next_attempt_at, "
    "created_at, sent_at FROM outbox";

// Addresses are checked by plausibleEmail (no commas) before they reach the outbox.
std::string joinAddresses(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& a : list) {
    out += (out.empty() ? "" : ",") + a;
  }
  return out;
}

std::vector<std::string> splitAddresses(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) {
      out.push_back(part);
    }
  }
  return out;
}

OutboxMessage messageFromRow(const soci::row& r) {
  OutboxMessage m;
  m.id = getInt(r, 0);
  m.notice = getStr(r, 1);
  m.dedupeKey = getStr(r, 2);
  m.noticeDate = getStr(r, 3);
  m.site = getStr(r, 4);
  m.homeroom = getStr(r, 5);
  m.to = splitAddresses(getStr(r, 6));
  m.cc = splitAddresses(getStr(r, 7));
  m.subject = getStr(r, 8);
  m.bodyText = getStr(r, 9);
  m.bodyHtml = getStr(r, 10);
  m.messageId = getStr(r, 11);
  m.status = getStr(r, 12);
  m.attempts = static_cast<int>(getInt(r, 13));
  m.lastError = getStr(r, 14);
  m.nextAttemptAt = getStr(r, 15);
  m.createdAt = getStr(r, 16);
  m.sentAt = getStr(r, 17);
  return m;
}

// A notice row over a column reader, so SOCI rows and native SQLite rows share it.
template <typename Str, typename Int, typename IsNull>
NoticeRow noticeRowFrom(Str s, Int i, IsNull isNull, const NoticeSelection& sel) {
  NoticeRow row;
  row.districtId = s(0);
  row.firstName = s(1);
  row.lastName = s(2);
  row.grade = s(3);
  row.site = s(4);
  row.homeroom = s(5);
  row.email = s(6);
  row.copy = s(7);
  row.title = s(8);
  row.due = s(9).substr(0, 10);
  // A fine not about a loan is of no material: it passes either filter.
  row.textbook = isNull(10) ? sel.textbooks : i(10) != 0;
  row.fineCents = i(11);
  row.fineReason = s(12);
  return row;
}

class SociOutbox final : public OutboxStore, private SociPart {
 public:
  SociOutbox(DbBackend backend, soci::session& sql, PatronStore& tx) : SociPart(backend, sql, tx) {}

  Result<void> forEachNoticeRow(const NoticeSelection& sel,
                                const std::function<void(const NoticeRow&)>& fn) override {
    return guard("reading loans for the notice", [&]() -> Result<void> {
      std::string q;
      const bool fines = sel.report == NoticeReport::kFines;
      if (fines) {
        q = "SELECT p.district_id, p.first_name, p.last_name, p.grade, p.site, p.homeroom, "
            "p.email, c.barcode, t.title, l.due_date, c.textbook, "
            "f.amount_cents - f.paid_cents, f.reason FROM fines f "
            "JOIN patrons p ON p.id = f.patron_id LEFT JOIN loans l ON l.id = f.loan_id "
            "LEFT JOIN copies c ON c.id = l.copy_id LEFT JOIN titles t ON t.id = c.title_id "
            "WHERE f.amount_cents > f.paid_cents AND p.status = 'active'";
      } else {
        // loans_due (status, due_date) finds the range; the rest are joins by primary key.
        q = "SELECT p.district_id, p.first_name, p.last_name, p.grade, p.site, p.homeroom, "
            "p.email, c.barcode, t.title, l.due_date, c.textbook, 0, '' FROM loans l "
            "JOIN copies c ON c.id = l.copy_id JOIN titles t ON t.id = c.title_id "
            "JOIN patrons p ON p.id = l.patron_id "
            "WHERE l.status = 'open' AND p.status = 'active' AND l.due_date >= :f AND "
            "l.due_date <= :t";
      }
      std::vector<std::string> params;
      if (!fines) {
        params = {sel.dueFrom.empty() ? "0000-00-00" : sel.dueFrom,
                  sel.dueTo.empty() ? "9999-99-99" : sel.dueTo + "~"};  // "~": any time that day
      }
      if (backend_ == DbBackend::kSqlite3) {
        // 50,000 rows for a large district's run: native stepping, no per-row SOCI conversion.
        SqliteStatement st(sqliteHandle(sql_), nativeParams(q));
        if (!st.ok()) {
          throw std::runtime_error(st.error());
        }
        for (size_t k = 0; k < params.size(); ++k) {
          st.text(static_cast<int>(k) + 1, params[k]);
        }
        while (st.next()) {
          fn(noticeRowFrom([&](int k) { return st.columnText(k); },
                           [&](int k) { return st.columnInt(k); },
                           [&](int k) { return st.columnNull(k); }, sel));
        }
        if (!st.error().empty()) {
          throw std::runtime_error(st.error());
        }
        return {};
      }
      soci::row r;
      soci::statement st(sql_);
      st.alloc();
      for (auto& p : params) {
        st.exchange(soci::use(p));
      }
      st.exchange(soci::into(r));
      st.prepare(q);
      st.define_and_bind();
      st.execute(false);
      while (st.fetch()) {
        fn(noticeRowFrom(
            [&](int k) { return getStr(r, static_cast<std::size_t>(k)); },
            [&](int k) { return getInt(r, static_cast<std::size_t>(k)); },
            [&](int k) { return r.get_indicator(static_cast<std::size_t>(k)) == soci::i_null; },
            sel));
      }
      return {};
    });
  }

  Result<bool> queuedBefore(const std::string& key) override {
    return guard("reading the outbox", [&]() -> Result<bool> {
      long long n = 0;
      sql_ << "SELECT COUNT(*) FROM outbox WHERE dedupe_key = :k", soci::use(key), soci::into(n);
      return n > 0;
    });
  }

  Result<int> queue(std::vector<OutboxMessage>& messages) override {
    return inTransaction<int>("queuing messages", [&]() -> Result<int> {
      std::string key;
      long long n = 0;
      soci::statement seen = (sql_.prepare << "SELECT COUNT(*) FROM outbox WHERE dedupe_key = :k",
                              soci::use(key), soci::into(n));
      int queued = 0;
      for (auto& m : messages) {
        m.id = 0;
        key = m.dedupeKey;
        seen.execute(true);
        if (n > 0) {
          continue;
        }
        std::string to = joinAddresses(m.to), cc = joinAddresses(m.cc);
        m.id = insertReturningId(
            sql_, backend_, "outbox",
            "INSERT INTO outbox (notice, dedupe_key, notice_date, site, homeroom, to_addrs, "
            "cc_addrs, subject, body_text, body_html, message_id, status, attempts, "
            "next_attempt_at, created_at) VALUES (:n, :k, :d, :s, :h, :to, :cc, :sub, :bt, "
            ":bh, :mid, :st, :a, :na, :ca)",
            [&](soci::statement& st) {
              st.exchange(soci::use(m.notice));
              st.exchange(soci::use(m.dedupeKey));
              st.exchange(soci::use(m.noticeDate));
              st.exchange(soci::use(m.site));
              st.exchange(soci::use(m.homeroom));
              st.exchange(soci::use(to));
              st.exchange(soci::use(cc));
              st.exchange(soci::use(m.subject));
              st.exchange(soci::use(m.bodyText));
              st.exchange(soci::use(m.bodyHtml));
              st.exchange(soci::use(m.messageId));
              st.exchange(soci::use(m.status));
              st.exchange(soci::use(m.attempts));
              st.exchange(soci::use(m.nextAttemptAt));
              st.exchange(soci::use(m.createdAt));
            });
        ++queued;
      }
      return queued;
    });
  }

  Result<std::vector<OutboxMessage>> claimDue(const std::string& now, const std::string& holder,
                                              const std::string& until, int limit) override {
    using Claimed = std::vector<OutboxMessage>;
    return inTransaction<Claimed>("claiming outbox messages", [&]() -> Result<Claimed> {
      Claimed due;
      {
        soci::rowset<soci::row> rs =
            (sql_.prepare << std::string("SELECT ") + kColumns +
                                 " WHERE status = 'queued' AND next_attempt_at <= :n ORDER BY "
                                 "id LIMIT " +
                                 std::to_string(limit),
             soci::use(now));
        for (const auto& row : rs) {
          due.push_back(messageFromRow(row));
        }
      }
      long long id = 0;
      soci::statement claim =
          (sql_.prepare << "UPDATE outbox SET status = 'sending', claimed_by = :h, "
                           "claimed_until = :u WHERE id = :id AND status = 'queued'",
           soci::use(holder), soci::use(until), soci::use(id));
      Claimed out;
      for (auto& m : due) {
        id = m.id;
        claim.execute(true);
        if (claim.get_affected_rows() == 1) {  // else another instance claimed it first
          m.status = "sending";
          out.push_back(std::move(m));
        }
      }
      return out;
    });
  }

  Result<void> markSent(std::int64_t id, int attempts, const std::string& at) override {
    return update("marking the message sent",
                  "UPDATE outbox SET status = 'sent', attempts = :a, sent_at = :t, "
                  "last_error = NULL, claimed_by = NULL, claimed_until = NULL WHERE id = :id",
                  id, attempts, at);
  }

  Result<void> markRetry(std::int64_t id, int attempts, const std::string& error,
                         const std::string& next) override {
    return guard("scheduling a retry", [&]() -> Result<void> {
      long long i = id;
      sql_ << "UPDATE outbox SET status = 'queued', attempts = :a, last_error = :e, "
              "next_attempt_at = :n, claimed_by = NULL, claimed_until = NULL WHERE id = :id",
          soci::use(attempts), soci::use(error), soci::use(next), soci::use(i);
      return {};
    });
  }

  Result<void> markFailed(std::int64_t id, int attempts, const std::string& error) override {
    return update("marking the message failed",
                  "UPDATE outbox SET status = 'failed', attempts = :a, last_error = :e, "
                  "claimed_by = NULL, claimed_until = NULL WHERE id = :id",
                  id, attempts, error);
  }

  Result<void> release(const std::vector<std::int64_t>& ids) override {
    return guard("releasing outbox messages", [&]() -> Result<void> {
      for (std::int64_t id : ids) {
        long long i = id;
        sql_ << "UPDATE outbox SET status = 'queued', claimed_by = NULL, claimed_until = NULL "
                "WHERE id = :id AND status = 'sending'",
            soci::use(i);
      }
      return {};
    });
  }

  Result<int> failAbandoned(const std::string& now, const std::string& error) override {
    return guard("checking abandoned messages", [&]() -> Result<int> {
      soci::statement st = (sql_.prepare << "UPDATE outbox SET status = 'failed', last_error = :e, "
                                            "claimed_by = NULL, claimed_until = NULL "
                                            "WHERE status = 'sending' AND claimed_until < :n",
                            soci::use(error), soci::use(now));
      st.execute(true);
      return static_cast<int>(st.get_affected_rows());
    });
  }

  Result<std::vector<OutboxMessage>> list(const std::string& status, int limit) override {
    return guard("reading the outbox", [&]() -> Result<std::vector<OutboxMessage>> {
      std::vector<OutboxMessage> out;
      std::string q = std::string("SELECT ") + kColumns;
      std::string lim = " ORDER BY id DESC LIMIT " + std::to_string(limit);
      if (status.empty()) {
        soci::rowset<soci::row> rs = (sql_.prepare << q + lim);
        for (const auto& r : rs) {
          out.push_back(messageFromRow(r));
        }
      } else {
        soci::rowset<soci::row> rs =
            (sql_.prepare << q + " WHERE status = :s" + lim, soci::use(status));
        for (const auto& r : rs) {
          out.push_back(messageFromRow(r));
        }
      }
      return out;
    });
  }

  Result<OutboxHealth> health(const std::string& since, const std::string& stale,
                              const std::string& alertsNotice) override {
    return guard("reading the outbox's health", [&]() -> Result<OutboxHealth> {
      OutboxHealth h;
      soci::rowset<soci::row> byStatus = (sql_.prepare << "SELECT notice, status, COUNT(*) FROM "
                                                          "outbox GROUP BY notice, status "
                                                          "ORDER BY notice, status");
      for (const auto& r : byStatus) {
        std::string st = getStr(r, 1);
        std::int64_t n = getInt(r, 2);
        h.byNotice.push_back({getStr(r, 0), st, n});
        (st == "queued"    ? h.queued
         : st == "sending" ? h.sending
         : st == "sent"    ? h.sent
                           : h.failed) += n;
      }
      soci::indicator ind = soci::i_ok;
      long long n = 0;
      sql_ << "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND created_at >= :s "
              "AND notice <> :a",
          soci::use(since), soci::use(alertsNotice), soci::into(n);
      h.failedRecently = n;
      sql_ << "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND created_at >= :s "
              "AND notice = :a",
          soci::use(since), soci::use(alertsNotice), soci::into(n);
      h.alertsFailedRecently = n;
      sql_ << "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending') "
              "AND attempts > 0 AND notice = :a",
          soci::use(alertsNotice), soci::into(n);
      h.alertsRetrying = n;
      sql_ << "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending') "
              "AND created_at < :s",
          soci::use(stale), soci::into(n);
      h.queuedTooLong = n;
      std::string oldest;
      sql_ << "SELECT MIN(created_at) FROM outbox WHERE status IN ('queued', 'sending')",
          soci::into(oldest, ind);
      h.oldestQueuedAt = ind == soci::i_ok ? oldest : "";
      soci::rowset<soci::row> last =
          (sql_.prepare << "SELECT last_error FROM outbox WHERE status = 'failed' "
                           "AND created_at >= :s AND notice <> :a ORDER BY id DESC LIMIT 1",
           soci::use(since), soci::use(alertsNotice));
      for (const auto& r : last) {
        h.lastFailedError = getStr(r, 0);
      }
      return h;
    });
  }

 private:
  Result<void> update(const char* what, const char* q, std::int64_t id, int attempts,
                      const std::string& text) {
    return guard(what, [&]() -> Result<void> {
      long long i = id;
      int a = attempts;
      std::string t = text;
      sql_ << q, soci::use(a), soci::use(t), soci::use(i);
      return {};
    });
  }
};

}  // namespace

std::unique_ptr<OutboxStore> makeOutboxStore(DbBackend backend, soci::session& sql,
                                             PatronStore& tx) {
  return std::make_unique<SociOutbox>(backend, sql, tx);
}

}  // namespace patrond::sql
