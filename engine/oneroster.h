#pragma once
// OneRoster 1.1 CSV input (SPEC section 9): validates a bundle as the standard defines it and
// turns its users into rows the mapping and rules engine read like any CSV file. Pure; the
// bundle's files come through the BundleFiles port. docs/imports.md says what each column is.
//
// A user's row holds the users.csv columns (and any metadata.* extension columns) followed by
// columns derived from the other files:
//   grade                    the first of `grades`
//   persona                  student | teacher | staff (administrator, aide, proctor)
//   org.sourcedId, org.identifier, org.name, org.type
//                            the user's school: the first of its orgs of type school, else the
//                            first org listed
//   homeroom.sourcedId, homeroom.title, homeroom.classCode, homeroom.location
//                            the homeroom class (classType homeroom) the user is enrolled in as
//                            a student, or teaches (a teacher)
//   homeroom.teacher.sourcedId, .identifier, .email, .givenName, .familyName, .name
//                            that class's teacher (the primary one, else the first listed)
//   demographics.birthDate, demographics.sex
//                            from demographics.csv when the bundle holds it
// Users whose role is guardian, parent or relative are not patrons and give no row.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"
#include "engine/import_run.h"
#include "engine/patron_import.h"
#include "engine/ports/bundle_files.h"

namespace patrond::oneroster {

// The columns derived from the bundle, after the users.csv columns (above).
const std::vector<std::string>& derivedColumns();
// The users.csv columns of OneRoster 1.1, in the standard's order.
const std::vector<std::string>& userColumns();
// Whether a mapping may name `column` for a OneRoster job.
bool isColumn(std::string_view column);

struct Bundle {
  UpdateType type = UpdateType::kFull;  // bulk users.csv: full; delta: incremental
  // The patron rows: a header line and one row per user, each starting on the line its user
  // starts on in users.csv, so row messages name users.csv lines. Streamed from a second read
  // of users.csv.
  std::unique_ptr<ByteSource> rows;
  // A delta's users marked tobedeleted, as rows of the same columns (lines of users.csv):
  // filled while `rows` is read, complete once it is at its end (ImportRequest::removed).
  std::shared_ptr<std::vector<RemovedRow>> toBeDeleted;
  bool delta = false;  // users.csv is a delta
  // The prefixes of derived columns ("org.", "homeroom.", "demographics.") whose files the
  // bundle does not send in bulk: a delta carries a user's homeroom enrollment or org only when
  // it changed, so an empty value there means "not sent", and the fields mapped from them keep
  // their stored values (ImportRequest::keepWhenEmpty).
  std::vector<std::string> partialColumns;
  std::vector<RunMessage> notes;  // what the bundle said that the summary should show
};

struct ReadOptions {
  std::string today;             // YYYY-MM-DD: enrollments current on this day give homerooms
  std::size_t maxProblems = 10;  // listed in the error; the rest are counted
  std::uint64_t seed = 0;        // keys the id hashes (give a random one per run)
};

// Reads and validates the bundle: manifest.csv, orgs.csv, users.csv, and when present
// classes.csv, enrollments.csv, demographics.csv, courses.csv and academicSessions.csv.
// Required files and columns, required values, enumerations, dates, duplicate sourcedIds and
// references between files (checked against a file sent in bulk). A broken bundle is an error
// ("ONEROSTER") naming each problem's file, line and column; nothing is returned to import.
Result<Bundle> readBundle(BundleFiles& files, const ReadOptions& options);

}  // namespace patrond::oneroster
