#pragma once
// Delivering the outbox (SPEC section 8): claim what is due, hand each message to the mailer,
// record what the server said. Retries back off; a 5xx answer fails the message for good
// with the server's words; what the server accepted is marked sent before anything else.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/ports/clock.h"
#include "engine/ports/mailer.h"
#include "engine/ports/outbox_store.h"
#include "engine/ports/time_zone.h"

namespace patrond {

// The wait before attempt n+1 after n failed ones: 1 min, doubling, at most 1 h.
Seconds retryDelay(int failedAttempts);
// After this many failed attempts (about a day and a half of retries) a message is failed.
inline constexpr int kMaxMailAttempts = 30;
// How long a claim (status sending) lasts: far longer than one message takes.
inline constexpr Seconds kClaimFor{600};

struct DeliveryReport {
  int sent = 0, retried = 0, failed = 0, abandoned = 0;
  std::vector<std::int64_t> sentIds, failedIds;
  std::string stoppedBy;  // the connection fault that ended the delivery, if one did
};

// Sends every due message, in claims of `batch`, until none is due or the connection fails.
// `holder` names this process in the claims. Store errors end it early (returned).
Result<DeliveryReport> deliverOutbox(OutboxStore& store, Mailer& mailer, const Clock& clock,
                                     const TimeZone& zone, const std::string& holder,
                                     int batch = 20);

}  // namespace patrond
