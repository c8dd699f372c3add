#include "daemon/librarian_commands.h"

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "daemon/cli_support.h"
#include "daemon/homeroom_commands.h"
#include "daemon/json_output.h"
#include "daemon/loans_report_output.h"
#include "daemon/wiring.h"
#include "engine/circulation.h"
#include "engine/display_time.h"
#include "engine/fines.h"
#include "engine/loans_report.h"
#include "engine/notice_run.h"
#include "engine/text.h"

namespace patrond::daemon {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxPersonName = 100;

std::string keyOf(const Borrower& b) {
  return b.barcode.empty() ? b.districtId : b.barcode;
}

std::string label(const Borrower& b) {
  return escapeControl(b.lastName + ", " + b.firstName + " (" + keyOf(b) + ")");
}

json borrowerJson(const Borrower& b) {
  return {{"patron", keyOf(b)},
          {"district_id", b.districtId},
          {"last_name", b.lastName},
          {"first_name", b.firstName},
          {"patron_status", b.active ? "active" : "inactive"}};
}

// The copy's value as circulation computes it now (SPEC section 6).
std::int64_t valueNow(const App& app, const Copy& c) {
  return currentValue(app.config().conditions, c.condition, c.purchaseCents, c.replacementCents,
                      c.valueCents);
}

json itemJson(const App& app, const Copy& c) {
  json j = copyJson(c);
  j["value"] = formatCents(valueNow(app, c));
  return j;
}

void printItemLine(const App& app, const Copy& c) {
  std::cout << escapeControl(c.barcode) << "  '" << escapeControl(c.title) << "'  "
            << escapeControl(c.site.empty() ? "-" : c.site) << "  " << c.status << "  "
            << escapeControl(c.condition) << "  " << formatCents(valueNow(app, c)) << "  "
            << c.circulations << " circ.\n";
}

json fineJson(const Fine& f, const TimeZone& zone) {
  return {{"id", f.id},
          {"charged", formatCents(f.amountCents + f.waivedCents)},
          {"paid", formatCents(f.paidCents)},
          {"waived", formatCents(f.waivedCents)},
          {"owed", formatCents(f.amountCents - f.paidCents)},
          {"reason", f.reason},
          {"created_at", displayTime(f.createdAt, zone)}};
}

json waiverJson(const FineWaiver& w, const TimeZone& zone) {
  return {{"id", w.id},
          {"amount", formatCents(w.amountCents)},
          {"reason", w.reason},
          {"by", w.waivedBy},
          {"at", displayTime(w.waivedAt, zone)}};
}

void printFine(const Fine& f) {
  std::cout << "    " << f.createdAt.substr(0, 10) << "  " << escapeControl(f.reason)
            << ": charged " << formatCents(f.amountCents + f.waivedCents) << ", paid "
            << formatCents(f.paidCents) << ", waived " << formatCents(f.waivedCents) << ", owed "
            << formatCents(f.amountCents - f.paidCents) << "\n";
}

// A --homeroom that no patron has and the configuration does not name is a mistake.
int checkHomeroom(App& app, const std::string& site, const std::string& homeroom) {
  for (const auto& h : app.config().homerooms) {
    if (h.name == homeroom && (site.empty() || h.site == site)) {
      return kExitOk;
    }
  }
  PatronFilter f;
  f.site = site;
  f.homeroom = homeroom;
  auto n = app.store().countPatrons(f);
  if (!n) {
    return fail(kExitFailed, n.error().describe());
  }
  if (*n > 0) {
    return kExitOk;
  }
  std::string msg = "no patron has homeroom '" + escapeControl(homeroom) + "'" +
                    (site.empty() ? "" : " at site " + site);
  if (auto rooms = currentHomerooms(app.store(), app.config())) {
    std::vector<std::string> names;
    for (const auto& h : *rooms) {
      if (site.empty() || h.site == site) {
        names.push_back(h.name);
      }
    }
    if (auto near = closestMatch(homeroom, names)) {
      msg += " (did you mean '" + escapeControl(*near) + "'?)";
    }
  }
  return fail(kExitUsage, msg + "; see 'patrond homerooms list'");
}

}  // namespace

std::string loginName() {
  return userLoginName();
}

std::string checkPersonName(const std::string& name, const std::string& what) {
  if (trim(name).empty()) {
    return what + " needs a name, not an empty one";
  }
  if (!validUtf8(name) || escapeControl(name) != name) {
    return what + " '" + escapeControl(name) +
           "' holds control characters or bytes that are "
           "not UTF-8";
  }
  if (utf8Length(name) > kMaxPersonName) {
    return what + " is longer than " + std::to_string(kMaxPersonName) + " characters";
  }
  return "";
}

void addLibrarianCommands(CLI::App& root, CLI::App& items, CLI::App& fines, LibrarianArgs& a,
                          std::function<int(App&)>& action) {
  auto* show = items.add_subcommand("show", "one copy: status, condition, value, its loan");
  show->add_option("COPY", a.copy, "copy barcode")->required();
  show->callback([&] { action = [&](App& app) { return cmdItemsShow(app, a.copy); }; });
  auto* list = items.add_subcommand("list", "copies matching the filters, by barcode");
  list->add_option("--site", a.site, "only copies of this site");
  list->add_option("--status", a.status)
      ->check(CLI::IsMember({"available", "checked_out", "lost"}));
  list->add_option("--title", a.title, "part of the title (A-Z in either case)");
  list->add_option("--limit", a.limit, "at most this many")->check(limitValidator(10000000));
  list->callback([&] { action = [&](App& app) { return cmdItemsList(app, a); }; });

  auto* flist = fines.add_subcommand(
      "list", "a patron's fines and waivers; without PATRON every fine still owed");
  flist->add_option("PATRON", a.patron, "district id or barcode");
  flist->callback([&] { action = [&](App& app) { return cmdFinesList(app, a.patron); }; });
  auto* waive = fines.add_subcommand("waive", "waive part or all of what a patron owes");
  waive->add_option("PATRON", a.patron, "district id or barcode")->required();
  waive->add_option("AMOUNT", a.amount, "like 12.50, at most what is owed")->required();
  waive->add_option("--reason", a.reason, "why (recorded)")->required();
  auto* by = waive->add_option("--by", a.by, "who waives it (default: the login name)");
  waive->callback([&, by] {
    a.byGiven = by->count() > 0;
    action = [&](App& app) { return cmdFinesWaive(app, a); };
  });

  auto* reports = root.add_subcommand("reports", "reports for the librarian");
  reports->require_subcommand(1);
  auto* loans = reports->add_subcommand(
      "loans", "open loans with title, copy, due date and value, per homeroom and in total");
  loans->add_option("--site", a.site, "patrons of this site");
  loans->add_option("--homeroom", a.homeroom, "patrons of this homeroom (\"Moved\", ...)");
  a.status = "";
  loans->add_option("--status", a.status, "the patrons' status (default: all)")
      ->check(CLI::IsMember({"active", "inactive", "all"}));
  loans->add_option("--format", a.format, "text (default), csv or html")
      ->check(CLI::IsMember({"text", "csv", "html"}));
  loans->callback([&] { action = [&](App& app) { return cmdReportsLoans(app, a); }; });
}

int cmdItemsShow(App& app, const std::string& barcode) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  CirculationStore& store = app.store().circulation();
  auto copy = store.findCopy(barcode);
  if (!copy) {
    return failWith(app, copy.error());
  }
  if (!copy->has_value()) {
    return failWith(app, Error{"USAGE", "no copy with barcode '" + barcode + "'", ""});
  }
  const Copy& c = **copy;
  std::optional<Loan> loan;
  std::optional<Borrower> borrower;
  if (c.status != "available") {
    auto current = store.currentLoan(c.id);
    if (!current) {
      return failWith(app, current.error());
    }
    loan = *current;
    if (loan) {
      auto b = store.findBorrowerById(loan->patronId);
      if (!b) {
        return failWith(app, b.error());
      }
      borrower = *b;
    }
  }
  CivilTime local = app.localNow();
  CivilTime today{local.year, local.month, local.day};
  if (app.json()) {
    json j = itemJson(app, c);
    j["replacement_price"] =
        c.replacementCents ? json(formatCents(*c.replacementCents)) : json(nullptr);
    j["updated_at"] =
        c.updatedAt.empty() ? json(nullptr) : json(displayTime(c.updatedAt, app.zone()));
    if (loan) {
      json l = loanJson(*loan, today, app.zone());
      l["status"] = loan->status;
      l["lost_at"] =
          loan->lostAt.empty() ? json(nullptr) : json(displayTime(loan->lostAt, app.zone()));
      if (borrower) {
        l.update(borrowerJson(*borrower));
      }
      j["loan"] = l;
    } else {
      j["loan"] = nullptr;
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << escapeControl(c.barcode) << " '" << escapeControl(c.title) << "'\n"
            << "  site: " << escapeControl(c.site.empty() ? "-" : c.site) << "\n"
            << "  kind: " << (c.textbook ? "textbook" : "library") << "\n"
            << "  status: " << c.status << "\n"
            << "  condition: " << escapeControl(c.condition) << "\n"
            << "  value: " << formatCents(valueNow(app, c)) << " (purchase price "
            << formatCents(c.purchaseCents) << ", replacement price "
            << (c.replacementCents ? formatCents(*c.replacementCents) : "-") << ")\n"
            << "  circulations: " << c.circulations << " (" << c.conditionCirculations
            << " in this condition)\n";
  if (loan) {
    std::cout << "  loan: " << (loan->status == "lost" ? "lost by " : "to ")
              << (borrower ? label(*borrower) : "a deleted patron") << ", checked out "
              << displayTime(loan->checkedOutAt, app.zone()) << ", due " << loan->due;
    if (int days = overdueDays(loan->due, today); days > 0 && loan->status == "open") {
      std::cout << " (" << days << " days overdue)";
    }
    if (loan->status == "lost" && !loan->lostAt.empty()) {
      std::cout << ", marked lost " << displayTime(loan->lostAt, app.zone());
    }
    std::cout << "\n";
    if (loan->overridden) {
      std::cout << "  override by "
                << escapeControl(loan->overrideBy.empty() ? "-" : loan->overrideBy) << ": "
                << escapeControl(loan->overrideBlocks) << "\n";
    }
  }
  return kExitOk;
}

int cmdItemsList(App& app, const LibrarianArgs& a) {
  if (!a.site.empty() && !app.config().findSite(a.site)) {
    return unknownSite(app, a.site);
  }
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  CopyFilter f{a.site, a.status, a.title, std::nullopt};
  if (a.limit > 0) {
    f.limit = a.limit;
  }
  auto copies = app.store().circulation().listCopies(f);
  if (!copies) {
    return failWith(app, copies.error());
  }
  if (app.json()) {
    json j = json::array();
    for (const auto& c : *copies) {
      j.push_back(itemJson(app, c));
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& c : *copies) {
    printItemLine(app, c);
  }
  std::cout << copies->size() << " cop" << (copies->size() == 1 ? "y" : "ies") << "\n";
  return kExitOk;
}

int cmdFinesList(App& app, const std::string& patron) {
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  CirculationStore& store = app.store().circulation();
  if (patron.empty()) {
    auto all = store.unpaidFines();
    if (!all) {
      return failWith(app, all.error());
    }
    std::int64_t total = 0;
    json j = json::array();
    const Borrower* last = nullptr;
    std::int64_t patrons = 0;
    for (const auto& pf : *all) {
      total += pf.fine.amountCents - pf.fine.paidCents;
      if (app.json()) {
        json f = fineJson(pf.fine, app.zone());
        f.update(borrowerJson(pf.patron));
        j.push_back(f);
        continue;
      }
      if (last == nullptr || last->id != pf.patron.id) {
        std::cout << label(pf.patron) << (pf.patron.active ? "" : ", inactive") << "\n";
        ++patrons;
      }
      last = &pf.patron;
      printFine(pf.fine);
    }
    if (app.json()) {
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << all->size() << " unpaid fine(s) of " << patrons << " patron(s), "
                << formatCents(total) << " owed\n";
    }
    return kExitOk;
  }
  auto out = finesOf(store, patron);
  if (!out) {
    return failWith(app, out.error());
  }
  if (app.json()) {
    json j = borrowerJson(out->patron);
    j["fine_balance"] = formatCents(out->balanceCents);
    j["fines"] = json::array();
    for (const auto& f : out->fines) {
      j["fines"].push_back(fineJson(f, app.zone()));
    }
    j["waivers"] = json::array();
    for (const auto& w : out->waivers) {
      j["waivers"].push_back(waiverJson(w, app.zone()));
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << label(out->patron) << ": owes " << formatCents(out->balanceCents) << "\n";
  std::cout << "  fines: " << (out->fines.empty() ? "none" : "") << "\n";
  for (const auto& f : out->fines) {
    printFine(f);
  }
  std::cout << "  waivers: " << (out->waivers.empty() ? "none" : "") << "\n";
  for (const auto& w : out->waivers) {
    std::cout << "    " << displayTime(w.waivedAt, app.zone()) << "  " << formatCents(w.amountCents)
              << " by " << escapeControl(w.waivedBy) << ": " << escapeControl(w.reason) << "\n";
  }
  return kExitOk;
}

int cmdFinesWaive(App& app, const LibrarianArgs& a) {
  WaiverRequest req{a.patron, a.amount, a.reason, a.byGiven ? a.by : loginName()};
  if (auto bad = a.byGiven ? checkPersonName(a.by, "--by") : ""; !bad.empty()) {
    return fail(kExitUsage, bad);
  }
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  auto out = waiveFines(app.store().circulation(), req, app.localNow());
  if (!out) {
    return failWith(app, out.error());
  }
  app.log().info("fines of " + keyOf(out->patron) + ": " + formatCents(out->waiver.amountCents) +
                 " waived by " + out->waiver.waivedBy + " (" + out->waiver.reason +
                 "); balance now " + formatCents(out->balanceCents));
  if (app.json()) {
    std::cout << json{{"ok", true},
                      {"patron", keyOf(out->patron)},
                      {"waived", formatCents(out->waiver.amountCents)},
                      {"reason", out->waiver.reason},
                      {"by", out->waiver.waivedBy},
                      {"at", displayTime(out->waiver.waivedAt, app.zone())},
                      {"fine_balance", formatCents(out->balanceCents)}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << "Waived " << formatCents(out->waiver.amountCents) << " of " << label(out->patron)
            << "'s fines (by " << escapeControl(out->waiver.waivedBy) << ": "
            << escapeControl(out->waiver.reason) << "); balance now "
            << formatCents(out->balanceCents) << "\n";
  return kExitOk;
}

int cmdReportsLoans(App& app, const LibrarianArgs& a) {
  if (app.json() && a.format != "text") {
    return fail(kExitUsage, "--json and --format " + a.format + " exclude each other");
  }
  if (!a.site.empty() && !app.config().findSite(a.site)) {
    return unknownSite(app, a.site);
  }
  if (int rc = app.openExistingDatabase(); rc != kExitOk) {
    return rc;
  }
  if (!a.homeroom.empty()) {
    if (int rc = checkHomeroom(app, a.site, a.homeroom); rc != kExitOk) {
      return rc;
    }
  }
  LoanReportFilter f{a.site, a.homeroom, std::nullopt};
  std::string status = a.status.empty() ? "all" : a.status;
  if (status != "all") {
    f.active = status == "active";
  }
  CivilTime local = app.localNow();
  CivilTime today{local.year, local.month, local.day};
  LoansReportHeading h{formatDate(today), a.site, a.homeroom, status};
  auto writer = makeLoansReportWriter(app.json() ? "json" : a.format, h, std::cout);
  auto total = writeLoansReport(app.store().circulation(), app.config(), f, today, *writer);
  if (!total) {
    // Part of the report may be out already: the error goes to stderr only.
    return fail(kExitFailed, total.error().describe());
  }
  return kExitOk;
}

}  // namespace patrond::daemon
