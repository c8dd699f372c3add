#pragma once
// `patrond notices send|preview` and `patrond outbox` (SPEC sections 2 and 8), and the notice
// work the service does on its worker: scheduled notice runs and outbox delivery.

#include <string>
#include <vector>

#include "daemon/app.h"
#include "engine/notices.h"
#include "engine/outbox.h"
#include "engine/ports/notice_renderer.h"

namespace patrond::daemon {

struct NoticeOutcome {
  NoticeRun run;
  std::vector<RenderedNotice> rendered;  // one per run.messages entry
  int queued = 0, sent = 0, failed = 0, skippedDuplicates = 0;
  std::vector<std::string> files;  // deliver: print
  std::string deliveryProblem;     // why delivery stopped (the rest stays queued)
};

// "<20261016.8f3a...@springfield.example.org>": unique, and from the sender's domain.
std::string newMessageId(const Config& config, const std::string& date);

// Builds and renders a notice run for `date` (nothing written).
Result<NoticeOutcome> prepareNotice(PatronStore& store, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& date);

// The run's messages as the outbox keeps them: a new Message-ID each, due now. With `force`
// each gets a dedupe key of its own, so it is queued even if sent before today.
std::vector<OutboxMessage> outboxMessages(const NoticeConfig& notice, const NoticeOutcome& out,
                                          const Config& config, const Clock& clock,
                                          const TimeZone& zone, bool force);

// Builds the run, then prints it (deliver: print) or queues it in the outbox and delivers
// what is due. Under the lease "notice:NAME". With dryRun nothing is written or sent.
Result<NoticeOutcome> executeNotice(PatronStore& store, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& localNow,
                                    const Clock& clock, const TimeZone& zone, bool force,
                                    bool dryRun, Log& log);

// Delivers every due outbox message over one SMTP connection (service and `outbox deliver`).
Result<DeliveryReport> deliverDue(PatronStore& store, const Config& config, const Clock& clock,
                                  const TimeZone& zone, Log& log);

int cmdNoticesSend(App& app, const std::string& name, bool dryRun, bool force);
int cmdNoticesPreview(App& app, const std::string& name, const std::string& homeroom);
int cmdOutbox(App& app, const std::string& status, int limit);
int cmdOutboxDeliver(App& app);

}  // namespace patrond::daemon
