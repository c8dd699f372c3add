#pragma once
// Port: the e-mail outbox (SPEC section 8) and what notice runs read. The SOCI adapter
// implements it on the store's connection (PatronStore::outbox()). One thread at a time.
//
// A message moves queued -> sending -> sent, or back to queued (retry), or to failed.
// `sending` is a claim with an expiry, so two instances never send one message; a claim
// that expires (its holder died mid-send) is failed, never retried: the server may have
// accepted it, and a notice must not reach a teacher twice.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/notices.h"
#include "engine/result.h"

namespace patrond {

struct OutboxMessage {
  std::int64_t id = 0;
  std::string notice, dedupeKey, noticeDate, site, homeroom;
  std::vector<std::string> to, cc;
  std::string subject, bodyText, bodyHtml, messageId;
  std::string status = "queued";  // queued | sending | sent | failed
  int attempts = 0;
  std::string lastError;
  std::string nextAttemptAt;      // UTC, "YYYY-MM-DDTHH:MM:SSZ": due when it is not after now
  std::string createdAt, sentAt;  // district time, ISO 8601
};

// What `patrond status`, the metrics and the alerts read of the outbox.
struct OutboxCount {
  std::string notice, status;
  std::int64_t count = 0;
};
struct OutboxHealth {
  std::int64_t queued = 0, sending = 0, sent = 0, failed = 0;  // every message, by status
  std::int64_t failedRecently = 0;        // notices (not alerts) failed, created since `since`
  std::int64_t queuedTooLong = 0;         // queued or sending, created before `stale`
  std::string oldestQueuedAt;             // district time; empty: nothing queued
  std::int64_t alertsFailedRecently = 0;  // administrator alerts failed since `since`
  std::int64_t alertsRetrying = 0;        // administrator alerts queued after a failed try
  std::string lastFailedError;            // the newest recent notice failure's error
  std::vector<OutboxCount> byNotice;      // every message by notice and status
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // Streams the rows a notice selection names (open loans, or unpaid fines, of active
  // patrons, with their copy, title and patron), in no particular order.
  virtual Result<void> forEachNoticeRow(const NoticeSelection& selection,
                                        const std::function<void(const NoticeRow&)>& fn) = 0;

  // Whether a message with this dedupe key was queued already (any status).
  virtual Result<bool> queuedBefore(const std::string& dedupeKey) = 0;
  // Queues a run's messages in one transaction: all of them or, on an error, none. Each new
  // one gets its id; one whose dedupe key is there already is left out (id 0). Returns how
  // many were queued.
  virtual Result<int> queue(std::vector<OutboxMessage>& messages) = 0;
  // Claims up to `limit` queued messages due at `nowUtc` for `holder` until `claimUntilUtc`
  // (status sending), oldest first. Each claim is a
  // conditional update, so two instances never claim the same message.
  virtual Result<std::vector<OutboxMessage>> claimDue(const std::string& nowUtc,
                                                      const std::string& holder,
                                                      const std::string& claimUntilUtc,
                                                      int limit) = 0;
  // The server accepted it: sent, never to be sent again.
  virtual Result<void> markSent(std::int64_t id, int attempts, const std::string& sentAt) = 0;
  // Back to queued, due again at `nextAttemptUtc`.
  virtual Result<void> markRetry(std::int64_t id, int attempts, const std::string& error,
                                 const std::string& nextAttemptUtc) = 0;
  virtual Result<void> markFailed(std::int64_t id, int attempts, const std::string& error) = 0;
  // Claimed but not tried (the connection went first): back to queued as they were.
  virtual Result<void> release(const std::vector<std::int64_t>& ids) = 0;
  // Claims that expired before `nowUtc`: failed with `error`. Returns how many.
  virtual Result<int> failAbandoned(const std::string& nowUtc, const std::string& error) = 0;
  // Newest first; `status` empty: all.
  virtual Result<std::vector<OutboxMessage>> list(const std::string& status, int limit) = 0;
  // Counts for monitoring. `since` and `stale` are district times like created_at; alerts
  // are the messages of notice `alertsNotice`.
  virtual Result<OutboxHealth> health(const std::string& since, const std::string& stale,
                                      const std::string& alertsNotice) = 0;
};

}  // namespace patrond
