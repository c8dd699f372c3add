// OneRoster bundles imported through the real store on SQLite, PostgreSQL 15 and MariaDB
// (SPEC section 9): bulk, delta and tobedeleted, homerooms and their teachers from classes.
#include <gtest/gtest.h>

#include <algorithm>

#include "adapters/sql/soci_store.h"
#include "engine/oneroster.h"
#include "engine/patron_import.h"
#include "tests/support/backends.h"
#include "tests/support/oneroster_bundle.h"
#include "tests/support/servers.h"
#include "tests/support/temp_dir.h"

namespace patrond {
namespace {

using Files = std::map<std::string, std::string>;

void replace(std::string& s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

// A delta of the sample: Zoë renamed (her homeroom enrollment not sent), Liam tobedeleted,
// Noah new in Smith 104.
Files deltaBundle() {
  Files f = test::oneRosterSample();
  replace(f["manifest.csv"], "file.users,bulk", "file.users,delta");
  replace(f["manifest.csv"], "file.enrollments,bulk", "file.enrollments,delta");
  replace(f["manifest.csv"], "file.demographics,bulk", "file.demographics,absent");
  f.erase("demographics.csv");
  f["users.csv"] = test::kOneRosterUsersHeader +
                   "u-s1,active,2026-10-16T20:00:00Z,true,org-lhs,student,znunez,,Zoë,"
                   "Núñez-García,,S1001,zoe@students.example.org,,,u-p1,10,\n"
                   "u-s2,tobedeleted,2026-10-16T20:00:00Z,,,,,,,,,S1002,,,,,,\n"
                   "u-s9,active,2026-10-16T20:00:00Z,true,org-lhs,student,nlee,,Noah,Lee,,"
                   "S1009,,,,,09,\n";
  f["enrollments.csv"] = test::kOneRosterEnrollmentsHeader +
                         "e3,tobedeleted,2026-10-16T20:00:00Z,class-hr104,org-lhs,u-s2,student,,,\n"
                         "e9,active,2026-10-16T20:00:00Z,class-hr104,org-lhs,u-s9,student,,,\n"
                         "e1,active,2026-10-16T20:00:00Z,class-hr104,org-lhs,u-t1,teacher,true,,\n";
  return f;
}

class OneRosterContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    store_ = test::openTestStore(GetParam(), dir_);
    ASSERT_TRUE(store_);
    config_.sites = {{"LHS", "Lincoln", "high"}, {"JMS", "Jefferson", "middle"}};
    config_.imports.emplace_back();
    ImportJob& j = config_.imports[0];
    j.name = "roster";
    j.source.format = SourceFormat::kOneRoster;
    j.mapping.path = "oneroster.mapping.yaml";
    j.mapping.fields = {{PatronField::kDistrictId, {"identifier", 0, ""}},
                        {PatronField::kUsername, {"username", 0, ""}},
                        {PatronField::kLastName, {"familyName", 0, ""}},
                        {PatronField::kFirstName, {"givenName", 0, ""}},
                        {PatronField::kSite, {"org.identifier", 0, ""}},
                        {PatronField::kGrade, {"grade", 0, ""}},
                        {PatronField::kPersona, {"persona", 0, ""}},
                        {PatronField::kEmail, {"email", 0, ""}},
                        {PatronField::kBirthdate, {"demographics.birthDate", 0, ""}},
                        {PatronField::kHomeroom, {"homeroom.title", 0, ""}},
                        {PatronField::kHomeroomTeacherEmail, {"homeroom.teacher.email", 0, ""}},
                        {PatronField::kHomeroomTeacherName, {"homeroom.teacher.name", 0, ""}}};
    j.mapping.defaults = {{PatronField::kPatronType, "Student"}};
    Rule teacher;
    Matcher isTeacher;
    isTeacher.value = "teacher";
    teacher.when = {{PatronField::kPersona, isTeacher}};
    teacher.set = {{PatronField::kPatronType, "Teacher"}};
    j.mapping.rules = {teacher};
    LifecycleConfig l;
    l.maxPercent = 50;
    l.inactivate = Inactivate{7, true, true};
    j.lifecycle = l;
  }

  ImportOutcome import(const Files& files, const std::string& when) {
    test::MemoryBundle bundle(files);
    oneroster::ReadOptions options;
    options.today = when.substr(0, 10);
    auto read = oneroster::readBundle(bundle, options);
    ImportRequest req;
    req.config = &config_;
    req.job = &config_.imports[0];
    req.file = "bundle.zip";
    req.now = *parseCivilTime(when);
    req.batchSize = 2;
    if (!read) {
      return failedImport(*store_, req, read.error());
    }
    req.type = read->type;
    req.removed = read->toBeDeleted;
    req.notes = read->notes;
    // As the daemon does: fields mapped from the columns the bundle does not send in full.
    for (const auto& [field, source] : config_.imports[0].mapping.fields) {
      for (const auto& prefix : read->partialColumns) {
        if (source.column.rfind(prefix, 0) == 0) {
          req.keepWhenEmpty.push_back(field);
        }
      }
    }
    req.allowEmpty = read->delta;
    return runImport(*store_, *read->rows, req, nullptr);
  }

  Patron get(const std::string& key) {
    auto p = store_->findPatron(key);
    EXPECT_TRUE(p.ok() && p->has_value()) << key;
    return p.ok() && p->has_value() ? **p : Patron{};
  }

  test::TempDir dir_;
  Config config_;
  std::unique_ptr<PatronStore> store_;
};

TEST_P(OneRosterContract, BulkBundleGivesStudentsTeachersAndHomeroomsWithTheirTeachers) {
  auto o = import(test::oneRosterSample(), "2026-10-15 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.back().text;
  EXPECT_EQ(o.run.type, UpdateType::kFull);
  EXPECT_EQ(o.run.counts.read, 5);  // the parent is not a patron
  EXPECT_EQ(o.run.counts.added, 5);
  EXPECT_EQ(o.run.counts.errors, 0);
  Patron zoe = get("S1001");
  EXPECT_EQ(zoe.get(PatronField::kLastName), "Núñez");
  EXPECT_EQ(zoe.get(PatronField::kSite), "LHS");
  EXPECT_EQ(zoe.get(PatronField::kGrade), "10");
  EXPECT_EQ(zoe.get(PatronField::kPersona), "student");
  EXPECT_EQ(zoe.get(PatronField::kPatronType), "Student");
  EXPECT_EQ(zoe.get(PatronField::kBirthdate), "2010-04-02");
  EXPECT_EQ(zoe.get(PatronField::kHomeroom), "Smith 104");
  EXPECT_EQ(zoe.get(PatronField::kHomeroomTeacherEmail), "asmith@example.org");
  EXPECT_EQ(zoe.get(PatronField::kHomeroomTeacherName), "Anna Smith");
  EXPECT_EQ(get("S1003").get(PatronField::kHomeroom), "Jones 12");
  EXPECT_EQ(get("S1003").get(PatronField::kSite), "JMS");
  Patron anna = get("T100");
  EXPECT_EQ(anna.get(PatronField::kPatronType), "Teacher");
  EXPECT_EQ(anna.get(PatronField::kPersona), "teacher");
  EXPECT_EQ(get("S1002").get(PatronField::kLastName), "O'Neil, Jr.");
  // The same bundle again: nothing changes.
  auto again = import(test::oneRosterSample(), "2026-10-16 02:00");
  EXPECT_EQ(again.run.counts.unchanged, 5);
  EXPECT_EQ(again.run.counts.updated, 0);
}

TEST_P(OneRosterContract, DeltaUpdatesKeepsUnsentHomeroomsAndInactivatesTobedeleted) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  auto o = import(deltaBundle(), "2026-10-17 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.back().text;
  EXPECT_EQ(o.run.type, UpdateType::kIncremental);
  EXPECT_EQ(o.run.counts.updated, 1);
  EXPECT_EQ(o.run.counts.added, 1);
  EXPECT_EQ(o.run.counts.inactivated, 1);
  EXPECT_EQ(o.run.counts.read, 3);
  EXPECT_TRUE(o.run.lifecycleRan);
  Patron zoe = get("S1001");
  EXPECT_EQ(zoe.get(PatronField::kLastName), "Núñez-García");
  EXPECT_EQ(zoe.get(PatronField::kHomeroom), "Smith 104") << "not in the delta: kept";
  EXPECT_EQ(zoe.get(PatronField::kHomeroomTeacherName), "Anna Smith");
  Patron noah = get("S1009");
  EXPECT_EQ(noah.get(PatronField::kHomeroom), "Smith 104");
  // The teacher's enrollment is in the delta but her user row is not: her e-mail is unknown
  // to this bundle (the homeroom's teacher then comes from the other sources, docs/imports.md).
  EXPECT_EQ(noah.get(PatronField::kHomeroomTeacherEmail), "");
  Patron liam = get("S1002");
  EXPECT_EQ(liam.status, PatronStatus::kInactive);
  EXPECT_EQ(liam.inactiveSince, "2026-10-17T02:00:00");
  EXPECT_EQ(liam.get(PatronField::kUsername), "Inactive-loneil");
  EXPECT_EQ(liam.get(PatronField::kHomeroom), "") << "clear_homeroom";
  EXPECT_EQ(get("S1003").status, PatronStatus::kActive) << "not in the delta: untouched";
  EXPECT_EQ(zoe.get(PatronField::kBirthdate), "2010-04-02") << "demographics not sent: kept";
  auto inactivated = std::find_if(o.messages.begin(), o.messages.end(),
                                  [](const RunMessage& m) { return m.code == "INACTIVATED"; });
  ASSERT_NE(inactivated, o.messages.end());
  EXPECT_EQ(inactivated->key, "S1002");
  EXPECT_EQ(inactivated->line, 3);
}

TEST_P(OneRosterContract, TobedeletedStaysBehindTheLifecycleGuards) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  config_.imports[0].lifecycle->maxPercent = 10;  // 1 of 6 (Noah is added first) is 17%
  auto o = import(deltaBundle(), "2026-10-17 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(o.run.counts.inactivated, 0);
  EXPECT_FALSE(o.run.lifecycleRan);
  EXPECT_EQ(o.run.lifecycleReason,
            "would inactivate 1 and delete 0 of 6 patrons in scope, more than max_percent 10%");
  EXPECT_TRUE(lifecycleStoppedByGuard(o.run)) << "monitoring sees it";
  EXPECT_EQ(get("S1002").status, PatronStatus::kActive);
  EXPECT_EQ(get("S1001").get(PatronField::kLastName), "Núñez-García") << "the rest applies";
}

TEST_P(OneRosterContract, ADeltaOfOnlyDeletionsCompletes) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  Files f = deltaBundle();
  f["users.csv"] =
      test::kOneRosterUsersHeader + "u-s2,tobedeleted,2026-10-16T20:00:00Z,,,,,,,,,S1002,,,,,,\n";
  f["enrollments.csv"] = test::kOneRosterEnrollmentsHeader;
  auto o = import(f, "2026-10-17 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.back().text;
  EXPECT_EQ(o.run.counts.inactivated, 1);
  EXPECT_EQ(get("S1002").status, PatronStatus::kInactive);
}

TEST_P(OneRosterContract, ABrokenBundleFailsTheRunAndChangesNothing) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  Files f = deltaBundle();
  replace(f["users.csv"], ",student,nlee,", ",pupil,nlee,");
  auto o = import(f, "2026-10-17 02:00");
  EXPECT_EQ(o.run.status, RunStatus::kFailed);
  ASSERT_FALSE(o.messages.empty());
  EXPECT_NE(o.messages.back().text.find("users.csv line 4, column role: 'pupil'"),
            std::string::npos)
      << o.messages.back().text;
  EXPECT_EQ(get("S1001").get(PatronField::kLastName), "Núñez");
  EXPECT_EQ(get("S1002").status, PatronStatus::kActive);
  auto s9 = store_->findPatron("S1009");
  ASSERT_TRUE(s9.ok());
  EXPECT_FALSE(s9->has_value());
}

// Each kind of broken bundle (SPEC section 9: required files and columns, required values,
// enumerations, dates, references, duplicates, row shape) fails the run and changes nothing.
TEST_P(OneRosterContract, EveryKindOfBrokenBundleChangesNothing) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  struct Break {
    std::string file, from, to, says;
  };
  const std::vector<Break> breaks{
      {"manifest.csv", "oneroster.version,1.1", "oneroster.version,1.0", "manifest.csv line 3"},
      {"orgs.csv", ",identifier,", ",ident,", "orgs.csv line 1: the header lacks"},
      {"users.csv", "Bob,Jones", "Bob,", "users.csv line 3, column familyName"},
      {"users.csv", "org-jms,student", "org-jms,pupil", "users.csv line 6, column role"},
      {"enrollments.csv", "2026-08-15,", "15/08/2026,", "enrollments.csv line 6, column beginDate"},
      {"enrollments.csv", "org-lhs,u-s2", "org-lhs,u-s7",
       "enrollments.csv line 4, column userSourcedId"},
      {"classes.csv", "class-hr12,", "class-hr104,", "classes.csv line 3, column sourcedId"},
      {"users.csv", "Ava,Patel,,", "Ava,Patel,", "users.csv line 6: expected 18 columns"},
  };
  for (const Break& b : breaks) {
    Files f = test::oneRosterSample();
    replace(f[b.file], b.from, b.to);
    replace(f["users.csv"], "Zoë,Núñez", "Zoë,Changed");
    auto o = import(f, "2026-10-16 02:00");
    EXPECT_EQ(o.run.status, RunStatus::kFailed) << b.says;
    ASSERT_FALSE(o.messages.empty());
    EXPECT_NE(o.messages.back().text.find(b.says), std::string::npos) << o.messages.back().text;
    EXPECT_EQ(get("S1001").get(PatronField::kLastName), "Núñez") << b.says;
    EXPECT_EQ(get("S1001").lastSeenAt, "2026-10-15T02:00:00") << b.says;
  }
}

// What a delta does not send is not cleared: its orgs.csv with only changed orgs, its
// enrollment in a class it does not resend, classes absent altogether.
TEST_P(OneRosterContract, ADeltaKeepsWhatItDoesNotSend) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  Files f = deltaBundle();
  replace(f["manifest.csv"], "file.orgs,bulk", "file.orgs,delta");
  replace(f["manifest.csv"], "file.classes,bulk", "file.classes,absent");
  replace(f["manifest.csv"], "file.courses,bulk", "file.courses,absent");
  replace(f["manifest.csv"], "file.academicSessions,bulk", "file.academicSessions,absent");
  f.erase("classes.csv");
  f.erase("courses.csv");
  f.erase("academicSessions.csv");
  f["orgs.csv"] = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n";
  // Ava moves from Jones 12 to Smith 104: neither class is in this delta.
  f["enrollments.csv"] = test::kOneRosterEnrollmentsHeader +
                         "e5,tobedeleted,2026-10-16T20:00:00Z,class-hr12,org-jms,u-s3,student,,,\n"
                         "e8,active,2026-10-16T20:00:00Z,class-hr104,org-lhs,u-s3,student,,,\n";
  f["users.csv"] = test::kOneRosterUsersHeader +
                   "u-s1,active,2026-10-16T20:00:00Z,true,org-lhs,student,znunez,,Zoë,"
                   "Núñez-García,,S1001,zoe@students.example.org,,,u-p1,10,\n";
  auto o = import(f, "2026-10-17 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.back().text;
  EXPECT_EQ(o.run.counts.updated, 1);
  EXPECT_EQ(o.run.counts.errors, 0);
  Patron zoe = get("S1001");
  EXPECT_EQ(zoe.get(PatronField::kLastName), "Núñez-García");
  EXPECT_EQ(zoe.get(PatronField::kSite), "LHS") << "her org is not in this delta: kept";
  EXPECT_EQ(zoe.get(PatronField::kHomeroom), "Smith 104");
  EXPECT_EQ(zoe.get(PatronField::kBirthdate), "2010-04-02");
  auto unknown = std::find_if(o.messages.begin(), o.messages.end(), [](const RunMessage& m) {
    return m.code == "ONEROSTER_UNKNOWN_CLASS";
  });
  ASSERT_NE(unknown, o.messages.end()) << "the class change that could not be applied is said";
  EXPECT_EQ(get("S1003").get(PatronField::kHomeroom), "Jones 12");
}

// Users in bulk with enrollments in a delta: the homerooms the bundle does not send stay.
TEST_P(OneRosterContract, BulkUsersWithDeltaEnrollmentsKeepTheirHomerooms) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  Files f = test::oneRosterSample();
  replace(f["manifest.csv"], "file.enrollments,bulk", "file.enrollments,delta");
  f["enrollments.csv"] = test::kOneRosterEnrollmentsHeader;
  auto o = import(f, "2026-10-16 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.back().text;
  EXPECT_EQ(o.run.type, UpdateType::kFull);
  EXPECT_EQ(get("S1001").get(PatronField::kHomeroom), "Smith 104");
  EXPECT_EQ(get("S1001").get(PatronField::kHomeroomTeacherName), "Anna Smith");
  EXPECT_EQ(get("S1003").get(PatronField::kHomeroom), "Jones 12");
}

// A tobedeleted user whose key an active user of the same delta also has (the SIS gave the
// same person a new sourcedId) is kept; one whose key cannot be read is said, not ignored.
TEST_P(OneRosterContract, TobedeletedIsNotAppliedToAPatronTheDeltaStillSends) {
  ASSERT_EQ(import(test::oneRosterSample(), "2026-10-15 02:00").run.counts.added, 5);
  Files f = deltaBundle();
  f["users.csv"] = test::kOneRosterUsersHeader +
                   "u-s1,tobedeleted,2026-10-16T20:00:00Z,,,,,,,,,S1001,,,,,,\n"
                   "u-s1b,active,2026-10-16T20:00:00Z,true,org-lhs,student,znunez,,Zoë,"
                   "Núñez,,S1001,zoe@students.example.org,,,,10,\n"
                   "u-s2,tobedeleted,2026-10-16T20:00:00Z,,,,,,,,,,,,,,,\n";
  f["enrollments.csv"] = test::kOneRosterEnrollmentsHeader;
  auto o = import(f, "2026-10-17 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted) << o.messages.back().text;
  EXPECT_EQ(o.run.counts.inactivated, 0);
  EXPECT_EQ(get("S1001").status, PatronStatus::kActive);
  EXPECT_EQ(get("S1002").status, PatronStatus::kActive);
  std::vector<std::string> codes;
  for (const auto& m : o.messages) {
    codes.push_back(m.code);
  }
  EXPECT_NE(std::find(codes.begin(), codes.end(), "REMOVED_STILL_SENT"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "REMOVED_NO_KEY"), codes.end());
}

TEST_P(OneRosterContract, ARowTheMappingRefusesNamesItsUsersCsvLine) {
  config_.sites = {{"LHS", "Lincoln", "high"}};  // Jefferson Middle is not configured
  auto o = import(test::oneRosterSample(), "2026-10-15 02:00");
  ASSERT_EQ(o.run.status, RunStatus::kCompleted);
  EXPECT_EQ(o.run.counts.added, 3);
  EXPECT_EQ(o.run.counts.skipped, 2);
  std::vector<std::int64_t> lines;
  for (const auto& m : o.messages) {
    if (m.severity == Severity::kError) {
      lines.push_back(m.line);
    }
  }
  EXPECT_EQ(lines, (std::vector<std::int64_t>{3, 6}));  // Bob Jones and Ava Patel
}

INSTANTIATE_TEST_SUITE_P(AllBackends, OneRosterContract,
                         ::testing::ValuesIn(test::contractBackends()),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace patrond
