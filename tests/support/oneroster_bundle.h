#pragma once
// A OneRoster 1.1 CSV bundle in memory, built from the standard's own tables of files and
// columns: a small district with two schools, two homerooms and their teachers, students, a
// parent, a scheduled class, terms, courses and demographics. Tests change one file to make
// each kind of broken or delta bundle. Engine-only: the unit tests use it too.

#include <map>
#include <memory>
#include <string>

#include "engine/ports/bundle_files.h"
#include "tests/unit/string_source.h"

namespace patrond::test {

inline const std::string kOneRosterUsersHeader =
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
    "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n";
inline const std::string kOneRosterEnrollmentsHeader =
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
    "beginDate,endDate\n";

inline std::map<std::string, std::string> oneRosterSample() {
  std::map<std::string, std::string> f;
  f["manifest.csv"] =
      "propertyName,value\n"
      "manifest.version,1.0\n"
      "oneroster.version,1.1\n"
      "file.academicSessions,bulk\n"
      "file.categories,absent\n"
      "file.classes,bulk\n"
      "file.classResources,absent\n"
      "file.courses,bulk\n"
      "file.courseResources,absent\n"
      "file.demographics,bulk\n"
      "file.enrollments,bulk\n"
      "file.lineItems,absent\n"
      "file.orgs,bulk\n"
      "file.resources,absent\n"
      "file.results,absent\n"
      "file.users,bulk\n"
      "source.systemName,Example SIS\n";
  f["orgs.csv"] =
      "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
      "org-d,,,Springfield District,district,SD,\n"
      "org-lhs,,,Lincoln High,school,LHS,org-d\n"
      "org-jms,,,Jefferson Middle,school,JMS,org-d\n";
  f["academicSessions.csv"] =
      "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n"
      "term-1,,,2026-27,schoolYear,2026-08-15,2027-06-15,,2027\n";
  f["courses.csv"] =
      "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,"
      "subjects,subjectCodes\n"
      "course-hr,,,term-1,Homeroom,HR,,org-lhs,,\n"
      "course-alg,,,term-1,Algebra,ALG,10,org-lhs,,\n";
  f["classes.csv"] =
      "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
      "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
      "class-hr104,,,Smith 104,10,course-hr,HR104,homeroom,Room 104,org-lhs,term-1,,,\n"
      "class-hr12,,,Jones 12,06,course-hr,HR12,homeroom,Room 12,org-jms,term-1,,,\n"
      "class-alg,,,Algebra 1,10,course-alg,ALG1,scheduled,Room 200,org-lhs,term-1,,,1\n";
  f["users.csv"] =
      kOneRosterUsersHeader +
      "u-t1,,,true,org-lhs,teacher,asmith,,Anna,Smith,,T100,asmith@example.org,,,,,\n"
      "u-t2,,,true,org-jms,teacher,bjones,,Bob,Jones,,T200,bjones@example.org,,,,,\n"
      "u-s1,,,true,org-lhs,student,znunez,,Zoë,Núñez,,S1001,zoe@students.example.org,,,u-p1,10,\n"
      "u-s2,,,true,\"org-d,org-lhs\",student,loneil,,Liam,\"O'Neil, Jr.\",,S1002,,,,,\"10,11\",\n"
      "u-s3,,,true,org-jms,student,apatel,,Ava,Patel,,S1003,,,,,06,\n"
      "u-p1,,,true,org-lhs,parent,pnunez,,Pia,Núñez,,,,,,,,\n";
  f["enrollments.csv"] = kOneRosterEnrollmentsHeader +
                         "e1,,,class-hr104,org-lhs,u-t1,teacher,true,,\n"
                         "e2,,,class-hr104,org-lhs,u-s1,student,false,,\n"
                         "e3,,,class-hr104,org-lhs,u-s2,student,false,,\n"
                         "e4,,,class-hr12,org-jms,u-t2,teacher,true,,\n"
                         "e5,,,class-hr12,org-jms,u-s3,student,,2026-08-15,2027-06-15\n"
                         "e6,,,class-alg,org-lhs,u-s1,student,false,,\n";
  f["demographics.csv"] =
      "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
      "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
      "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
      "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus\n"
      "u-s1,,,2010-04-02,female,false,false,false,false,true,false,true,US,IL,Springfield,\n";
  return f;
}

// The same files as a BundleFiles, read in small chunks (rows straddle reads).
class MemoryBundle final : public BundleFiles {
 public:
  explicit MemoryBundle(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  std::string describe() const override { return "bundle.zip"; }
  bool has(const std::string& name) const override { return files_.count(name) > 0; }
  Result<std::unique_ptr<ByteSource>> open(const std::string& name) override {
    auto it = files_.find(name);
    if (it == files_.end()) {
      return Error{"FILE_MISSING", "the bundle does not hold " + name, "bundle.zip"};
    }
    return std::unique_ptr<ByteSource>(std::make_unique<StringSource>(it->second, 13));
  }
  std::map<std::string, std::string>& files() { return files_; }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace patrond::test
