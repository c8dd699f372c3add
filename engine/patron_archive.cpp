#include "engine/patron_archive.h"

namespace patrond {

bool hasInactivePrefix(std::string_view username) {
  return username.substr(0, kInactivePrefix.size()) == kInactivePrefix;
}

std::string inactiveUsername(std::string_view username) {
  if (username.empty() || hasInactivePrefix(username)) {
    return std::string(username);
  }
  return std::string(kInactivePrefix) + std::string(username);
}

std::string activeUsername(std::string_view username) {
  if (hasInactivePrefix(username)) {
    username.remove_prefix(kInactivePrefix.size());
  }
  return std::string(username);
}

std::string releasedContentHash(std::string_view contentHash) {
  std::size_t colon = contentHash.find(':');
  return "0" + std::string(colon == std::string_view::npos ? "" : contentHash.substr(colon));
}

ArchiveRecord archiveRecord(const Patron& p, const std::vector<ArchivedLoan>& openLoans,
                            const std::vector<ArchivedFine>& fines) {
  ArchiveRecord record;
  for (size_t i = 0; i < kPatronFieldCount; ++i) {
    auto f = static_cast<PatronField>(i);
    if (f != PatronField::kPassword) {  // a hash is no use to anyone reading the archive
      record.fields.emplace_back(std::string(fieldInfo(f).name), p.values[i]);
    }
  }
  record.fields.emplace_back("status", std::string(statusName(p.status)));
  record.fields.emplace_back("owner_job", p.ownerJob);
  record.fields.emplace_back("last_seen_at", p.lastSeenAt);
  record.fields.emplace_back("inactive_since", p.inactiveSince);
  std::vector<ArchiveFields> loans;
  loans.reserve(openLoans.size());
  for (const ArchivedLoan& l : openLoans) {
    loans.push_back({{"loan_id", l.loanId},
                     {"copy", l.copyBarcode},
                     {"checked_out_at", l.checkedOutAt},
                     {"due", l.due}});
  }
  std::vector<ArchiveFields> fineList;
  fineList.reserve(fines.size());
  for (const ArchivedFine& f : fines) {
    fineList.push_back({{"fine_id", f.fineId},
                        {"amount_cents", f.amountCents},
                        {"paid_cents", f.paidCents},
                        {"reason", f.reason},
                        {"created_at", f.createdAt}});
  }
  record.lists.emplace_back("loans", std::move(loans));
  record.lists.emplace_back("fines", std::move(fineList));
  return record;
}

}  // namespace patrond
