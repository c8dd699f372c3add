#include "adapters/sql/schema.h"

#include <array>
#include <map>

namespace patrond::sql {

std::string render(const std::string& ddl, DbBackend b) {
  // {ID} auto-increment key, {S} short indexed text, {T} long text, {TS} timestamp text,
  // {OPTS} table options (MySQL: InnoDB, utf8mb4 with binary collation = exact matching).
  static const std::map<std::string, std::array<const char*, 3>> kTokens{
      {"{ID}",
       {"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY",
        "BIGINT AUTO_INCREMENT PRIMARY KEY"}},
      {"{S}", {"TEXT", "TEXT", "VARCHAR(255)"}},
      {"{T}", {"TEXT", "TEXT", "MEDIUMTEXT"}},
      {"{TS}", {"TEXT", "TEXT", "VARCHAR(32)"}},
      {"{OPTS}", {"", "", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"}},
  };
  size_t idx = b == DbBackend::kSqlite3 ? 0 : b == DbBackend::kPostgresql ? 1 : 2;
  std::string out;
  out.reserve(ddl.size() + 64);
  for (size_t i = 0; i < ddl.size();) {
    bool replaced = false;
    if (ddl[i] == '{') {
      for (const auto& [tok, subs] : kTokens) {
        if (ddl.compare(i, tok.size(), tok) == 0) {
          out += subs[idx];
          i += tok.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) {
      out += ddl[i++];
    }
  }
  return out;
}

namespace {

// Version 1: the tables as first shipped.
std::vector<std::string> version1() {
  return {
      "CREATE TABLE sites (code {S} NOT NULL PRIMARY KEY, name {S}, site_type {S}){OPTS}",
      "CREATE TABLE patrons (id {ID}, district_id {S}, barcode {S}, username {S}, "
      "password_hash {S}, first_name {S}, middle_name {S}, last_name {S}, site {S}, "
      "patron_type {S}, access_level {S}, persona {S}, grade {S}, grad_year {S}, homeroom {S}, "
      "homeroom_teacher_email {S}, homeroom_teacher_name {S}, birthdate {S}, gender {S}, "
      "email {S}, email2 {S}, phone {S}, nickname {S}, card_expires {S}, user_1 {S}, "
      "user_2 {S}, user_3 {S}, user_4 {S}, user_5 {S}, status {S} NOT NULL, owner_job {S}, "
      "last_seen_at {TS}, inactive_since {TS}, content_hash {S}, created_at {TS}, "
      "updated_at {TS}, seen_in_last_full INTEGER NOT NULL DEFAULT 0){OPTS}",
      "CREATE UNIQUE INDEX patrons_district_id ON patrons (district_id)",
      "CREATE UNIQUE INDEX patrons_barcode ON patrons (barcode)",
      // No index on owner_job, username or homeroom: imports load every key into memory once,
      // the lifecycle scans a job's candidates, notices reach patrons through loans by id;
      // each extra index costs ~10% of a bulk import (docs/performance.md).
      // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one statement per element, in pieces
      "CREATE TABLE homerooms (id {ID}, site {S} NOT NULL, name {S} NOT NULL, "
      "teacher_email {S}, teacher_name {S}, library_day {S}, notices INTEGER NOT NULL, "
      "updated_at {TS}){OPTS}",
      "CREATE UNIQUE INDEX homerooms_site_name ON homerooms (site, name)",
      "CREATE TABLE titles (id {ID}, title {S} NOT NULL, isbn {S}, "
      "replacement_price_cents BIGINT){OPTS}",
      "CREATE INDEX titles_isbn ON titles (isbn)",
      "CREATE TABLE copies (id {ID}, barcode {S} NOT NULL, title_id BIGINT NOT NULL, "
      "site {S}, purchase_price_cents BIGINT NOT NULL, copy_condition {S} NOT NULL, "
      "value_cents BIGINT NOT NULL, textbook INTEGER NOT NULL, status {S} NOT NULL, "
      "circulations INTEGER NOT NULL, condition_circulations INTEGER NOT NULL, "
      "updated_at {TS}){OPTS}",
      "CREATE UNIQUE INDEX copies_barcode ON copies (barcode)",
      "CREATE TABLE loans (id {ID}, copy_id BIGINT NOT NULL, patron_id BIGINT NOT NULL, "
      "checked_out_at {TS} NOT NULL, due_date {TS} NOT NULL, returned_at {TS}, "
      "status {S} NOT NULL, overridden INTEGER NOT NULL, override_blocks {T}, lost_at {TS}){OPTS}",
      "CREATE INDEX loans_patron ON loans (patron_id, status)",
      "CREATE INDEX loans_due ON loans (status, due_date)",
      "CREATE INDEX loans_copy ON loans (copy_id, status)",
      "CREATE TABLE fines (id {ID}, patron_id BIGINT NOT NULL, loan_id BIGINT, "
      "amount_cents BIGINT NOT NULL, paid_cents BIGINT NOT NULL, reason {S}, "
      "created_at {TS} NOT NULL){OPTS}",
      "CREATE INDEX fines_patron ON fines (patron_id)",
      "CREATE TABLE payments (id {ID}, patron_id BIGINT NOT NULL, amount_cents BIGINT NOT NULL, "
      "paid_at {TS} NOT NULL){OPTS}",
      "CREATE TABLE import_runs (id {ID}, job {S} NOT NULL, run_type {S} NOT NULL, "
      "status {S} NOT NULL, started_at {TS} NOT NULL, finished_at {TS}, file {T}, "
      "dry_run INTEGER NOT NULL, trigger_kind {S}, n_read BIGINT, n_added BIGINT, "
      "n_updated BIGINT, n_unchanged BIGINT, n_reactivated BIGINT, n_skipped BIGINT, "
      "n_errors BIGINT, n_warnings BIGINT, n_inactivated BIGINT, n_deleted BIGINT, "
      "lifecycle_ran INTEGER, lifecycle_reason {T}, lease_name {S}){OPTS}",
      "CREATE INDEX import_runs_job ON import_runs (job, id)",
      "CREATE INDEX import_runs_status ON import_runs (status)",
      "CREATE TABLE run_messages (id {ID}, run_id BIGINT NOT NULL, severity {S} NOT NULL, "
      "line_no BIGINT, patron_key {S}, code {S}, message_text {T}){OPTS}",
      "CREATE INDEX run_messages_run ON run_messages (run_id, severity)",
      "CREATE TABLE deleted_patrons (id {ID}, patron_id BIGINT NOT NULL, district_id {S}, "
      "barcode {S}, record {T} NOT NULL, run_id BIGINT, rule_name {S}, deleted_at {TS} NOT "
      "NULL){OPTS}",
      "CREATE INDEX deleted_patrons_district ON deleted_patrons (district_id)",
      "CREATE TABLE outbox (id {ID}, notice {S} NOT NULL, dedupe_key {S} NOT NULL, "
      "notice_date {S} NOT NULL, to_addrs {T} NOT NULL, cc_addrs {T}, subject {T} NOT NULL, "
      "body_text {T}, body_html {T}, message_id {S}, status {S} NOT NULL, "
      "attempts INTEGER NOT NULL, last_error {T}, next_attempt_at {TS}, created_at {TS} NOT NULL, "
      "sent_at {TS}){OPTS}",
      "CREATE INDEX outbox_status ON outbox (status, next_attempt_at)",
      "CREATE INDEX outbox_dedupe ON outbox (notice, dedupe_key, notice_date)",
      // A job's last full run: the effective last_seen_at of every patron seen in it.
      "CREATE TABLE jobs (name {S} NOT NULL PRIMARY KEY, last_full_run_at {TS}){OPTS}",
      "CREATE TABLE leases (name {S} NOT NULL PRIMARY KEY, holder {S} NOT NULL, "
      "expires_at {TS} NOT NULL){OPTS}",
      "CREATE TABLE source_files (job {S} NOT NULL, fingerprint {S} NOT NULL, seen_at {TS} NOT "
      "NULL, "
      "run_id BIGINT){OPTS}",
      "CREATE INDEX source_files_job ON source_files (job, fingerprint)",
  };
}

// Versions 2 and on, each with why it came.
std::vector<std::vector<std::string>> laterVersions(DbBackend b) {
  // Version 2: circulation. Check-in of a lost copy finds its fines by loan. The loans'
  // patron and copy indexes lose their status column: a loan's status change (the sweep
  // turning a million open loans into lost ones) then touches only loans_due, whose entries
  // move in due order, instead of two randomly ordered indexes (docs/performance.md).
  std::vector<std::string> v2 = {
      "CREATE INDEX fines_loan ON fines (loan_id)",
      "DROP INDEX loans_patron" + std::string(b == DbBackend::kMysql ? " ON loans" : ""),
      "DROP INDEX loans_copy" + std::string(b == DbBackend::kMysql ? " ON loans" : ""),
      "CREATE INDEX loans_patron ON loans (patron_id)",
      "CREATE INDEX loans_copy ON loans (copy_id)",
  };
  // Version 3: notices. The dedupe key becomes unique (the same notice for the same homeroom
  // and date is queued once, whichever instance queues it); a message being sent is claimed
  // by one instance until a time; the site and homeroom are kept for `patrond outbox`.
  std::vector<std::string> v3 = {
      "DROP INDEX outbox_dedupe" + std::string(b == DbBackend::kMysql ? " ON outbox" : ""),
      "CREATE UNIQUE INDEX outbox_dedupe ON outbox (dedupe_key)",
      "ALTER TABLE outbox ADD COLUMN site {S}",
      "ALTER TABLE outbox ADD COLUMN homeroom {S}",
      "ALTER TABLE outbox ADD COLUMN claimed_by {S}",
      "ALTER TABLE outbox ADD COLUMN claimed_until {TS}",
  };
  // Version 4: the per-patron job summary (`summary RUN_ID --patrons`), at most
  // engine/run_patrons.h's cap of rows per run; `changes` is a JSON array of
  // [field, old, new]. And the administrators' alert incidents (monitoring.alerts).
  std::vector<std::string> v4 = {
      "CREATE TABLE run_patrons (id {ID}, run_id BIGINT NOT NULL, action {S} NOT NULL, "
      "patron_key {S}, line_no BIGINT, detail {S}, changes {T}){OPTS}",
      "CREATE INDEX run_patrons_run ON run_patrons (run_id, id)",
      "CREATE TABLE alert_incidents (id {ID}, kind {S} NOT NULL, subject_key {S} NOT NULL, "
      "opened_at {TS} NOT NULL, last_sent_at {TS}, cleared_at {TS}, summary_text {T}){OPTS}",
      "CREATE INDEX alert_incidents_open ON alert_incidents (kind, subject_key, cleared_at)",
  };
  // Version 5: the librarian's records. Who overrode a checkout's blocks; fines waived by
  // hand. A waiver lowers a fine's amount (what is owed stays amount - paid everywhere) and
  // adds to its waived_cents, so the charge as first made is amount + waived; fine_waivers
  // keeps each waiver with who, when and why.
  std::vector<std::string> v5 = {
      "ALTER TABLE loans ADD COLUMN override_by {S}",
      "ALTER TABLE fines ADD COLUMN waived_cents BIGINT NOT NULL DEFAULT 0",
      "CREATE TABLE fine_waivers (id {ID}, patron_id BIGINT NOT NULL, amount_cents BIGINT NOT "
      "NULL, reason {T} NOT NULL, waived_by {S} NOT NULL, waived_at {TS} NOT NULL){OPTS}",
      "CREATE INDEX fine_waivers_patron ON fine_waivers (patron_id)",
  };
  // Version 6: homerooms pinned by hand (`patrons set KEY --homeroom H`): imports and
  // inactivation leave a pinned homeroom, and its teacher columns, as they are.
  std::vector<std::string> v6 = {
      "ALTER TABLE patrons ADD COLUMN homeroom_pinned INTEGER NOT NULL DEFAULT 0",
  };
  return {v2, v3, v4, v5, v6};
}

}  // namespace

std::vector<Migration> migrations(DbBackend b) {
  std::vector<std::vector<std::string>> versions = laterVersions(b);
  versions.insert(versions.begin(), version1());
  std::vector<Migration> out;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    Migration m{static_cast<int>(i + 1), {}};
    for (const auto& statement : versions[i]) {
      m.statements.push_back(render(statement, b));
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace patrond::sql
