#include "daemon/notice_commands.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "daemon/lease_keeper.h"
#include "daemon/wiring.h"
#include "engine/display_time.h"
#include "engine/notice_run.h"
#include "engine/text.h"

namespace patrond::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const NoticeConfig* findNotice(const Config& config, const std::string& name) {
  for (const auto& n : config.notices) {
    if (n.name == name) {
      return &n;
    }
  }
  return nullptr;
}

int unknownNotice(const Config& config, const std::string& name) {
  std::string known;
  for (const auto& n : config.notices) {
    known += (known.empty() ? "" : ", ") + n.name;
  }
  return fail(kExitUsage, "no notice named '" + name + "' in " + config.path +
                              (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
}

json itemJson(const NoticeItem& i) {
  json j{{"copy", i.copy},
         {"title", i.title},
         {"due", i.due.empty() ? json(nullptr) : json(i.due)},
         {"overdue_days", i.overdueDays}};
  if (i.fineCents > 0) {
    j["fine"] = formatCents(i.fineCents);
    j["reason"] = i.fineReason;
  }
  return j;
}

json outcomeJson(const NoticeOutcome& o, bool withBodies) {
  json messages = json::array();
  for (size_t k = 0; k < o.run.messages.size(); ++k) {
    const NoticeMessage& m = o.run.messages[k];
    json students = json::array();
    for (const auto& s : m.students) {
      json items = json::array();
      for (const auto& i : s.items) {
        items.push_back(itemJson(i));
      }
      students.push_back({{"district_id", s.districtId},
                          {"last_name", s.lastName},
                          {"first_name", s.firstName},
                          {"grade", s.grade},
                          {"items", items}});
    }
    json mj{{"to", m.to},
            {"cc", m.cc},
            {"subject", o.rendered[k].subject},
            {"site", m.site},
            {"homeroom", m.homeroom},
            {"fallback", m.fallback},
            {"students", students}};
    if (withBodies) {
      mj["text"] = o.rendered[k].text;
      mj["html"] = o.rendered[k].html;
    }
    messages.push_back(mj);
  }
  json noTeacher = json::array();
  for (const auto& h : o.run.noTeacher) {
    noTeacher.push_back({{"site", h.site}, {"homeroom", h.homeroom}});
  }
  return {
      {"notice", o.run.notice},
      {"report", noticeReportName(o.run.report)},
      {"date", o.run.date},
      {"queued", o.queued},
      {"sent", o.sent},
      {"failed", o.failed},
      {"skipped_duplicates", o.skippedDuplicates},
      {"loans", o.run.loans},
      {"no_teacher", noTeacher},
      {"no_email", o.run.noEmail},
      {"messages", messages},
      {"files", o.files},
      {"delivery_problem", o.deliveryProblem.empty() ? json(nullptr) : json(o.deliveryProblem)}};
}

// For text output: control characters escaped (engine/text.h).
std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : ", ") + escapeControl(s);
  }
  return out;
}

std::string roomText(const std::string& site, const std::string& homeroom) {
  return escapeControl(site) + "/" + escapeControl(homeroom);
}

// The notice run's adapters: templates, the printed-notice folder, Message-IDs, SMTP.
struct NoticeAdapters {
  std::unique_ptr<NoticeRenderer> renderer;
  std::unique_ptr<PrintFolder> print = makePrintFolder();
  std::unique_ptr<MessageIds> ids;
  std::unique_ptr<MailerFactory> mail = makeMailerFactory();

  explicit NoticeAdapters(const Config& config) : ids(makeMessageIds(config.smtp)) {}
  static Result<std::unique_ptr<NoticeAdapters>> make(const Config& config,
                                                      const NoticeConfig& notice) {
    auto made = std::make_unique<NoticeAdapters>(config);
    PATROND_ASSIGN(madeRenderer, makeRenderer(config, notice));
    made->renderer = std::move(madeRenderer);
    return made;
  }
};

Result<NoticeOutcome> prepare(PatronStore& store, const Config& config, const NoticeConfig& notice,
                              const CivilTime& date) {
  PATROND_ASSIGN(renderer, makeRenderer(config, notice));
  return prepareNotice(store, store.outbox(), *renderer, config, notice, date);
}

}  // namespace

Result<DeliveryReport> deliverOutboxDue(OutboxStore& outbox, const Config& config,
                                        const Clock& clock, const TimeZone& zone, Log& log) {
  auto mail = makeMailerFactory();
  return deliverDue(outbox, *mail, config, clock, zone, leaseHolder(), log);
}

Result<NoticeOutcome> executeNotice(PatronStore& store, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& localNow,
                                    const Clock& clock, const TimeZone& zone, bool force,
                                    bool dryRun, Log& log) {
  const std::string lease = "notice:" + notice.name;
  const std::string holder = leaseHolder();
  std::optional<HeldLease> held;
  if (!dryRun) {
    PATROND_ASSIGN(got, ScopedLease::acquire(store, lease, holder, utcIso(clock.now()),
                                             utcIso(clock.now() + kLeaseTime), holderState, &log));
    if (!got) {
      return Error{"BUSY", "another patrond process is running notice '" + notice.name + "'",
                   lease};
    }
    held.emplace(std::move(*got), config.database, &log);
  }
  PATROND_ASSIGN(adapters, NoticeAdapters::make(config, notice));
  NoticePorts ports{store,
                    store.outbox(),
                    *adapters->renderer,
                    *adapters->print,
                    *adapters->ids,
                    *adapters->mail,
                    clock,
                    zone,
                    log,
                    holder};
  return runNotice(ports, config, notice, localNow, force, dryRun);
}

int cmdNoticesPreview(App& app, const std::string& name, const std::string& homeroom) {
  const NoticeConfig* notice = findNotice(app.config(), name);
  if (!notice) {
    return unknownNotice(app.config(), name);
  }
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  auto out = prepare(app.store(), app.config(), *notice, app.localNow());
  if (!out) {
    return fail(exitCodeFor(out.error()), out.error().describe());
  }
  if (!homeroom.empty()) {
    NoticeOutcome only;
    only.run = out->run;
    only.run.messages.clear();
    only.run.loans = 0;
    for (size_t k = 0; k < out->run.messages.size(); ++k) {
      if (out->run.messages[k].homeroom == homeroom) {
        for (const auto& s : out->run.messages[k].students) {
          only.run.loans += static_cast<std::int64_t>(s.items.size());
        }
        only.run.messages.push_back(out->run.messages[k]);
        only.rendered.push_back(out->rendered[k]);
      }
    }
    out = std::move(only);
  }
  if (notice->deliver == Delivery::kPrint) {
    auto unused = makePrintFolder();  // a preview writes nothing
    auto printed = printNotice(*unused, *notice, std::move(*out), true);
    if (!printed) {
      return fail(kExitFailed, printed.error().describe());
    }
    out = std::move(*printed);
  }
  if (app.json()) {
    std::cout << outcomeJson(*out, true).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "Notice " << name << " for " << out->run.date << ": " << out->run.messages.size()
            << " message(s), " << out->run.loans << " item(s)"
            << (notice->deliver == Delivery::kPrint ? " (printed, not e-mailed)" : "") << "\n";
  for (const auto& h : out->run.noTeacher) {
    std::cout << "No teacher e-mail: " << roomText(h.site, h.homeroom)
              << (notice->fallbackTo.empty() ? "" : " (goes to " + notice->fallbackTo + ")")
              << "\n";
  }
  for (size_t k = 0; k < out->run.messages.size(); ++k) {
    const NoticeMessage& m = out->run.messages[k];
    std::cout << "\n==== " << roomText(m.site, m.homeroom) << " ====\n";
    if (notice->deliver == Delivery::kPrint) {
      std::cout << "File: " << escapeControl(out->files[k]) << "\n";
    }
    std::cout << "To: " << (m.to.empty() ? "(nobody)" : joined(m.to)) << "\n";
    if (!m.cc.empty()) {
      std::cout << "Cc: " << joined(m.cc) << "\n";
    }
    std::cout << "Subject: " << escapeControl(out->rendered[k].subject) << "\n\n"
              << escapeControlKeepLines(out->rendered[k].text);
  }
  return kExitOk;
}

int cmdNoticesSend(App& app, const std::string& name, bool dryRun, bool force) {
  const NoticeConfig* notice = findNotice(app.config(), name);
  if (!notice) {
    return unknownNotice(app.config(), name);
  }
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  AppClock clock(app);
  auto out = executeNotice(app.store(), app.config(), *notice, app.localNow(), clock, app.zone(),
                           force, dryRun, app.log());
  if (!out) {
    return failWith(app, out.error());
  }
  if (app.json()) {
    std::cout << outcomeJson(*out, false).dump(2) << "\n";
  } else if (notice->deliver == Delivery::kPrint) {
    const std::size_t n = out->run.messages.size();
    if (n == 0) {
      std::cout << "Nothing to print for " << out->run.date << ": nothing is selected by notice "
                << name << "\n";
    } else {
      std::cout << (dryRun ? "Would print " : "Printed ") << n << " notice(s) for " << out->run.date
                << (dryRun ? " (nothing written):\n" : ":\n");
      // One file per notice, then all.html: every notice in one file, to print at once.
      for (std::size_t k = 0; k < out->files.size(); ++k) {
        std::cout << "  " << escapeControl(out->files[k])
                  << (k == n ? "  (all " + std::to_string(n) + " in one file, to print at once)"
                             : "")
                  << "\n";
      }
    }
  } else {
    std::cout << "Notice " << name << " for " << out->run.date << ": "
              << (dryRun ? "would queue " : "queued ") << out->queued << ", sent " << out->sent
              << ", failed " << out->failed << ", already queued today " << out->skippedDuplicates
              << "\n";
    for (const auto& h : out->run.noTeacher) {
      std::cout << "  no teacher e-mail: " << roomText(h.site, h.homeroom)
                << (notice->fallbackTo.empty() ? " (not sent)" : " (sent to fallback_to)") << "\n";
    }
    if (!out->deliveryProblem.empty()) {
      std::cout << "  delivery stopped (the rest stays queued for the service): "
                << escapeControl(out->deliveryProblem) << "\n";
    }
  }
  // Nothing that was queued got through: every message failed, or delivery stopped before
  // any was sent. The messages keep their outbox state; the exit code tells the caller.
  if (!dryRun && out->queued > 0 && out->sent == 0 &&
      (out->failed == out->queued || !out->deliveryProblem.empty())) {
    return fail(kExitFailed, "notice " + name + ": none of the " + std::to_string(out->queued) +
                                 " message(s) was sent (patrond outbox --status failed)");
  }
  return kExitOk;
}

int cmdOutbox(App& app, const std::string& status, int limit) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  auto list = app.store().outbox().list(status, limit);
  if (!list) {
    return fail(kExitFailed, list.error().describe());
  }
  if (app.json()) {
    json j = json::array();
    for (const auto& m : *list) {
      auto orNull = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
      auto when = [&](const std::string& s) { return orNull(displayTime(s, app.zone())); };
      j.push_back({{"id", m.id},
                   {"notice", m.notice},
                   {"date", m.noticeDate},
                   {"site", m.site},
                   {"homeroom", m.homeroom},
                   {"to", m.to},
                   {"cc", m.cc},
                   {"subject", m.subject},
                   {"status", m.status},
                   {"attempts", m.attempts},
                   {"last_error", orNull(m.lastError)},
                   {"next_attempt_at", m.status == "queued" ? when(m.nextAttemptAt) : nullptr},
                   {"created_at", when(m.createdAt)},
                   {"sent_at", when(m.sentAt)},
                   {"message_id", orNull(m.messageId)}});
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (list->empty()) {
    std::cout << "The outbox is empty" << (status.empty() ? "" : " (status " + status + ")")
              << ".\n";
    return kExitOk;
  }
  for (const auto& m : *list) {
    std::cout << "#" << m.id << "  " << m.status << "  " << m.notice << " " << m.noticeDate << "  "
              << roomText(m.site, m.homeroom) << "  to " << joined(m.to) << "  attempts "
              << m.attempts;
    if (m.status == "sent") {
      std::cout << "  sent " << displayTime(m.sentAt, app.zone());
    } else if (m.status == "queued" && m.attempts > 0) {
      std::cout << "  next try " << displayTime(m.nextAttemptAt, app.zone());
    }
    std::cout << "\n    " << escapeControl(m.subject) << "\n";
    if (!m.lastError.empty()) {
      std::cout << "    last error: " << escapeControl(m.lastError) << "\n";
    }
  }
  return kExitOk;
}

int cmdOutboxDeliver(App& app) {
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  AppClock clock(app);
  auto report = deliverOutboxDue(app.store().outbox(), app.config(), clock, app.zone(), app.log());
  if (!report) {
    return fail(exitCodeFor(report.error()), report.error().describe());
  }
  if (app.json()) {
    std::cout << json{{"sent", report->sent},
                      {"retry", report->retried},
                      {"failed", report->failed},
                      {"abandoned", report->abandoned},
                      {"stopped_by",
                       report->stoppedBy.empty() ? json(nullptr) : json(report->stoppedBy)}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "Outbox: " << report->sent << " sent, " << report->retried << " to retry, "
              << report->failed << " failed\n";
    if (!report->stoppedBy.empty()) {
      std::cout << "  stopped: " << escapeControl(report->stoppedBy) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace patrond::daemon
