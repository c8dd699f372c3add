#include "engine/outbox.h"

#include <algorithm>

#include "engine/civil_time.h"

namespace patrond {

Seconds retryDelay(int failedAttempts) {
  Seconds delay{60};
  for (int i = 1; i < failedAttempts && delay < Seconds{3600}; ++i) {
    delay *= 2;
  }
  return std::min(delay, Seconds{3600});
}

Result<DeliveryReport> deliverOutbox(OutboxStore& store, Mailer& mailer, const Clock& clock,
                                     const TimeZone& zone, const std::string& holder, int batch) {
  DeliveryReport report;
  auto abandoned = store.failAbandoned(
      utcIso(clock.now()),
      "the sending process stopped while handing this message to the server; it may have "
      "been delivered, so it is not sent again (check with the recipient)");
  if (!abandoned) {
    return abandoned.error();
  }
  report.abandoned = *abandoned;
  for (;;) {
    UtcTime now = clock.now();
    auto claimed = store.claimDue(utcIso(now), holder, utcIso(now + kClaimFor), batch);
    if (!claimed) {
      return claimed.error();
    }
    if (claimed->empty()) {
      return report;
    }
    for (size_t i = 0; i < claimed->size(); ++i) {
      const OutboxMessage& m = (*claimed)[i];
      MailResult r = mailer.send(m);
      int attempts = m.attempts + 1;
      Result<void> saved;
      switch (r.outcome) {
        case MailOutcome::kAccepted:
          saved = store.markSent(m.id, attempts, formatIso(zone.toLocal(clock.now())));
          ++report.sent;
          report.sentIds.push_back(m.id);
          break;
        case MailOutcome::kPermanent:
          saved = store.markFailed(m.id, attempts, r.detail);
          ++report.failed;
          report.failedIds.push_back(m.id);
          break;
        case MailOutcome::kTransient:
        case MailOutcome::kConnection:
          if (attempts >= kMaxMailAttempts) {
            saved = store.markFailed(
                m.id, attempts,
                "gave up after " + std::to_string(attempts) + " attempts: " + r.detail);
            ++report.failed;
            report.failedIds.push_back(m.id);
          } else {
            saved = store.markRetry(m.id, attempts, r.detail,
                                    utcIso(clock.now() + retryDelay(attempts)));
            ++report.retried;
          }
          break;
      }
      if (!saved) {
        return saved.error();
      }
      if (r.outcome == MailOutcome::kConnection) {
        std::vector<std::int64_t> rest;
        for (size_t j = i + 1; j < claimed->size(); ++j) {
          rest.push_back((*claimed)[j].id);
        }
        if (auto released = store.release(rest); !released) {
          return released.error();
        }
        report.stoppedBy = r.detail;
        return report;
      }
    }
  }
}

}  // namespace patrond
