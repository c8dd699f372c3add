// The e-mail outbox and the notice queries on the in-memory tables.

#include <algorithm>

#include "adapters/memory/memory_state.h"

namespace patrond::memory {
namespace {

bool isQueuedOrSending(const OutboxMessage& m) {
  return m.status == "queued" || m.status == "sending";
}

class MemoryOutbox final : public OutboxStore {
 public:
  explicit MemoryOutbox(MemoryStore& store) : store_(store) {}

  Result<void> forEachNoticeRow(const NoticeSelection& selection,
                                const std::function<void(const NoticeRow&)>& fn) override {
    return store_.with("reading loans for the notice", [&](State& s) -> Result<void> {
      if (selection.report == NoticeReport::kFines) {
        fineRows(s, selection, fn);
      } else {
        loanRows(s, selection, fn);
      }
      return {};
    });
  }

  Result<bool> queuedBefore(const std::string& dedupeKey) override {
    return store_.with("reading the outbox", [&](State& s) -> Result<bool> {
      return std::any_of(s.outbox.begin(), s.outbox.end(),
                         [&](const auto& e) { return e.second.message.dedupeKey == dedupeKey; });
    });
  }

  Result<int> queue(std::vector<OutboxMessage>& messages) override {
    return store_.inTransaction<int>("queuing messages", [&](State& s) -> Result<int> {
      int queued = 0;
      for (auto& m : messages) {
        m.id = 0;
        if (std::any_of(s.outbox.begin(), s.outbox.end(),
                        [&](const auto& e) { return e.second.message.dedupeKey == m.dedupeKey; })) {
          continue;
        }
        m.id = ++s.lastId.message;
        StoredMessage stored;
        stored.message = m;
        stored.message.lastError.clear();
        stored.message.sentAt.clear();
        s.outbox[m.id] = std::move(stored);
        ++queued;
      }
      return queued;
    });
  }

  // Oldest first; each claimed only while it is still queued.
  Result<std::vector<OutboxMessage>> claimDue(const std::string& nowUtc, const std::string& holder,
                                              const std::string& claimUntilUtc,
                                              int limit) override {
    using Claimed = std::vector<OutboxMessage>;
    return store_.inTransaction<Claimed>(
        "claiming outbox messages", [&](State& s) -> Result<Claimed> {
          Claimed out;
          for (auto& [id, stored] : s.outbox) {
            if (out.size() >= static_cast<std::size_t>(std::max(0, limit))) {
              break;
            }
            OutboxMessage& m = stored.message;
            if (m.status == "queued" && m.nextAttemptAt <= nowUtc) {
              m.status = "sending";
              stored.claimedBy = holder;
              stored.claimedUntil = claimUntilUtc;
              out.push_back(m);
            }
          }
          return out;
        });
  }

  Result<void> markSent(std::int64_t id, int attempts, const std::string& sentAt) override {
    return change("marking the message sent", id, [&](StoredMessage& m) {
      m.message.status = "sent";
      m.message.attempts = attempts;
      m.message.sentAt = sentAt;
      m.message.lastError.clear();
    });
  }

  Result<void> markRetry(std::int64_t id, int attempts, const std::string& error,
                         const std::string& nextAttemptUtc) override {
    return change("scheduling a retry", id, [&](StoredMessage& m) {
      m.message.status = "queued";
      m.message.attempts = attempts;
      m.message.lastError = error;
      m.message.nextAttemptAt = nextAttemptUtc;
    });
  }

  Result<void> markFailed(std::int64_t id, int attempts, const std::string& error) override {
    return change("marking the message failed", id, [&](StoredMessage& m) {
      m.message.status = "failed";
      m.message.attempts = attempts;
      m.message.lastError = error;
    });
  }

  Result<void> release(const std::vector<std::int64_t>& ids) override {
    return store_.with("releasing outbox messages", [&](State& s) -> Result<void> {
      for (std::int64_t id : ids) {
        if (auto it = s.outbox.find(id);
            it != s.outbox.end() && it->second.message.status == "sending") {
          it->second.message.status = "queued";
          it->second.claimedBy.clear();
          it->second.claimedUntil.clear();
        }
      }
      return {};
    });
  }

  Result<int> failAbandoned(const std::string& nowUtc, const std::string& error) override {
    return store_.with("checking abandoned messages", [&](State& s) -> Result<int> {
      int n = 0;
      for (auto& [id, stored] : s.outbox) {
        if (stored.message.status == "sending" && stored.claimedUntil < nowUtc) {
          stored.message.status = "failed";
          stored.message.lastError = error;
          stored.claimedBy.clear();
          stored.claimedUntil.clear();
          ++n;
        }
      }
      return n;
    });
  }

  // Newest first.
  Result<std::vector<OutboxMessage>> list(const std::string& status, int limit) override {
    return store_.with("reading the outbox", [&](State& s) -> Result<std::vector<OutboxMessage>> {
      std::vector<OutboxMessage> out;
      for (auto it = s.outbox.rbegin(); it != s.outbox.rend(); ++it) {
        if (out.size() >= static_cast<std::size_t>(std::max(0, limit))) {
          break;
        }
        if (status.empty() || it->second.message.status == status) {
          out.push_back(it->second.message);
        }
      }
      return out;
    });
  }

  Result<OutboxHealth> health(const std::string& since, const std::string& stale,
                              const std::string& alertsNotice) override;

 private:
  template <typename F>
  Result<void> change(const char* what, std::int64_t id, F&& f) {
    return store_.with(what, [&](State& s) -> Result<void> {
      if (auto it = s.outbox.find(id); it != s.outbox.end()) {
        f(it->second);
        it->second.claimedBy.clear();
        it->second.claimedUntil.clear();
      }
      return {};
    });
  }

  // Mirrors the SQL: open loans of active patrons (JOIN copies, titles, patrons) with a due
  // date in [dueFrom, dueTo + "~"] (any time that day), in no particular order.
  static void loanRows(const State& s, const NoticeSelection& sel,
                       const std::function<void(const NoticeRow&)>& fn) {
    const std::string from = sel.dueFrom.empty() ? "0000-00-00" : sel.dueFrom;
    const std::string to = sel.dueTo.empty() ? "9999-99-99" : sel.dueTo + "~";
    for (const auto& [id, l] : s.loans) {
      auto c = s.copies.find(l.copyId);
      auto p = s.patrons.find(l.patronId);
      if (l.status != "open" || l.due < from || l.due > to || c == s.copies.end() ||
          p == s.patrons.end() || p->second.status != PatronStatus::kActive ||
          !s.titles.contains(c->second.titleId)) {
        continue;
      }
      NoticeRow row = patronPart(p->second);
      row.copy = c->second.barcode;
      row.title = s.titles.at(c->second.titleId).title;
      row.due = l.due.substr(0, 10);
      row.textbook = c->second.textbook;
      fn(row);
    }
  }

  // Mirrors the SQL: unpaid fines of active patrons, with the loan's copy and title when
  // there is one (LEFT JOINs); a fine not about a loan passes either material filter.
  static void fineRows(const State& s, const NoticeSelection& sel,
                       const std::function<void(const NoticeRow&)>& fn) {
    for (const auto& [id, f] : s.fines) {
      auto p = s.patrons.find(f.patronId);
      if (f.amountCents <= f.paidCents || p == s.patrons.end() ||
          p->second.status != PatronStatus::kActive) {
        continue;
      }
      NoticeRow row = patronPart(p->second);
      row.textbook = sel.textbooks;
      auto l = s.loans.find(f.loanId);
      auto c = l == s.loans.end() ? s.copies.end() : s.copies.find(l->second.copyId);
      if (l != s.loans.end()) {
        row.due = l->second.due.substr(0, 10);
      }
      if (c != s.copies.end()) {
        row.copy = c->second.barcode;
        row.textbook = c->second.textbook;
        if (auto t = s.titles.find(c->second.titleId); t != s.titles.end()) {
          row.title = t->second.title;
        }
      }
      row.fineCents = f.amountCents - f.paidCents;
      row.fineReason = f.reason;
      fn(row);
    }
  }

  static NoticeRow patronPart(const Patron& p) {
    NoticeRow row;
    row.districtId = p.get(PatronField::kDistrictId);
    row.firstName = p.get(PatronField::kFirstName);
    row.lastName = p.get(PatronField::kLastName);
    row.grade = p.get(PatronField::kGrade);
    row.site = p.get(PatronField::kSite);
    row.homeroom = p.get(PatronField::kHomeroom);
    row.email = p.get(PatronField::kEmail);
    return row;
  }

  MemoryStore& store_;
};

Result<OutboxHealth> MemoryOutbox::health(const std::string& since, const std::string& stale,
                                          const std::string& alertsNotice) {
  return store_.with("reading the outbox's health", [&](State& s) -> Result<OutboxHealth> {
    OutboxHealth h;
    std::map<std::pair<std::string, std::string>, std::int64_t> byNotice;
    for (const auto& [id, stored] : s.outbox) {
      const OutboxMessage& m = stored.message;
      ++byNotice[{m.notice, m.status}];
      (m.status == "queued"    ? h.queued
       : m.status == "sending" ? h.sending
       : m.status == "sent"    ? h.sent
                               : h.failed) += 1;
      const bool alert = m.notice == alertsNotice;
      if (m.status == "failed" && m.createdAt >= since) {
        (alert ? h.alertsFailedRecently : h.failedRecently) += 1;
        if (!alert) {
          h.lastFailedError = m.lastError;  // ids ascend: the newest wins
        }
      }
      if (isQueuedOrSending(m)) {
        h.alertsRetrying += alert && m.attempts > 0;
        h.queuedTooLong += m.createdAt < stale;
        if (h.oldestQueuedAt.empty() || m.createdAt < h.oldestQueuedAt) {
          h.oldestQueuedAt = m.createdAt;
        }
      }
    }
    for (const auto& [key, n] : byNotice) {
      h.byNotice.push_back({key.first, key.second, n});
    }
    return h;
  });
}

}  // namespace

std::unique_ptr<OutboxStore> makeOutboxStore(MemoryStore& store) {
  return std::make_unique<MemoryOutbox>(store);
}

}  // namespace patrond::memory
