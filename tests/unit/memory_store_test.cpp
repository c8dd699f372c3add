// What the in-memory store does beyond the contract suites: its archive of deleted patrons
// (the SQL adapter's is JSON, read with SQL) and its connections' transactions.
#include "adapters/memory/memory_store.h"

#include <gtest/gtest.h>

#include <thread>

namespace patrond {
namespace {

Patron patron(const std::string& id, const std::string& last) {
  Patron p;
  p.get(PatronField::kDistrictId) = id;
  p.get(PatronField::kBarcode) = "B" + id;
  p.get(PatronField::kLastName) = last;
  p.get(PatronField::kUsername) = "u" + id;
  p.get(PatronField::kPassword) = "pbkdf2-sha256$1$00$00";
  p.ownerJob = "students";
  p.createdAt = "2026-10-15T02:00:00";
  return p;
}

const ArchiveValue* field(const ArchiveRecord& r, const std::string& name) {
  for (const auto& [n, v] : r.fields) {
    if (n == name) {
      return &v;
    }
  }
  return nullptr;
}

TEST(MemoryStore, ADeletedPatronIsArchivedWithItsOpenLoansAndFinesWhichAreClosedAsLost) {
  auto db = memory::newDatabase();
  auto store = memory::openStore(db);
  std::vector<Patron> ps{patron("S9", "Nine")};
  ASSERT_TRUE(store->insertPatrons(ps));
  const std::int64_t id = (*store->findPatron("S9"))->id;
  CirculationStore& circ = store->circulation();
  std::vector<Title> titles{{0, "Algebra I", "978-1", 7250}};
  ASSERT_TRUE(circ.insertTitles(titles));
  Copy c;
  c.barcode = "T1";
  c.titleId = titles[0].id;
  ASSERT_TRUE(circ.insertCopies({c}));
  const std::int64_t copyId = (*circ.findCopy("T1"))->id;
  ASSERT_TRUE(*circ.claimCopy(copyId, "2026-09-01T10:00:00"));
  Loan l;
  l.copyId = copyId;
  l.patronId = id;
  l.checkedOutAt = "2026-09-01T10:00:00";
  l.due = "2027-02-28";
  ASSERT_TRUE(circ.insertLoan(l));
  ASSERT_TRUE(circ.insertFines({{0, id, 0, 250, 100, "damaged", "2026-10-01T00:00:00"}}));

  ASSERT_TRUE(store->deletePatrons({{id, 7, "delete_inactive", "2026-11-02T03:00:00"}}));
  EXPECT_FALSE(store->findPatron("S9")->has_value());
  auto archive = memory::deletedPatrons(*db);
  ASSERT_EQ(archive.size(), 1u);
  const memory::DeletedPatron& d = archive[0];
  EXPECT_EQ(d.patronId, id);
  EXPECT_EQ(d.runId, 7);
  EXPECT_EQ(d.districtId, "S9");
  EXPECT_EQ(d.barcode, "BS9");
  EXPECT_EQ(d.rule, "delete_inactive");
  ASSERT_NE(field(d.record, "last_name"), nullptr);
  EXPECT_EQ(std::get<std::string>(*field(d.record, "last_name")), "Nine");
  EXPECT_EQ(field(d.record, "password_hash"), nullptr);  // never kept
  EXPECT_EQ(field(d.record, "password"), nullptr);
  ASSERT_EQ(d.record.lists.size(), 2u);
  for (const auto& [name, items] : d.record.lists) {
    EXPECT_EQ(items.size(), 1u) << name;  // the open loan, the fine
  }
  EXPECT_EQ((*circ.findCopy("T1"))->status, "lost");
  auto loan = circ.currentLoan(copyId);
  ASSERT_TRUE(loan && loan->has_value());
  EXPECT_EQ((*loan)->status, "lost");
  EXPECT_EQ((*loan)->lostAt, "2026-11-02T03:00:00");
}

// A transaction holds the database: another connection's call waits for the commit, so it
// sees all of the transaction or none of it.
TEST(MemoryStore, AnotherConnectionWaitsForATransactionAndSeesItWhole) {
  auto db = memory::newDatabase();
  auto writer = memory::openStore(db);
  auto reader = memory::openStore(db);
  ASSERT_TRUE(writer->begin());
  std::int64_t seen = -1;
  std::thread other([&] { seen = *reader->countPatrons({}); });
  std::vector<Patron> ps{patron("S1", "One"), patron("S2", "Two")};
  ASSERT_TRUE(writer->insertPatrons(ps));
  ASSERT_TRUE(writer->commit());
  other.join();
  EXPECT_EQ(seen, 2);

  ASSERT_TRUE(writer->begin());
  std::vector<Patron> more{patron("S3", "Three")};
  ASSERT_TRUE(writer->insertPatrons(more));
  EXPECT_FALSE(writer->begin());  // one transaction at a time
  ASSERT_TRUE(writer->rollback());
  EXPECT_EQ(*reader->countPatrons({}), 2);
  EXPECT_FALSE(writer->commit());  // none open
}

// Ids ascend from 1 per table; a refused bulk insert keeps none of its rows.
TEST(MemoryStore, IdsAscendFromOneAndARefusedInsertKeepsNoneOfItsRows) {
  auto store = memory::openStore(memory::newDatabase());
  std::vector<Patron> ps{patron("S1", "One"), patron("S2", "Two")};
  ASSERT_TRUE(store->insertPatrons(ps));
  EXPECT_EQ((*store->findPatron("S1"))->id, 1);
  EXPECT_EQ((*store->findPatron("S2"))->id, 2);
  std::vector<Patron> clash{patron("S3", "Three"), patron("S4", "Four")};
  clash[1].get(PatronField::kBarcode) = "BS1";
  clash[1].line = 5;
  auto r = store->insertPatrons(clash);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code.name(), "DB");
  EXPECT_NE(r.error().message.find("adding patron S4 (line 5)"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("patrons_barcode"), std::string::npos);
  EXPECT_EQ(*store->countPatrons({}), 2);
  EXPECT_FALSE(store->findPatron("S3")->has_value());
}

}  // namespace
}  // namespace patrond
