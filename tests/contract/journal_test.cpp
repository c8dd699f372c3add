// The journal's fields for a record (issue 14): what `journalctl PATROND_JOB=...` filters on.
#include "adapters/log/journal.h"

#include <gtest/gtest.h>

namespace patrond {
namespace {

using Fields = std::vector<std::string>;

TEST(JournalFields, ARecordOfAJobRunCarriesLevelJobAndRunId) {
  LogContext context{"students", 42};
  EXPECT_EQ(logging::journalFields(LogLevel::kWarning, "import students: skipped row 3", context,
                                   "patrond"),
            (Fields{"MESSAGE=import students: skipped row 3", "PRIORITY=4",
                    "SYSLOG_IDENTIFIER=patrond", "PATROND_JOB=students", "PATROND_RUN_ID=42"}));
}

TEST(JournalFields, OutsideAJobThereIsNoJobOrRunField) {
  EXPECT_EQ(logging::journalFields(LogLevel::kInfo, "running", LogContext{}, "patrond"),
            (Fields{"MESSAGE=running", "PRIORITY=6", "SYSLOG_IDENTIFIER=patrond"}));
  // A job whose run has no id yet (the source could not be opened) names only the job.
  EXPECT_EQ(logging::journalFields(LogLevel::kError, "x", LogContext{"staff", 0}, "p"),
            (Fields{"MESSAGE=x", "PRIORITY=3", "SYSLOG_IDENTIFIER=p", "PATROND_JOB=staff"}));
}

TEST(JournalFields, LevelsMapToSyslogPriorities) {
  EXPECT_EQ(logging::syslogPriority(LogLevel::kError), 3);
  EXPECT_EQ(logging::syslogPriority(LogLevel::kWarning), 4);
  EXPECT_EQ(logging::syslogPriority(LogLevel::kInfo), 6);
  EXPECT_EQ(logging::syslogPriority(LogLevel::kDebug), 7);
  EXPECT_EQ(logging::syslogPriority(LogLevel::kTrace), 7);
}

TEST(LogContextScope, AScopeSetsTheThreadsContextAndRestoresTheOneBefore) {
  EXPECT_EQ(currentLogContext().job, "");
  {
    LogScope outer("students");
    setLogRunId(7);
    {
      LogScope inner("late");
      EXPECT_EQ(currentLogContext().job, "late");
      EXPECT_EQ(currentLogContext().runId, 0);
    }
    EXPECT_EQ(currentLogContext().job, "students");
    EXPECT_EQ(currentLogContext().runId, 7);
  }
  EXPECT_EQ(currentLogContext().job, "");
  EXPECT_EQ(currentLogContext().runId, 0);
}

}  // namespace
}  // namespace patrond
