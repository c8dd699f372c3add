#include "daemon/patron_commands.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "daemon/json_output.h"
#include "engine/csv_reader.h"
#include "engine/patron_deletion.h"
#include "engine/scoped_transaction.h"
#include "engine/text.h"

namespace patrond::daemon {

using nlohmann::json;

namespace {

std::string label(const Patron& p) {
  return escapeControl(p.get(PatronField::kLastName) + ", " + p.get(PatronField::kFirstName) +
                       " (" + p.get(PatronField::kDistrictId) + ")");
}

json candidateJson(const DeletionCandidate& c) {
  return {{"district_id", c.districtId},
          {"barcode", c.barcode.empty() ? json(nullptr) : json(c.barcode)},
          {"last_name", c.lastName},
          {"first_name", c.firstName},
          {"site", c.site},
          {"homeroom", c.homeroom.empty() ? json(nullptr) : json(c.homeroom)},
          {"open_loans", c.openLoans},
          {"unpaid_fines", formatCents(c.unpaidCents > 0 ? c.unpaidCents : 0)}};
}

std::string candidateLine(const DeletionCandidate& c) {
  return escapeControl(c.districtId + "  " + c.lastName + ", " + c.firstName + "  " + c.site +
                       (c.homeroom.empty() ? "" : " " + c.homeroom));
}

// The patrons the command names, with their open loans and unpaid fines; exit 2 for an
// unknown key or an empty homeroom.
int collectCandidates(App& app, const PatronDeleteArgs& a, std::vector<DeletionCandidate>& out) {
  std::vector<Patron> patrons;
  if (a.keys.empty()) {
    PatronFilter f;
    f.site = a.site;
    f.homeroom = a.homeroom;
    auto listed = app.store().listPatrons(f);
    if (!listed) {
      return fail(kExitFailed, listed.error().describe());
    }
    if (listed->empty()) {
      return fail(kExitUsage, "no patron has homeroom " + escapeControl(quoteValue(a.homeroom)) +
                                  " at site " + escapeControl(a.site) +
                                  ": nothing deleted (see 'patrond homerooms list --site " +
                                  escapeControl(a.site) + "')");
    }
    patrons = std::move(*listed);
  } else {
    std::vector<std::string> unknown;
    for (const auto& key : a.keys) {
      auto p = app.store().findPatron(key);
      if (!p) {
        return fail(kExitFailed, p.error().describe());
      }
      if (!p->has_value()) {
        unknown.push_back(escapeControl(quoteValue(key)));
      } else {
        patrons.push_back(std::move(**p));
      }
    }
    if (!unknown.empty()) {
      return fail(kExitUsage, "no patron with district id or barcode " + joinSome(unknown, 10) +
                                  ": nothing deleted" + app.noPatronsHint());
    }
  }
  for (const auto& p : patrons) {
    DeletionCandidate c;
    c.id = p.id;
    c.districtId = p.get(PatronField::kDistrictId);
    c.barcode = p.get(PatronField::kBarcode);
    c.lastName = p.get(PatronField::kLastName);
    c.firstName = p.get(PatronField::kFirstName);
    c.site = p.get(PatronField::kSite);
    c.homeroom = p.get(PatronField::kHomeroom);
    auto loans = app.store().circulation().openLoans(p.id);
    auto owed = app.store().circulation().unpaidCents(p.id);
    if (!loans || !owed) {
      return fail(kExitFailed, (!loans ? loans.error() : owed.error()).describe());
    }
    c.openLoans = static_cast<std::int64_t>(loans->size());
    c.unpaidCents = *owed;
    out.push_back(std::move(c));
  }
  return kExitOk;
}

}  // namespace

int findPatron(App& app, const std::string& key, Patron& out) {
  auto p = app.store().findPatron(key);
  if (!p) {
    return fail(kExitFailed, p.error().describe());
  }
  if (!p->has_value()) {
    return fail(kExitUsage, "no patron with district id or barcode " +
                                escapeControl(quoteValue(key)) + app.noPatronsHint());
  }
  out = std::move(**p);
  return kExitOk;
}

std::string checkHomeroomLabel(const std::string& homeroom) {
  if (trim(homeroom).empty()) {
    return "--homeroom needs a homeroom name like \"Moved\", not an empty one";
  }
  if (!validUtf8(homeroom) || escapeControl(homeroom) != homeroom) {
    return "--homeroom '" + escapeControl(homeroom) +
           "' holds control characters or bytes that are not UTF-8";
  }
  if (trim(homeroom).size() != homeroom.size()) {
    return "--homeroom '" + homeroom + "' has spaces at its start or end";
  }
  if (std::size_t max = fieldInfo(PatronField::kHomeroom).maxLength; utf8Length(homeroom) > max) {
    return "--homeroom is longer than " + std::to_string(max) + " characters";
  }
  return "";
}

void addPatronCommands(CLI::App& patrons, PatronSetArgs& a, PatronDeleteArgs& d,
                       std::function<int(App&)>& action) {
  auto* set = patrons.add_subcommand(
      "set", "pin a patron's homeroom by hand (\"Moved\", \"Leavers\") or release the pin");
  set->add_option("KEY", a.key, "district id or barcode")->required();
  auto* homeroom = set->add_option("--homeroom", a.homeroom,
                                   "pin this homeroom: imports and inactivation leave it alone");
  set->add_flag("--homeroom-from-sis", a.fromSis,
                "release the pin: the next import writes the SIS homeroom again")
      ->excludes(homeroom);
  set->callback([&a, &action, homeroom] {
    a.homeroomGiven = homeroom->count() > 0;
    if (!a.homeroomGiven && !a.fromSis) {
      throw CLI::ValidationError("patrons set needs --homeroom H or --homeroom-from-sis");
    }
    action = [&a](App& app) { return cmdPatronsSet(app, a); };
  });

  auto* del = patrons.add_subcommand(
      "delete",
      "delete patrons by hand (KEY... or --site S --homeroom H), archived as the lifecycle does");
  auto* keys = del->add_option("KEY", d.keys, "district ids or barcodes");
  auto* site = del->add_option("--site", d.site, "with --homeroom: every patron of that homeroom");
  auto* room = del->add_option("--homeroom", d.homeroom, "with --site");
  site->needs(room)->excludes(keys);
  room->needs(site)->excludes(keys);
  del->add_flag("--with-transactions", d.withTransactions,
                "also patrons with open loans (closed as lost) or unpaid fines (archived)");
  del->add_flag("--dry-run", d.dryRun, "say who would be deleted, change nothing");
  del->callback([&d, &action, keys, site] {
    if (keys->count() == 0 && site->count() == 0) {
      throw CLI::ValidationError(
          "patrons delete needs the patrons: KEY... or --site S --homeroom H");
    }
    action = [&d](App& app) { return cmdPatronsDelete(app, d); };
  });
}

int cmdPatronsSet(App& app, const PatronSetArgs& a) {
  if (a.homeroomGiven) {
    if (auto bad = checkHomeroomLabel(a.homeroom); !bad.empty()) {
      return fail(kExitUsage, bad);
    }
  }
  if (int rc = app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  Patron before;
  if (int rc = findPatron(app, a.key, before); rc != kExitOk) {
    return rc;
  }
  const bool change = a.homeroomGiven || before.homeroomPinned;
  if (change) {
    std::optional<std::string> pin;
    if (a.homeroomGiven) {
      pin = a.homeroom;
    }
    // Rolled back on every path that does not commit, a failed commit included.
    auto done = [&]() -> Result<void> {
      PATROND_ASSIGN(tx, ScopedTransaction::begin(app.store()));
      PATROND_TRY(app.store().setHomeroomPin(before.id, pin, app.localNowIso()));
      return tx.commit();
    }();
    if (!done) {
      return fail(kExitFailed, done.error().describe());
    }
  }
  Patron after;
  if (int rc = findPatron(app, before.get(PatronField::kDistrictId), after); rc != kExitOk) {
    return rc;
  }
  const std::string& hr = after.get(PatronField::kHomeroom);
  if (change) {
    app.log().info("homeroom of " + after.get(PatronField::kDistrictId) +
                   (a.homeroomGiven ? " pinned to '" + hr + "' (was '" +
                                          before.get(PatronField::kHomeroom) + "')"
                                    : " released to the SIS (now '" + hr + "')"));
  }
  if (app.json()) {
    json j = patronJson(after, app.zone());
    j["ok"] = true;
    j["changed"] = change;
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (a.homeroomGiven) {
    std::cout << "Pinned the homeroom of " << label(after) << ": " << escapeControl(hr) << " (was "
              << escapeControl(before.get(PatronField::kHomeroom).empty()
                                   ? "none"
                                   : before.get(PatronField::kHomeroom))
              << "). Imports and inactivation leave it until 'patrond patrons set "
              << escapeControl(after.get(PatronField::kDistrictId)) << " --homeroom-from-sis'.\n";
  } else if (change) {
    std::cout << "Released the homeroom of " << label(after) << " (now "
              << escapeControl(hr.empty() ? "none" : hr)
              << "): the next import writes the SIS homeroom again.\n";
  } else {
    std::cout << "The homeroom of " << label(after)
              << " is not pinned: nothing to release; imports write it from the SIS.\n";
  }
  return kExitOk;
}

int cmdPatronsDelete(App& app, const PatronDeleteArgs& a) {
  if (a.keys.empty() && (trim(a.site).empty() || trim(a.homeroom).empty())) {
    // An empty filter would select every patron of the site (or of every site).
    return fail(kExitUsage, "--site and --homeroom each need a value, not an empty one");
  }
  if (!a.site.empty() && !app.config().findSite(a.site)) {
    return unknownSite(app, a.site);
  }
  if (int rc = a.dryRun ? app.openExistingDatabase() : app.openDatabaseToChange(); rc != kExitOk) {
    return rc;
  }
  // One transaction from reading the patrons' loans to deleting them: a checkout in between
  // cannot slip past the refusal.
  auto tx = ScopedTransaction::begin(app.store());
  if (!tx) {
    return fail(kExitFailed, tx.error().describe());
  }
  auto rollback = [&](int rc) {
    (void)tx->rollback();
    return rc;
  };
  std::vector<DeletionCandidate> candidates;
  if (int rc = collectCandidates(app, a, candidates); rc != kExitOk) {
    return rollback(rc);
  }
  DeletionPlan plan = planHandDeletion(candidates, a.withTransactions);
  auto report = [&](bool ok) {
    json j{{"ok", ok},
           {"dry_run", a.dryRun},
           {"with_transactions", a.withTransactions},
           {"deleted", json::array()},
           {"refused", json::array()}};
    for (const auto& c : plan.deleted) {
      j["deleted"].push_back(candidateJson(c));
    }
    for (const auto& r : plan.refused) {
      json e = candidateJson(r.patron);
      e["reasons"] = r.reasons;
      j["refused"].push_back(e);
    }
    std::cout << j.dump(2) << "\n";
  };
  if (!plan.refused.empty()) {
    if (app.json()) {
      report(false);
    }
    std::string msg = std::to_string(plan.refused.size()) +
                      (plan.refused.size() == 1 ? " patron has" : " patrons have") +
                      " open loans or unpaid fines; nothing deleted (--with-transactions deletes "
                      "them anyway: open loans closed as lost, fines kept in the archive):";
    for (const auto& r : plan.refused) {
      msg += "\n  " + candidateLine(r.patron) + ": ";
      for (std::size_t i = 0; i < r.reasons.size(); ++i) {
        msg += (i ? ", " : "") + r.reasons[i];
      }
    }
    return rollback(fail(kExitRefused, msg));
  }
  if (!a.dryRun) {
    const std::string now = app.localNowIso();
    std::vector<Deletion> list;
    for (const auto& c : plan.deleted) {
      list.push_back({c.id, 0, std::string(kHandDeletionRule), now});
    }
    if (auto r = app.store().deletePatrons(list); !r) {
      return rollback(fail(kExitFailed, r.error().describe()));
    }
    if (auto r = tx->commit(); !r) {
      return rollback(fail(kExitFailed, r.error().describe()));
    }
    for (const auto& c : plan.deleted) {
      app.log().info("patron " + c.districtId + " deleted by hand (" +
                     std::string(kHandDeletionRule) + "), archived" +
                     (c.openLoans > 0
                          ? "; " + std::to_string(c.openLoans) + " open loans closed as lost"
                          : ""));
    }
  } else {
    (void)tx->rollback();
  }
  if (app.json()) {
    report(true);
    return kExitOk;
  }
  std::cout << (a.dryRun ? "Dry run: would delete " : "Deleted ") << plan.deleted.size()
            << (plan.deleted.size() == 1 ? " patron" : " patrons")
            << (a.dryRun ? " (nothing changed):\n"
                         : " (archived with rule " + std::string(kHandDeletionRule) + "):\n");
  for (const auto& c : plan.deleted) {
    std::cout << "  " << candidateLine(c);
    auto blocks = deletionBlocks(c);
    if (!blocks.empty()) {
      std::cout << " (";
      for (std::size_t i = 0; i < blocks.size(); ++i) {
        std::cout << (i ? ", " : "") << blocks[i];
      }
      std::cout << (c.openLoans > 0
                        ? (a.dryRun ? ": loans would be closed as lost" : ": loans closed as lost")
                        : "")
                << ")";
    }
    std::cout << "\n";
  }
  return kExitOk;
}

}  // namespace patrond::daemon
