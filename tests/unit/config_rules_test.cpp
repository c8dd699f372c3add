#include <gtest/gtest.h>

#include "engine/config.h"

namespace patrond {
namespace {

Config minimal() {
  Config c;
  c.sites = {{"LHS", "Lincoln", "high"}};
  ImportJob j;
  j.name = "students";
  j.source.directory = "/srv";
  j.source.file = "s.csv";
  j.mapping.fields = {{PatronField::kDistrictId, {"StudentID", 0, ""}}};
  c.imports.push_back(j);
  return c;
}

bool has(const std::vector<ConfigIssue>& issues, const std::string& path) {
  for (const auto& i : issues) {
    if (i.path == path) {
      return true;
    }
  }
  return false;
}

TEST(ConfigRules, MinimalConfigIsValid) {
  EXPECT_TRUE(validateConfig(minimal()).empty());
}

TEST(ConfigRules, UnrestrictedDeleteNeedsTheOption) {
  Config c = minimal();
  LifecycleConfig l;
  l.deleteInactive = DeleteInactive{365, DeleteInactiveWhen::kUnrestricted, 0};
  c.imports[0].lifecycle = l;
  EXPECT_TRUE(has(validateConfig(c), "imports[0].lifecycle.delete_inactive.when"));
  c.imports[0].options.allowDeleteWithTransactions = true;
  EXPECT_FALSE(has(validateConfig(c), "imports[0].lifecycle.delete_inactive.when"));
}

TEST(ConfigRules, DeleteWithTransactionsNeedsTheOption) {
  Config c = minimal();
  LifecycleConfig l;
  l.deleteWithTransactions = DeleteWithTransactions{730, std::nullopt, std::nullopt};
  c.imports[0].lifecycle = l;
  EXPECT_TRUE(has(validateConfig(c), "imports[0].lifecycle.delete_with_transactions"));
}

TEST(ConfigRules, MatchOnFieldMustBeMapped) {
  Config c = minimal();
  c.imports[0].mapping.matchOn = MatchOn::kBarcode;
  EXPECT_TRUE(has(validateConfig(c), "imports[0].mapping.match_on"));
}

TEST(ConfigRules, SourceNeedsExactlyOneOfDirectoryOrSftp) {
  Config c = minimal();
  c.imports[0].source.sftp = SftpConfig{};
  auto issues = validateConfig(c);
  EXPECT_TRUE(has(issues, "imports[0].source"));
  c.imports[0].source.directory.clear();
  issues = validateConfig(c);
  EXPECT_FALSE(has(issues, "imports[0].source"));
  EXPECT_TRUE(has(issues, "imports[0].source.sftp.known_hosts"));
  EXPECT_TRUE(has(issues, "imports[0].source.sftp"));
}

TEST(ConfigRules, UnknownSitesAndDuplicateNames) {
  Config c = minimal();
  c.homerooms.push_back({"XYZ", "Room 1", "", "", std::nullopt, true});
  c.imports.push_back(c.imports[0]);
  c.textbookPolicies.sites["ABC"] = PolicyLevel{};
  auto issues = validateConfig(c);
  EXPECT_TRUE(has(issues, "homerooms[0].site"));
  EXPECT_TRUE(has(issues, "imports[1].name"));
  EXPECT_TRUE(has(issues, "textbook_policies.sites.ABC"));
}

TEST(ConfigRules, EmailNoticesNeedSmtpAndPrintNeedsADir) {
  Config c = minimal();
  NoticeConfig n;
  n.name = "overdues";
  c.notices.push_back(n);
  n.name = "printed";
  n.deliver = Delivery::kPrint;
  c.notices.push_back(n);
  auto issues = validateConfig(c);
  EXPECT_TRUE(has(issues, "notices[0].deliver"));
  EXPECT_TRUE(has(issues, "notices[1].print_dir"));
}

TEST(ConfigRules, DemotionOnlyForNewGoodFair) {
  Config c = minimal();
  c.textbookPolicies.district.demoteAfter["poor"] = 3;
  EXPECT_TRUE(has(validateConfig(c), "textbook_policies.district.conditioning.demote_after.poor"));
}

}  // namespace
}  // namespace patrond
