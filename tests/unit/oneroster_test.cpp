// OneRoster 1.1 bundles (SPEC section 9): validation as the standard defines it, and users
// turned into rows for the mapping.
#include "engine/oneroster.h"

#include <gtest/gtest.h>

#include <map>

#include "engine/csv_reader.h"
#include "tests/support/oneroster_bundle.h"

namespace patrond {
namespace {

using Files = std::map<std::string, std::string>;
using Row = std::map<std::string, std::string>;

struct Read {
  oneroster::Bundle bundle;
  std::vector<std::string> header;
  std::map<std::string, Row> bySourcedId;
  std::map<std::string, std::int64_t> lineOf;
};

Result<oneroster::Bundle> readFiles(const Files& files, const std::string& today = "2026-10-15") {
  static std::unique_ptr<test::MemoryBundle> keep;  // the rows read the bundle as they go
  keep = std::make_unique<test::MemoryBundle>(files);
  oneroster::ReadOptions o;
  o.today = today;
  return oneroster::readBundle(*keep, o);
}

Read readAll(const Files& files, const std::string& today = "2026-10-15") {
  auto b = readFiles(files, today);
  EXPECT_TRUE(b) << (b ? "" : b.error().describe());
  Read out;
  if (!b) {
    return out;
  }
  out.bundle = std::move(*b);
  CsvReader reader(*out.bundle.rows, ',');
  CsvRow row;
  bool first = true;
  while (true) {
    auto got = reader.next(row);
    EXPECT_TRUE(got);
    if (!got || !*got) {
      break;
    }
    if (first) {
      for (auto f : row.fields) {
        out.header.emplace_back(f);
      }
      first = false;
      continue;
    }
    EXPECT_EQ(row.fields.size(), out.header.size()) << "line " << row.line;
    Row r;
    for (std::size_t i = 0; i < row.fields.size() && i < out.header.size(); ++i) {
      r[out.header[i]] = std::string(row.fields[i]);
    }
    out.lineOf[r["sourcedId"]] = row.line;
    out.bySourcedId[r["sourcedId"]] = r;
  }
  return out;
}

std::string problemsOf(const Files& files) {
  auto b = readFiles(files);
  EXPECT_FALSE(b) << "the bundle was taken";
  if (b) {
    return "";
  }
  EXPECT_EQ(b.error().code.name(), "ONEROSTER");
  return b.error().describe();
}

void replace(std::string& s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

TEST(OneRoster, BulkUsersBecomeRowsWithSchoolHomeroomAndTeacher) {
  Read r = readAll(test::oneRosterSample());
  EXPECT_EQ(r.bundle.type, UpdateType::kFull);
  EXPECT_FALSE(r.bundle.delta);
  ASSERT_EQ(r.bySourcedId.size(), 5u) << "the parent is not a patron";
  EXPECT_EQ(r.bySourcedId.count("u-p1"), 0u);
  const Row& zoe = r.bySourcedId["u-s1"];
  EXPECT_EQ(zoe.at("familyName"), "Núñez");
  EXPECT_EQ(zoe.at("identifier"), "S1001");
  EXPECT_EQ(zoe.at("persona"), "student");
  EXPECT_EQ(zoe.at("grade"), "10");
  EXPECT_EQ(zoe.at("org.identifier"), "LHS");
  EXPECT_EQ(zoe.at("org.name"), "Lincoln High");
  EXPECT_EQ(zoe.at("homeroom.title"), "Smith 104")
      << "the scheduled Algebra class is not a homeroom";
  EXPECT_EQ(zoe.at("homeroom.classCode"), "HR104");
  EXPECT_EQ(zoe.at("homeroom.location"), "Room 104");
  EXPECT_EQ(zoe.at("homeroom.teacher.email"), "asmith@example.org");
  EXPECT_EQ(zoe.at("homeroom.teacher.name"), "Anna Smith");
  EXPECT_EQ(zoe.at("homeroom.teacher.identifier"), "T100");
  EXPECT_EQ(zoe.at("demographics.birthDate"), "2010-04-02");
  EXPECT_EQ(zoe.at("demographics.sex"), "female");
  // Several orgs: the school wins over the district; several grades: the first.
  const Row& liam = r.bySourcedId["u-s2"];
  EXPECT_EQ(liam.at("org.identifier"), "LHS");
  EXPECT_EQ(liam.at("grade"), "10");
  EXPECT_EQ(liam.at("grades"), "10,11");
  EXPECT_EQ(liam.at("familyName"), "O'Neil, Jr.");
  EXPECT_EQ(liam.at("demographics.birthDate"), "");
  // An enrollment with dates that hold today.
  EXPECT_EQ(r.bySourcedId["u-s3"].at("homeroom.title"), "Jones 12");
  EXPECT_EQ(r.bySourcedId["u-s3"].at("homeroom.teacher.name"), "Bob Jones");
  // A teacher's row names the homeroom they teach.
  const Row& anna = r.bySourcedId["u-t1"];
  EXPECT_EQ(anna.at("persona"), "teacher");
  EXPECT_EQ(anna.at("homeroom.title"), "Smith 104");
  EXPECT_EQ(anna.at("org.identifier"), "LHS");
}

TEST(OneRoster, RowsStartOnTheirUsersCsvLines) {
  Files f = test::oneRosterSample();
  // A middle name with a line break in it moves every later user down one line.
  replace(f["users.csv"], "u-s1,,,true,org-lhs,student,znunez,,Zoë,Núñez,,",
          "u-s1,,,true,org-lhs,student,znunez,,Zoë,Núñez,\"Ana\nMaría\",");
  Read r = readAll(f);
  EXPECT_EQ(r.lineOf["u-t1"], 2);
  EXPECT_EQ(r.lineOf["u-s1"], 4);
  EXPECT_EQ(r.bySourcedId["u-s1"].at("middleName"), "Ana\nMaría");
  EXPECT_EQ(r.lineOf["u-s2"], 6);
  EXPECT_EQ(r.lineOf["u-s3"], 7);
}

TEST(OneRoster, OnlyCurrentHomeroomEnrollmentsCountAndThePrimaryTeacherWins) {
  Files f = test::oneRosterSample();
  // Ava's homeroom enrollment has ended; a second, non-primary teacher listed first in 104.
  replace(f["enrollments.csv"], "2026-08-15,2027-06-15", "2025-08-15,2026-06-15");
  replace(f["enrollments.csv"], "e1,,,", "e0,,,class-hr104,org-lhs,u-t2,teacher,false,,\ne1,,,");
  Read r = readAll(f);
  EXPECT_EQ(r.bySourcedId["u-s3"].at("homeroom.title"), "");
  EXPECT_EQ(r.bySourcedId["u-s1"].at("homeroom.teacher.name"), "Anna Smith");
  // A homeroom that starts later in the year gives nothing yet.
  Read early = readAll(test::oneRosterSample(), "2026-08-01");
  EXPECT_EQ(early.bySourcedId["u-s3"].at("homeroom.title"), "");
  EXPECT_EQ(early.bySourcedId["u-s1"].at("homeroom.title"), "Smith 104");
}

TEST(OneRoster, MetadataColumnsAreCarried) {
  Files f = test::oneRosterSample();
  const std::string& h = test::kOneRosterUsersHeader;
  std::string rows = f["users.csv"].substr(h.size()),
              u = h.substr(0, h.size() - 1) + ",metadata.lunchCode\n";
  int n = 0;
  for (std::size_t pos = 0, nl; (nl = rows.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    u += rows.substr(pos, nl - pos) + ",L" + std::to_string(++n) + "\n";
  }
  f["users.csv"] = u;
  Read r = readAll(f);
  EXPECT_EQ(r.bySourcedId["u-t1"].at("metadata.lunchCode"), "L1");
  EXPECT_TRUE(oneroster::isColumn("metadata.lunchCode"));
  EXPECT_TRUE(oneroster::isColumn("homeroom.teacher.email"));
  EXPECT_FALSE(oneroster::isColumn("homeroom.teacher"));
}

TEST(OneRoster, DeltaIsIncrementalAndCollectsTobedeleted) {
  Files f = test::oneRosterSample();
  replace(f["manifest.csv"], "file.users,bulk", "file.users,delta");
  replace(f["manifest.csv"], "file.enrollments,bulk", "file.enrollments,delta");
  f["users.csv"] = test::kOneRosterUsersHeader +
                   "u-s1,active,2026-10-14T20:00:00.000Z,true,org-lhs,student,znunez,,Zoë,"
                   "Núñez-García,,S1001,,,,,10,\n"
                   "u-s2,tobedeleted,2026-10-14T20:00:00Z,,,,,,,,,S1002,,,,,,\n"
                   "u-s9,active,2026-10-14T20:00:00+02:00,true,org-lhs,student,new,,Noah,Lee,,"
                   "S1009,,,,,09,\n";
  f["enrollments.csv"] = test::kOneRosterEnrollmentsHeader +
                         "e9,active,2026-10-14T20:00:00Z,class-hr104,org-lhs,u-s9,student,,,\n"
                         "e3,tobedeleted,2026-10-14T20:00:00Z,class-hr104,org-lhs,u-s2,student,,,\n"
                         "e7,active,2026-10-14T20:00:00Z,class-hr12,org-jms,u-s3,student,,,\n";
  f.erase("demographics.csv");
  replace(f["manifest.csv"], "file.demographics,bulk", "file.demographics,absent");
  Read r = readAll(f);
  EXPECT_EQ(r.bundle.type, UpdateType::kIncremental);
  EXPECT_TRUE(r.bundle.delta);
  ASSERT_EQ(r.bySourcedId.size(), 2u);
  EXPECT_EQ(r.bySourcedId["u-s9"].at("homeroom.title"), "Smith 104");
  EXPECT_EQ(r.bySourcedId["u-s9"].at("homeroom.teacher.name"), "")
      << "the teacher's enrollment is not in this delta";
  EXPECT_EQ(r.bySourcedId["u-s1"].at("homeroom.title"), "") << "not sent: kept by the import";
  ASSERT_EQ(r.bundle.toBeDeleted->size(), 1u);
  const RemovedRow& gone = r.bundle.toBeDeleted->front();
  EXPECT_EQ(gone.line, 3);
  EXPECT_EQ(gone.fields.size(), r.header.size());
  EXPECT_EQ(gone.fields[0], "u-s2");
  EXPECT_EQ(gone.fields[11], "S1002");
  // u-s3's enrollment came without u-s3: said once, as a warning.
  ASSERT_EQ(r.bundle.notes.size(), 1u);
  EXPECT_EQ(r.bundle.notes[0].code, "ONEROSTER_ENROLLMENT_ONLY");
  // Enrollments and demographics are not sent in bulk: their columns' empty values mean "not
  // sent"; orgs and classes are.
  EXPECT_EQ(r.bundle.partialColumns, (std::vector<std::string>{"homeroom.", "demographics."}));
  EXPECT_TRUE(readAll(test::oneRosterSample()).bundle.partialColumns.empty());
}

// ---- every kind of broken bundle names its file, line and column ----

TEST(OneRosterErrors, MissingManifestOrWrongVersion) {
  Files f = test::oneRosterSample();
  f.erase("manifest.csv");
  EXPECT_NE(problemsOf(f).find("the bundle has no manifest.csv"), std::string::npos);
  f = test::oneRosterSample();
  replace(f["manifest.csv"], "oneroster.version,1.1", "oneroster.version,1.2");
  EXPECT_NE(problemsOf(f).find("manifest.csv line 3, column value: oneroster.version is '1.2'"),
            std::string::npos)
      << problemsOf(f);
}

TEST(OneRosterErrors, ManifestAndFilesDisagree) {
  Files f = test::oneRosterSample();
  f.erase("classes.csv");
  EXPECT_NE(problemsOf(f).find("manifest.csv line 6, column value: the manifest lists classes.csv "
                               "(bulk) but the bundle does not hold it"),
            std::string::npos)
      << problemsOf(f);
  f = test::oneRosterSample();
  replace(f["manifest.csv"], "file.courses,bulk", "file.courses,absent");
  EXPECT_NE(problemsOf(f).find("the manifest says courses.csv is absent, but the bundle holds it"),
            std::string::npos);
  f = test::oneRosterSample();
  replace(f["manifest.csv"], "file.users,bulk", "file.users,sometimes");
  EXPECT_NE(problemsOf(f).find("'sometimes' is not one of bulk, delta, absent"), std::string::npos);
}

TEST(OneRosterErrors, RequiredColumnsAndValues) {
  Files f = test::oneRosterSample();
  replace(f["users.csv"], ",grades,password", ",password");
  EXPECT_NE(problemsOf(f).find("users.csv line 1: the header lacks the column grades"),
            std::string::npos)
      << problemsOf(f);
  f = test::oneRosterSample();
  replace(f["users.csv"], "Bob,Jones", "Bob,");
  EXPECT_NE(problemsOf(f).find("users.csv line 3, column familyName: a value is required"),
            std::string::npos)
      << problemsOf(f);
}

TEST(OneRosterErrors, Enumerations) {
  Files f = test::oneRosterSample();
  replace(f["users.csv"], "org-jms,student,apatel", "org-jms,stduent,apatel");
  std::string p = problemsOf(f);
  EXPECT_NE(p.find("users.csv line 6, column role: 'stduent' is not one of a OneRoster role"),
            std::string::npos)
      << p;
  f = test::oneRosterSample();
  replace(f["classes.csv"], "HR12,homeroom", "HR12,advisory");
  EXPECT_NE(problemsOf(f).find("classes.csv line 3, column classType: 'advisory'"),
            std::string::npos);
  f = test::oneRosterSample();
  replace(f["users.csv"], ",,06,", ",,K,");
  EXPECT_NE(problemsOf(f).find("users.csv line 6, column grades: 'K' is not a CEDS grade"),
            std::string::npos);
  f = test::oneRosterSample();
  replace(f["orgs.csv"], "Lincoln High,school", "Lincoln High,college");
  EXPECT_NE(problemsOf(f).find("orgs.csv line 3, column type: 'college'"), std::string::npos);
  f = test::oneRosterSample();
  replace(f["users.csv"], "u-t1,,,true", "u-t1,,,yes");
  EXPECT_NE(problemsOf(f).find("users.csv line 2, column enabledUser: 'yes' is not true or false"),
            std::string::npos);
}

TEST(OneRosterErrors, Dates) {
  Files f = test::oneRosterSample();
  replace(f["enrollments.csv"], "2026-08-15,2027-06-15", "2026-13-01,2027-06-15");
  EXPECT_NE(
      problemsOf(f).find(
          "enrollments.csv line 6, column beginDate: '2026-13-01' is not a date (YYYY-MM-DD)"),
      std::string::npos)
      << problemsOf(f);
  f = test::oneRosterSample();
  replace(f["enrollments.csv"], "2026-08-15,2027-06-15", "2027-08-15,2027-06-15");
  EXPECT_NE(problemsOf(f).find("enrollments.csv line 6, column endDate: the enrollment ends"),
            std::string::npos);
  f = test::oneRosterSample();
  replace(f["users.csv"], "u-t1,,,true", "u-t1,,yesterday,true");
  EXPECT_NE(problemsOf(f).find("users.csv line 2, column dateLastModified: 'yesterday' is not a "
                               "date and time"),
            std::string::npos);
}

TEST(OneRosterErrors, References) {
  Files f = test::oneRosterSample();
  replace(f["enrollments.csv"], "e3,,,class-hr104,org-lhs,u-s2",
          "e3,,,class-hr104,org-lhs,u-nobody");
  EXPECT_NE(problemsOf(f).find("enrollments.csv line 4, column userSourcedId: no user in users.csv "
                               "has this sourcedId"),
            std::string::npos)
      << problemsOf(f);
  f = test::oneRosterSample();
  replace(f["users.csv"], "u-s3,,,true,org-jms", "u-s3,,,true,org-x");
  EXPECT_NE(problemsOf(f).find("users.csv line 6, column orgSourcedIds: 'org-x': no org"),
            std::string::npos);
  f = test::oneRosterSample();
  replace(f["enrollments.csv"], "e6,,,class-alg", "e6,,,class-gone");
  EXPECT_NE(problemsOf(f).find("enrollments.csv line 7, column classSourcedId: no class"),
            std::string::npos);
  f = test::oneRosterSample();
  replace(f["classes.csv"], "course-alg,ALG1", "course-zzz,ALG1");
  EXPECT_NE(problemsOf(f).find("classes.csv line 4, column courseSourcedId: no course"),
            std::string::npos);
  f = test::oneRosterSample();
  replace(f["users.csv"], ",u-p1,10,", ",u-p9,10,");
  EXPECT_NE(problemsOf(f).find("users.csv line 4, column agentSourcedIds: no user"),
            std::string::npos);
  f = test::oneRosterSample();
  f.erase("classes.csv");
  replace(f["manifest.csv"], "file.classes,bulk", "file.classes,absent");
  EXPECT_NE(problemsOf(f).find("enrollments.csv is sent in bulk but classes.csv is absent"),
            std::string::npos);
}

TEST(OneRosterErrors, DuplicatesShapeAndEncoding) {
  Files f = test::oneRosterSample();
  replace(f["users.csv"], "u-s3,,,", "u-s2,,,");
  std::string p = problemsOf(f);
  EXPECT_NE(p.find("users.csv line 6, column sourcedId: the sourcedId is already on line 5"),
            std::string::npos)
      << p;
  f = test::oneRosterSample();
  replace(f["users.csv"], "Bob,Jones,,T200", "Bob,Jones,T200");
  EXPECT_NE(problemsOf(f).find("users.csv line 3:"), std::string::npos) << problemsOf(f);
  f = test::oneRosterSample();
  replace(f["users.csv"], "Ava,Patel", "Ava,Pat\xff");
  EXPECT_NE(problemsOf(f).find("users.csv line 6: the row is not valid UTF-8"), std::string::npos)
      << problemsOf(f);
}

TEST(OneRosterErrors, DeltaStatusRules) {
  Files f = test::oneRosterSample();
  replace(f["users.csv"], "u-t1,,,true", "u-t1,tobedeleted,,true");
  EXPECT_NE(problemsOf(f).find("users.csv line 2, column status: 'tobedeleted' belongs in a delta"),
            std::string::npos);
  replace(f["manifest.csv"], "file.users,bulk", "file.users,delta");
  std::string p = problemsOf(f);
  EXPECT_NE(p.find("users.csv line 2, column dateLastModified: a value is required"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("users.csv line 3, column status: a value is required"), std::string::npos);
}

TEST(OneRosterErrors, ManifestNamesAreFileNamesAndOffsetsAreReal) {
  Files f = test::oneRosterSample();
  f["manifest.csv"] += "file.../../etc/passwd,bulk\n";
  EXPECT_NE(problemsOf(f).find("'file.../../etc/passwd' does not name a OneRoster file"),
            std::string::npos)
      << problemsOf(f);
  f = test::oneRosterSample();
  replace(f["manifest.csv"], "file.users,bulk", "file.users,delta");
  f["users.csv"] = test::kOneRosterUsersHeader +
                   "u-s1,active,2026-10-14T20:00:00+99:99,true,org-lhs,student,znunez,,Zoë,"
                   "Núñez,,S1001,,,,,10,\n";
  EXPECT_NE(problemsOf(f).find("column dateLastModified"), std::string::npos);
}

TEST(OneRosterErrors, AFieldOfTooManyValuesIsAProblemNotMemory) {
  Files f = test::oneRosterSample();
  std::string agents;
  for (int i = 0; i < 500; ++i) {
    agents += (i ? "," : "") + std::string("u-p1");
  }
  replace(f["users.csv"], ",u-p1,10,", ",\"" + agents + "\",10,");
  EXPECT_NE(problemsOf(f).find("users.csv line 4, column agentSourcedIds: 500 values; at most "
                               "100"),
            std::string::npos)
      << problemsOf(f);
}

TEST(OneRosterErrors, ManyProblemsAreCountedAndTheFirstListed) {
  Files f = test::oneRosterSample();
  std::string& u = f["users.csv"];
  for (int i = 0; i < 30; ++i) {
    u += "x" + std::to_string(i) + ",,,true,org-lhs,pupil,x,,X,Y,,,,,,,,\n";
  }
  std::string p = problemsOf(f);
  EXPECT_NE(p.find("(30 problems; the first 10 listed)"), std::string::npos) << p;
}

}  // namespace
}  // namespace patrond
