#include "engine/patron_archive.h"

#include <gtest/gtest.h>

namespace patrond {
namespace {

TEST(PatronArchive, InactiveUsernameAddsThePrefixOnce) {
  EXPECT_EQ(inactiveUsername("bob"), "Inactive-bob");
  EXPECT_EQ(inactiveUsername("Inactive-bob"), "Inactive-bob");
  EXPECT_EQ(inactiveUsername(""), "");  // no username: nothing to mark
}

TEST(PatronArchive, ThePrefixIsExactCase) {
  EXPECT_FALSE(hasInactivePrefix("inactive-bob"));
  EXPECT_FALSE(hasInactivePrefix("INACTIVE-bob"));
  EXPECT_TRUE(hasInactivePrefix("Inactive-"));
  EXPECT_EQ(inactiveUsername("inactive-bob"), "Inactive-inactive-bob");
  EXPECT_EQ(activeUsername("inactive-bob"), "inactive-bob");
}

TEST(PatronArchive, ActiveUsernameTakesThePrefixOffOnce) {
  EXPECT_EQ(activeUsername("Inactive-bob"), "bob");
  EXPECT_EQ(activeUsername("Inactive-Inactive-bob"), "Inactive-bob");
  EXPECT_EQ(activeUsername("bob"), "bob");
  EXPECT_EQ(activeUsername("Inactive-"), "");
  EXPECT_EQ(activeUsername("Inactive"), "Inactive");
  EXPECT_EQ(activeUsername(inactiveUsername("élève")), "élève");
}

const ArchiveValue* find(const ArchiveFields& fields, const std::string& name) {
  for (const auto& [key, value] : fields) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

TEST(PatronArchive, RecordKeepsEveryFieldButThePasswordHash) {
  Patron p;
  p.get(PatronField::kDistrictId) = "S1";
  p.get(PatronField::kUsername) = "Inactive-one";
  p.get(PatronField::kPassword) = "pbkdf2-sha256$1$00$00";
  p.status = PatronStatus::kInactive;
  p.ownerJob = "students";
  p.lastSeenAt = "2026-10-01T03:00:00";
  p.inactiveSince = "2026-10-08T03:00:00";
  ArchiveRecord r = archiveRecord(p, {}, {});
  EXPECT_EQ(r.fields.size(), kPatronFieldCount - 1 + 4);
  EXPECT_EQ(find(r.fields, "password"), nullptr);
  ASSERT_NE(find(r.fields, "district_id"), nullptr);
  EXPECT_EQ(std::get<std::string>(*find(r.fields, "district_id")), "S1");
  EXPECT_EQ(std::get<std::string>(*find(r.fields, "username")), "Inactive-one");
  EXPECT_EQ(std::get<std::string>(*find(r.fields, "status")), "inactive");
  EXPECT_EQ(std::get<std::string>(*find(r.fields, "owner_job")), "students");
  EXPECT_EQ(std::get<std::string>(*find(r.fields, "last_seen_at")), "2026-10-01T03:00:00");
  EXPECT_EQ(std::get<std::string>(*find(r.fields, "inactive_since")), "2026-10-08T03:00:00");
  for (const auto& [key, value] : r.fields) {
    EXPECT_NE(std::get<std::string>(value), "pbkdf2-sha256$1$00$00") << key;
  }
  ASSERT_EQ(r.lists.size(), 2u);
  EXPECT_EQ(r.lists[0].first, "loans");
  EXPECT_TRUE(r.lists[0].second.empty());
  EXPECT_EQ(r.lists[1].first, "fines");
  EXPECT_TRUE(r.lists[1].second.empty());
}

TEST(PatronArchive, RecordListsOpenLoansAndFines) {
  ArchiveRecord r = archiveRecord(Patron{}, {{11, "C1", "2026-09-01T10:00:00", "2026-09-15"}},
                                  {{21, 500, 200, "lost book", "2026-09-20T10:00:00"}});
  ASSERT_EQ(r.lists[0].second.size(), 1u);
  const ArchiveFields& loan = r.lists[0].second[0];
  EXPECT_EQ(std::get<std::int64_t>(*find(loan, "loan_id")), 11);
  EXPECT_EQ(std::get<std::string>(*find(loan, "copy")), "C1");
  EXPECT_EQ(std::get<std::string>(*find(loan, "checked_out_at")), "2026-09-01T10:00:00");
  EXPECT_EQ(std::get<std::string>(*find(loan, "due")), "2026-09-15");
  ASSERT_EQ(r.lists[1].second.size(), 1u);
  const ArchiveFields& fine = r.lists[1].second[0];
  EXPECT_EQ(std::get<std::int64_t>(*find(fine, "fine_id")), 21);
  EXPECT_EQ(std::get<std::int64_t>(*find(fine, "amount_cents")), 500);
  EXPECT_EQ(std::get<std::int64_t>(*find(fine, "paid_cents")), 200);
  EXPECT_EQ(std::get<std::string>(*find(fine, "reason")), "lost book");
  EXPECT_EQ(std::get<std::string>(*find(fine, "created_at")), "2026-09-20T10:00:00");
}

}  // namespace
}  // namespace patrond
