#include "daemon/notice_commands.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>

#include "adapters/os/files.h"
#include "adapters/smtp/mime.h"
#include "adapters/smtp/smtp_mailer.h"
#include "adapters/templates/mustache_renderer.h"
#include "daemon/homeroom_commands.h"
#include "daemon/lease_keeper.h"
#include "engine/display_time.h"
#include "engine/notices.h"
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

// Writes one printed notice whole into the run's folder (never through a symbolic link).
Result<void> writePrinted(os::OutputFolder& folder, const fs::path& dir, const std::string& name,
                          const std::string& content) {
  std::string where = (dir / name).string();
  if (std::string why; !folder.write(name, content, why)) {
    return Error{"IO", "cannot write " + where + ": " + why, where};
  }
  return {};
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

Result<NoticeOutcome> printNotice(const NoticeConfig& notice, NoticeOutcome out, bool dryRun) {
  fs::path dir = fs::path(notice.printDir) / out.run.date;
  os::OutputFolder folder;
  if (!dryRun) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      return Error{"IO", "cannot create " + dir.string() + ": " + ec.message(), dir.string()};
    }
    // The day's folder itself must not be a symbolic link to somewhere else.
    if (std::string why; !folder.open(dir.string(), why)) {
      return Error{"IO", "cannot write notices into " + dir.string() + ": " + why, dir.string()};
    }
  }
  auto names = printFileNames(out.run.messages, notice.sendTo == SendTo::kPatron);
  std::vector<std::string> pages;
  for (size_t k = 0; k < out.run.messages.size(); ++k) {
    if (!dryRun) {
      if (auto w = writePrinted(folder, dir, names[k], out.rendered[k].html); !w) {
        return w.error();
      }
    }
    pages.push_back(out.rendered[k].html);
    out.files.push_back((dir / names[k]).string());
  }
  if (!pages.empty()) {
    if (!dryRun) {
      std::string combined = templates::combinePrintable(pages, notice.name + " " + out.run.date);
      if (auto w = writePrinted(folder, dir, "all.html", combined); !w) {
        return w.error();
      }
    }
    out.files.push_back((dir / "all.html").string());
  }
  return out;
}

}  // namespace

// "<20261016.8f3a...@springfield.example.org>": unique, and from the sender's domain.
std::string newMessageId(const Config& config, const std::string& date) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string r;
  for (int i = 0; i < 20; ++i) {
    r += kHex[rng() & 15];
  }
  std::string domain = "patrond.invalid";
  if (config.smtp) {
    std::string addr = smtp::parseMailbox(config.smtp->from).address;
    if (auto at = addr.rfind('@'); at != std::string::npos && at + 1 < addr.size()) {
      domain = addr.substr(at + 1);
    }
  }
  std::string d;
  for (char c : date) {
    if (c != '-') {
      d += c;
    }
  }
  return "<" + d + "." + r + "@" + domain + ">";
}

Result<NoticeOutcome> prepareNotice(PatronStore& store, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& date) {
  auto renderer = templates::makeNoticeRenderer(config, notice);
  if (!renderer) {
    return renderer.error();
  }
  auto rooms = currentHomerooms(store, config);
  if (!rooms) {
    return rooms.error();
  }
  std::vector<NoticeRow> rows;
  auto read = store.outbox().forEachNoticeRow(noticeSelection(notice, date),
                                              [&](const NoticeRow& r) { rows.push_back(r); });
  if (!read) {
    return read.error();
  }
  NoticeOutcome out;
  out.run = buildNoticeRun(notice, date, rows, *rooms);
  out.rendered.reserve(out.run.messages.size());
  for (const auto& m : out.run.messages) {
    auto r = (*renderer)->render(out.run, m);
    if (!r) {
      return r.error();
    }
    out.rendered.push_back(std::move(*r));
  }
  return out;
}

Result<DeliveryReport> deliverDue(PatronStore& store, const Config& config, const Clock& clock,
                                  const TimeZone& zone, Log& log) {
  if (!config.smtp) {
    return DeliveryReport{};  // nothing can have been queued for e-mail
  }
  auto mailer = smtp::makeSmtpMailer(*config.smtp);
  if (!mailer) {
    return mailer.error();
  }
  auto report = deliverOutbox(store.outbox(), **mailer, clock, zone, leaseHolder());
  (*mailer)->close();
  if (report) {
    if (report->sent + report->retried + report->failed + report->abandoned > 0) {
      log.info("outbox: " + std::to_string(report->sent) + " sent, " +
               std::to_string(report->retried) + " to retry, " + std::to_string(report->failed) +
               " failed" +
               (report->abandoned ? ", " + std::to_string(report->abandoned) +
                                        " abandoned mid-send (failed, not resent)"
                                  : ""));
    }
    if (!report->stoppedBy.empty()) {
      log.warning("outbox: delivery stopped, the rest stays queued: " + report->stoppedBy);
    }
  }
  return report;
}

std::vector<OutboxMessage> outboxMessages(const NoticeConfig& notice, const NoticeOutcome& out,
                                          const Config& config, const Clock& clock,
                                          const TimeZone& zone, bool force) {
  std::vector<OutboxMessage> batch;
  batch.reserve(out.run.messages.size());
  for (size_t k = 0; k < out.run.messages.size(); ++k) {
    const NoticeMessage& m = out.run.messages[k];
    OutboxMessage om;
    om.notice = notice.name;
    om.noticeDate = out.run.date;
    om.site = m.site;
    om.homeroom = m.homeroom;
    om.to = m.to;
    om.cc = m.cc;
    om.subject = out.rendered[k].subject;
    om.bodyText = out.rendered[k].text;
    om.bodyHtml = out.rendered[k].html;
    om.dedupeKey = m.dedupeKey;
    if (force) {
      // A forced run is a new message: its key says when it was forced.
      om.dedupeKey =
          m.dedupeKey.substr(0, 150) + "|forced " + utcIso(clock.now()) + " " + std::to_string(k);
    }
    om.messageId = newMessageId(config, out.run.date);
    om.nextAttemptAt = utcIso(clock.now());
    om.createdAt = formatIso(zone.toLocal(clock.now()));
    batch.push_back(std::move(om));
  }
  return batch;
}

Result<NoticeOutcome> executeNotice(PatronStore& store, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& localNow,
                                    const Clock& clock, const TimeZone& zone, bool force,
                                    bool dryRun, Log& log) {
  const std::string lease = "notice:" + notice.name;
  const std::string holder = leaseHolder();
  std::optional<HeldLease> held;
  if (!dryRun) {
    auto got = ScopedLease::acquire(store, lease, holder, utcIso(clock.now()),
                                    utcIso(clock.now() + kLeaseTime), holderState, &log);
    if (!got) {
      return got.error();
    }
    if (!*got) {
      return Error{"BUSY", "another patrond process is running notice '" + notice.name + "'",
                   lease};
    }
    held.emplace(std::move(**got), config.database, &log);
  }

  auto prepared = prepareNotice(store, config, notice, localNow);
  if (!prepared) {
    return prepared.error();
  }
  NoticeOutcome out = std::move(*prepared);
  for (const auto& h : out.run.noTeacher) {
    log.warning("notice " + notice.name + ": homeroom " + h.site + "/" + h.homeroom +
                " has no teacher e-mail" +
                (notice.deliver == Delivery::kPrint ? std::string(" (printed all the same)")
                 : notice.fallbackTo.empty()        ? std::string(": not sent (no fallback_to)")
                                                    : ": sent to " + notice.fallbackTo));
  }
  if (notice.deliver == Delivery::kPrint) {
    auto printed = printNotice(notice, std::move(out), dryRun);
    if (printed && !dryRun) {
      log.info("notice " + notice.name + ": " + std::to_string(printed->run.messages.size()) +
               " notice(s) printed to " + notice.printDir + "/" + printed->run.date);
    }
    return printed;
  }

  std::vector<OutboxMessage> batch = outboxMessages(notice, out, config, clock, zone, force);
  if (dryRun) {
    for (const auto& om : batch) {
      auto before = store.outbox().queuedBefore(om.dedupeKey);
      if (!before) {
        return before.error();
      }
      *before ? ++out.skippedDuplicates : ++out.queued;
    }
    return out;
  }
  // The whole run is queued at once, or (on an error) none of it.
  auto queued = store.outbox().queue(batch);
  if (!queued) {
    return queued.error();
  }
  out.queued = *queued;
  out.skippedDuplicates = static_cast<int>(batch.size()) - *queued;
  std::set<std::int64_t> mine;
  for (const auto& om : batch) {
    if (om.id != 0) {
      mine.insert(om.id);
    }
  }
  log.info("notice " + notice.name + " for " + out.run.date + ": " + std::to_string(out.queued) +
           " message(s) queued, " + std::to_string(out.skippedDuplicates) +
           " already queued for this date");
  auto report = deliverDue(store, config, clock, zone, log);
  if (!report) {
    out.deliveryProblem = report.error().describe();
    log.error("notice " + notice.name + ": delivery: " + out.deliveryProblem);
    return out;
  }
  for (auto id : report->sentIds) {
    out.sent += static_cast<int>(mine.count(id));
  }
  for (auto id : report->failedIds) {
    out.failed += static_cast<int>(mine.count(id));
  }
  out.deliveryProblem = report->stoppedBy;
  return out;
}

int cmdNoticesPreview(App& app, const std::string& name, const std::string& homeroom) {
  const NoticeConfig* notice = findNotice(app.config(), name);
  if (!notice) {
    return unknownNotice(app.config(), name);
  }
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  auto out = prepareNotice(app.store(), app.config(), *notice, app.localNow());
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
    auto printed = printNotice(*notice, std::move(*out), true);
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
  if (int rc = app.openDatabase(); rc != kExitOk) {
    return rc;
  }
  AppClock clock(app);
  auto out = executeNotice(app.store(), app.config(), *notice, app.localNow(), clock, app.zone(),
                           force, dryRun, app.log());
  if (!out) {
    int code = exitCodeFor(out.error());
    if (app.json()) {
      std::cout << json{{"ok", false},
                        {"code", out.error().code.str()},
                        {"error", out.error().describe()}}
                       .dump(2)
                << "\n";
    }
    return fail(code, out.error().describe());
  }
  if (app.json()) {
    std::cout << outcomeJson(*out, false).dump(2) << "\n";
  } else if (notice->deliver == Delivery::kPrint) {
    std::cout << (dryRun ? "Would print " : "Printed ") << out->run.messages.size()
              << " notice(s) for " << out->run.date << ":\n";
    for (const auto& f : out->files) {
      std::cout << "  " << escapeControl(f) << "\n";
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
  if (int rc = app.openDatabase(); rc != kExitOk) {
    return rc;
  }
  AppClock clock(app);
  auto report = deliverDue(app.store(), app.config(), clock, app.zone(), app.log());
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
