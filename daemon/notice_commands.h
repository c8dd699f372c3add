#pragma once
// `patrond notices send|preview` and `patrond outbox` (SPEC sections 2 and 8), and the notice
// work the service does on its worker: scheduled notice runs and outbox delivery.

#include <string>
#include <vector>

#include "daemon/app.h"
#include "engine/notice_run.h"

namespace patrond::daemon {

// The notice run (engine/notice_run.h) wired to this process's adapters, under the lease
// "notice:NAME" (renewed while it runs). With dryRun nothing is written or sent.
Result<NoticeOutcome> executeNotice(PatronStore& store, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& localNow,
                                    const Clock& clock, const TimeZone& zone, bool force,
                                    bool dryRun, Log& log);

// Delivers every due outbox message over one SMTP connection (service and `outbox deliver`).
Result<DeliveryReport> deliverOutboxDue(OutboxStore& outbox, const Config& config,
                                        const Clock& clock, const TimeZone& zone, Log& log);

int cmdNoticesSend(App& app, const std::string& name, bool dryRun, bool force);
int cmdNoticesPreview(App& app, const std::string& name, const std::string& homeroom);
int cmdOutbox(App& app, const std::string& status, int limit);
int cmdOutboxDeliver(App& app);

}  // namespace patrond::daemon
