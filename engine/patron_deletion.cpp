#include "engine/patron_deletion.h"

#include <unordered_set>

#include "engine/text.h"

namespace patrond {

std::vector<std::string> deletionBlocks(const DeletionCandidate& c) {
  std::vector<std::string> out;
  if (c.openLoans > 0) {
    out.push_back(std::to_string(c.openLoans) + (c.openLoans == 1 ? " open loan" : " open loans"));
  }
  if (c.unpaidCents > 0) {
    out.push_back("unpaid fines " + formatCents(c.unpaidCents));
  }
  return out;
}

DeletionPlan planHandDeletion(const std::vector<DeletionCandidate>& candidates,
                              bool withTransactions) {
  DeletionPlan plan;
  std::unordered_set<std::int64_t> seen;
  for (const auto& c : candidates) {
    if (!seen.insert(c.id).second) {
      continue;
    }
    auto blocks = withTransactions ? std::vector<std::string>{} : deletionBlocks(c);
    if (blocks.empty()) {
      plan.deleted.push_back(c);
    } else {
      plan.refused.push_back({c, std::move(blocks)});
    }
  }
  if (!plan.refused.empty()) {
    plan.deleted.clear();
  }
  return plan;
}

}  // namespace patrond
