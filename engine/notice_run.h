#pragma once
// The notice run (SPEC section 8) as a use case over ports: build the run from the store's
// open loans and the homerooms, render it, then print it (deliver: print) or queue it in the
// outbox, at once or not at all, and deliver what is due over one mail connection. The lease
// "notice:NAME" is the caller's (the daemon renews it on a connection of its own). One thread.

#include <string>
#include <vector>

#include "engine/config.h"
#include "engine/notices.h"
#include "engine/outbox.h"
#include "engine/ports/clock.h"
#include "engine/ports/homeroom_store.h"
#include "engine/ports/log.h"
#include "engine/ports/notice_output.h"
#include "engine/ports/notice_renderer.h"
#include "engine/ports/outbox_store.h"
#include "engine/ports/time_zone.h"
#include "engine/result.h"

namespace patrond {

struct NoticeOutcome {
  NoticeRun run;
  std::vector<RenderedNotice> rendered;  // one per run.messages entry
  int queued = 0, sent = 0, failed = 0, skippedDuplicates = 0;
  std::vector<std::string> files;  // deliver: print
  std::string deliveryProblem;     // why delivery stopped (the rest stays queued)
};

// What a notice run works with; the daemon wires them.
struct NoticePorts {
  HomeroomStore& homerooms;
  OutboxStore& outbox;
  NoticeRenderer& renderer;
  PrintFolder& print;
  MessageIds& ids;
  MailerFactory& mail;
  const Clock& clock;
  const TimeZone& zone;
  Log& log;
  std::string holder;  // this process, as leases and the outbox's sending mark name it
};

// Every homeroom with its teacher as the store and the configuration say now.
Result<std::vector<Homeroom>> currentHomerooms(HomeroomStore& store, const Config& config);

// Builds and renders the run for `date` (nothing written).
Result<NoticeOutcome> prepareNotice(HomeroomStore& homerooms, OutboxStore& outbox,
                                    NoticeRenderer& renderer, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& date);

// The printed files of a run: one per message and all.html with every page (the names only
// with `dryRun`; nothing written).
Result<NoticeOutcome> printNotice(PrintFolder& print, const NoticeConfig& notice, NoticeOutcome out,
                                  bool dryRun);

// One printable document of every page, each on a page of its own (all.html).
std::string combinePrintable(const std::vector<std::string>& htmlDocuments,
                             const std::string& title);

// The run's messages as the outbox keeps them: a new Message-ID each, due now. With `force`
// each gets a dedupe key of its own, so it is queued even if sent before today.
std::vector<OutboxMessage> outboxMessages(const NoticeConfig& notice, const NoticeOutcome& out,
                                          MessageIds& ids, const Clock& clock, const TimeZone& zone,
                                          bool force);

// Delivers every due outbox message over one connection (the service and `outbox deliver`).
// Nothing to do without an smtp section: nothing can have been queued for e-mail.
Result<DeliveryReport> deliverDue(OutboxStore& outbox, MailerFactory& mail, const Config& config,
                                  const Clock& clock, const TimeZone& zone,
                                  const std::string& holder, Log& log);

// Builds the run, then prints it or queues and delivers it. With dryRun nothing is written
// or sent (what would be queued is counted against the outbox).
Result<NoticeOutcome> runNotice(const NoticePorts& ports, const Config& config,
                                const NoticeConfig& notice, const CivilTime& localNow, bool force,
                                bool dryRun);

}  // namespace patrond
