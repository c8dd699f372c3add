#include "daemon/circulation_commands.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "daemon/json_output.h"
#include "daemon/lease_keeper.h"
#include "daemon/librarian_commands.h"
#include "daemon/wiring.h"
#include "engine/items_import.h"
#include "engine/text.h"

namespace patrond::daemon {

using nlohmann::json;

namespace {

std::string patronLabel(const Borrower& b) {
  std::string key = b.barcode.empty() ? b.districtId : b.barcode;
  return escapeControl(b.lastName + ", " + b.firstName + " (" + key + ")");
}

void printCopy(const Copy& c) {
  std::cout << "  " << escapeControl(c.barcode) << " '" << escapeControl(c.title)
            << "': " << c.status << ", " << c.condition << ", value " << formatCents(c.valueCents)
            << ", " << c.circulations << " circulation(s)\n";
}

}  // namespace

int cmdItemsImport(App& app, const std::string& file, const std::string& encoding, bool dryRun) {
  auto source = openTextFile(file, encoding);
  if (!source) {
    // An unknown --encoding is a usage error; a missing or unreadable file, a failure.
    return fail(exitCodeFor(source.error()), file + ": " + source.error().describe());
  }
  if (int rc = app.openDatabase(); rc != kExitOk) {
    return rc;
  }
  ItemsImportOptions options;
  options.dryRun = dryRun;
  auto out =
      importItems(**source, app.store().circulation(), app.config(), app.localNow(), options);
  if (!out) {
    const Error& e = out.error();
    bool line = e.where.rfind("line ", 0) == 0;
    return fail(kExitFailed,
                file + ":" + (line ? e.where.substr(5) + ": " + e.message : " " + e.describe()));
  }
  if (app.json()) {
    json j{{"read", out->read},       {"added", out->added},
           {"updated", out->updated}, {"unchanged", out->unchanged},
           {"skipped", out->skipped}, {"titles_added", out->titlesAdded},
           {"dry_run", dryRun},       {"messages", json::array()}};
    for (const auto& m : out->messages) {
      j["messages"].push_back(messageJson(m));
    }
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "Copies from " << file << (dryRun ? " (dry run: nothing was changed)" : "")
            << ": read " << out->read << ", added " << out->added << ", updated " << out->updated
            << ", unchanged " << out->unchanged << ", skipped " << out->skipped << "; "
            << out->titlesAdded << " new title(s)\n";
  for (const auto& m : out->messages) {
    std::cout << "  " << severityName(m.severity) << " " << file << ":" << m.line
              << (m.key.empty() ? "" : " [" + escapeControl(m.key) + "]") << " " << m.code << ": "
              << escapeControl(m.text) << "\n";
  }
  return kExitOk;
}

int cmdCheckout(App& app, const CheckoutArgs& args) {
  CheckoutRequest req{args.patron, args.copy, std::nullopt, args.override,
                      args.byGiven ? args.by : loginName()};
  if (auto bad = args.byGiven ? checkPersonName(args.by, "--by") : ""; !bad.empty()) {
    return fail(kExitUsage, bad);
  }
  if (!args.due.empty()) {
    auto d = parseCivilTime(args.due);
    if (!d || args.due.size() != 10) {
      return fail(kExitUsage, "--due '" + args.due + "' is not a date YYYY-MM-DD");
    }
    req.due = d;
  }
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  auto out = checkout(app.store().circulation(), app.config(), req, app.localNow());
  if (!out) {
    return failWith(app, out.error());
  }
  std::string patronKey =
      out->patron.barcode.empty() ? out->patron.districtId : out->patron.barcode;
  if (app.json()) {
    json j{{"ok", out->ok}, {"patron", patronKey}, {"copy", out->copy.barcode}};
    if (out->ok) {
      j["due"] = out->due;
      j["override"] = out->overridden;
      j["override_by"] = out->overridden ? json(out->overrideBy) : json(nullptr);
    } else {
      j["overridable"] = !out->hard;
    }
    j["blocks"] = json::array();
    for (const auto& b : out->blocks) {
      j["blocks"].push_back(blockJson(b));
    }
    std::cout << j.dump(2) << "\n";
  }
  if (!out->ok) {
    std::cerr << "patrond: checkout of " << args.copy << " to " << args.patron << " refused:\n";
    for (const auto& b : out->blocks) {
      std::cerr << "  " << b.code << ": " << escapeControl(b.text) << "\n";
    }
    if (!out->hard) {
      std::cerr << "Use --override to check it out anyway (the override is recorded).\n";
    }
    return kExitRefused;
  }
  if (out->overridden) {
    std::string blocks;
    for (const auto& b : out->blocks) {
      blocks += (blocks.empty() ? "" : "; ") + b.code + ": " + b.text;
    }
    app.log().warning("checkout of " + out->copy.barcode + " to " + patronKey +
                      " overrode its blocks, by " + out->overrideBy + " (" + blocks + ")");
  }
  if (!app.json()) {
    std::cout << "Checked out " << escapeControl(out->copy.barcode) << " '"
              << escapeControl(out->copy.title) << "' to " << patronLabel(out->patron) << ", due "
              << out->due << "\n";
    if (out->overridden) {
      std::cout << "  overridden by " << escapeControl(out->overrideBy) << ":\n";
    }
    for (const auto& b : out->blocks) {
      std::cout << "  overridden " << b.code << ": " << escapeControl(b.text) << "\n";
    }
  }
  return kExitOk;
}

int cmdCheckin(App& app, const std::string& copy) {
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  auto out = checkin(app.store().circulation(), app.config(), copy, app.localNow());
  if (!out) {
    return failWith(app, out.error());
  }
  if (app.json()) {
    json j = copyJson(out->copy);
    j["counted"] = out->counted;
    j["demoted"] = out->demoted;
    j["was_lost"] = out->wasLost;
    j["fine_waived"] = formatCents(out->waivedCents);
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "Checked in " << copy << (out->wasLost ? " (it was marked lost)" : "") << "\n";
  printCopy(out->copy);
  if (out->demoted) {
    std::cout << "  demoted to " << out->copy.condition << " after its circulations\n";
  }
  if (!out->counted) {
    std::cout << "  same-day return: not counted as a circulation\n";
  }
  if (out->waivedCents > 0) {
    std::cout << "  unpaid lost-copy fine of " << formatCents(out->waivedCents) << " waived\n";
  }
  return kExitOk;
}

int cmdCondition(App& app, const std::string& copy, const std::string& condition) {
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  auto out = setCondition(app.store().circulation(), app.config(), copy, condition, app.localNow());
  if (!out) {
    return failWith(app, out.error());
  }
  if (app.json()) {
    std::cout << copyJson(*out).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "Condition of " << copy << " set to " << condition << "\n";
  printCopy(*out);
  return kExitOk;
}

Result<SweepOutcome> executeSweep(LeaseStore& leases, CirculationStore& circulation,
                                  const Config& config, const CivilTime& local, UtcTime utc,
                                  Log& log) {
  const std::string lease = "circulation-sweep";
  const std::string holder = leaseHolder();
  auto got = ScopedLease::acquire(leases, lease, holder, utcIso(utc), utcIso(utc + kLeaseTime),
                                  holderState, &log);
  if (!got) {
    return got.error();
  }
  if (!*got) {
    return Error{"BUSY", "another patrond process is running the circulation sweep", lease};
  }
  HeldLease held(std::move(**got), config.database, &log);
  auto out = sweep(circulation, config, local);
  held.release();
  if (out) {
    log.info("circulation sweep: " + std::to_string(out->lost) + " loan(s) marked lost, " +
             formatCents(out->finesCents) + " charged");
  } else {
    log.error("circulation sweep failed (nothing changed): " + out.error().describe());
  }
  return out;
}

int cmdSweep(App& app) {
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  auto out = executeSweep(app.store(), app.store().circulation(), app.config(), app.localNow(),
                          app.now(), app.log());
  if (!out) {
    return failWith(app, out.error());
  }
  if (app.json()) {
    std::cout << json{{"lost", out->lost},
                      {"fines_charged", formatCents(out->finesCents)},
                      {"loans", out->copies}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << "Sweep: " << out->lost << " overdue loan(s) marked lost, "
            << formatCents(out->finesCents) << " in fines charged\n";
  constexpr size_t kShown = 50;
  for (size_t i = 0; i < out->copies.size() && i < kShown; ++i) {
    std::cout << "  " << escapeControl(out->copies[i]) << "\n";
  }
  if (out->copies.size() > kShown) {
    std::cout << "  ... " << (out->copies.size() - kShown) << " more (use --json for all)\n";
  }
  return kExitOk;
}

int cmdFinesPay(App& app, const std::string& patron, const std::string& amount) {
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  auto out = payFines(app.store().circulation(), patron, amount, app.localNow());
  if (!out) {
    return failWith(app, out.error());
  }
  std::string key = out->patron.barcode.empty() ? out->patron.districtId : out->patron.barcode;
  if (app.json()) {
    std::cout << json{{"ok", true},
                      {"patron", key},
                      {"paid", formatCents(out->paidCents)},
                      {"fine_balance", formatCents(out->balanceCents)}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << "Payment of " << formatCents(out->paidCents) << " recorded for "
            << patronLabel(out->patron) << "; balance now " << formatCents(out->balanceCents)
            << "\n";
  return kExitOk;
}

}  // namespace patrond::daemon
