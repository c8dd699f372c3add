#include "engine/notice_run.h"

#include <filesystem>
#include <set>
#include <utility>

#include "engine/homerooms.h"

namespace patrond {

Result<std::vector<Homeroom>> currentHomerooms(HomeroomStore& store, const Config& config) {
  auto groups = store.homeroomGroups();
  if (!groups) {
    return groups.error();
  }
  auto teachers = store.teacherPatrons();
  if (!teachers) {
    return teachers.error();
  }
  auto overrides = store.homeroomOverrides();
  if (!overrides) {
    return overrides.error();
  }
  return resolveHomerooms(*groups, *teachers, config.homerooms, *overrides);
}

Result<NoticeOutcome> prepareNotice(HomeroomStore& homerooms, OutboxStore& outbox,
                                    NoticeRenderer& renderer, const Config& config,
                                    const NoticeConfig& notice, const CivilTime& date) {
  PATROND_ASSIGN(rooms, currentHomerooms(homerooms, config));
  std::vector<NoticeRow> rows;
  if (auto read = outbox.forEachNoticeRow(noticeSelection(notice, date),
                                          [&](const NoticeRow& r) { rows.push_back(r); });
      !read) {
    return read.error();
  }
  NoticeOutcome out;
  out.run = buildNoticeRun(notice, date, rows, rooms);
  out.rendered.reserve(out.run.messages.size());
  for (const auto& m : out.run.messages) {
    PATROND_ASSIGN(r, renderer.render(out.run, m));
    out.rendered.push_back(std::move(r));
  }
  return out;
}

std::string combinePrintable(const std::vector<std::string>& docs, const std::string& title) {
  auto between = [](const std::string& s, const std::string& open, const std::string& close) {
    auto a = s.find(open);
    if (a == std::string::npos) {
      return std::string();
    }
    a = s.find('>', a);
    auto b = s.find(close, a);
    return a == std::string::npos || b == std::string::npos ? std::string()
                                                            : s.substr(a + 1, b - a - 1);
  };
  std::string style = docs.empty() ? std::string() : between(docs.front(), "<style", "</style>");
  std::string escaped;
  for (char c : title) {
    escaped += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escaped +
      "</title>\n<style>" + style +
      "\nsection.page { break-after: page; page-break-after: always; }\n"
      "section.page:last-child { break-after: auto; page-break-after: auto; }\n</style>\n"
      "</head>\n<body>\n";
  for (const auto& d : docs) {
    std::string body = between(d, "<body", "</body>");
    out += "<section class=\"page\">\n" + (body.empty() ? d : body) + "</section>\n";
  }
  return out + "</body>\n</html>\n";
}

Result<NoticeOutcome> printNotice(PrintFolder& print, const NoticeConfig& notice, NoticeOutcome out,
                                  bool dryRun) {
  const std::filesystem::path dir = std::filesystem::path(notice.printDir) / out.run.date;
  if (!dryRun && !out.run.messages.empty()) {  // nothing to print: no empty folder either
    PATROND_TRY(print.open(dir.string()));
  }
  auto names = printFileNames(out.run.messages, notice.sendTo == SendTo::kPatron);
  std::vector<std::string> pages;
  for (size_t k = 0; k < out.run.messages.size(); ++k) {
    if (!dryRun) {
      PATROND_TRY(print.write(names[k], out.rendered[k].html));
    }
    pages.push_back(out.rendered[k].html);
    out.files.push_back((dir / names[k]).string());
  }
  if (!pages.empty()) {
    if (!dryRun) {
      PATROND_TRY(
          print.write("all.html", combinePrintable(pages, notice.name + " " + out.run.date)));
    }
    out.files.push_back((dir / "all.html").string());
  }
  return out;
}

std::vector<OutboxMessage> outboxMessages(const NoticeConfig& notice, const NoticeOutcome& out,
                                          MessageIds& ids, const Clock& clock, const TimeZone& zone,
                                          bool force) {
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
    om.messageId = ids.next(out.run.date);
    om.nextAttemptAt = utcIso(clock.now());
    om.createdAt = formatIso(zone.toLocal(clock.now()));
    batch.push_back(std::move(om));
  }
  return batch;
}

Result<DeliveryReport> deliverDue(OutboxStore& outbox, MailerFactory& mail, const Config& config,
                                  const Clock& clock, const TimeZone& zone,
                                  const std::string& holder, Log& log) {
  if (!config.smtp) {
    return DeliveryReport{};  // nothing can have been queued for e-mail
  }
  PATROND_ASSIGN(mailer, mail.open(*config.smtp));
  auto report = deliverOutbox(outbox, *mailer, clock, zone, holder);
  mailer->close();
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

namespace {

void warnNoTeacher(const NoticePorts& ports, const NoticeConfig& notice, const NoticeRun& run) {
  for (const auto& h : run.noTeacher) {
    ports.log.warning("notice " + notice.name + ": homeroom " + h.site + "/" + h.homeroom +
                      " has no teacher e-mail" +
                      (notice.deliver == Delivery::kPrint ? std::string(" (printed all the same)")
                       : notice.fallbackTo.empty() ? std::string(": not sent (no fallback_to)")
                                                   : ": sent to " + notice.fallbackTo));
  }
}

// Queues the whole run at once (or, on an error, none of it), then delivers what is due.
Result<NoticeOutcome> queueAndDeliver(const NoticePorts& ports, const Config& config,
                                      const NoticeConfig& notice, NoticeOutcome out, bool force,
                                      bool dryRun) {
  std::vector<OutboxMessage> batch =
      outboxMessages(notice, out, ports.ids, ports.clock, ports.zone, force);
  if (dryRun) {
    for (const auto& om : batch) {
      PATROND_ASSIGN(before, ports.outbox.queuedBefore(om.dedupeKey));
      before ? ++out.skippedDuplicates : ++out.queued;
    }
    return out;
  }
  PATROND_ASSIGN(queued, ports.outbox.queue(batch));
  out.queued = queued;
  out.skippedDuplicates = static_cast<int>(batch.size()) - queued;
  std::set<std::int64_t> mine;
  for (const auto& om : batch) {
    if (om.id != 0) {
      mine.insert(om.id);
    }
  }
  ports.log.info("notice " + notice.name + " for " + out.run.date + ": " +
                 std::to_string(out.queued) + " message(s) queued, " +
                 std::to_string(out.skippedDuplicates) + " already queued for this date");
  auto report = deliverDue(ports.outbox, ports.mail, config, ports.clock, ports.zone, ports.holder,
                           ports.log);
  if (!report) {
    out.deliveryProblem = report.error().describe();
    ports.log.error("notice " + notice.name + ": delivery: " + out.deliveryProblem);
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

}  // namespace

Result<NoticeOutcome> runNotice(const NoticePorts& ports, const Config& config,
                                const NoticeConfig& notice, const CivilTime& localNow, bool force,
                                bool dryRun) {
  PATROND_ASSIGN(
      out, prepareNotice(ports.homerooms, ports.outbox, ports.renderer, config, notice, localNow));
  warnNoTeacher(ports, notice, out.run);
  if (notice.deliver == Delivery::kPrint) {
    auto printed = printNotice(ports.print, notice, std::move(out), dryRun);
    if (printed && !dryRun) {
      ports.log.info("notice " + notice.name + ": " + std::to_string(printed->run.messages.size()) +
                     " notice(s) printed to " + notice.printDir + "/" + printed->run.date);
    }
    return printed;
  }
  return queueAndDeliver(ports, config, notice, std::move(out), force, dryRun);
}

}  // namespace patrond
