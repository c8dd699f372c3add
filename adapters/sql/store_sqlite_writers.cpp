// Bulk patron inserts and updates on SQLite, through native prepared statements.

#include <algorithm>

#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

namespace {

// SQLite: statements of kRowsPerInsert rows each. Per-statement work (AUTOINCREMENT's
// bookkeeping above all) is then paid once per hundred rows (docs/performance.md). The rows
// of a statement get consecutive ids.
static constexpr size_t kRowsPerInsert = 100;

}  // namespace

Result<void> SociStore::sqliteInsert(std::vector<Patron>& patrons,
                                     const std::vector<PatronField>& fields,
                                     const std::string& cols, size_t perRow) {
  auto prepare = [&](size_t rows) {
    std::string q = "INSERT INTO patrons (" + cols + ") VALUES ";
    for (size_t r = 0; r < rows; ++r) {
      q += r ? ", (?" : "(?";
      for (size_t i = 1; i < perRow; ++i) {
        q += ", ?";
      }
      q += ")";
    }
    return std::make_unique<SqliteStatement>(sqlite(), q);
  };
  if (insertColumns_ != cols) {
    insertMany_.reset();
    insertColumns_ = cols;
  }
  std::unique_ptr<SqliteStatement> one;
  for (size_t start = 0; start < patrons.size();) {
    size_t rows = patrons.size() - start >= kRowsPerInsert ? kRowsPerInsert : 1;
    auto& st = rows > 1 ? insertMany_ : one;
    if (!st) {
      st = prepare(rows);
    }
    if (!st->ok()) {
      Error e{"DB", "adding patrons: " + st->error(), "sqlite3"};
      st.reset();  // prepared again next time
      return e;
    }
    int i = 1;
    for (size_t r = start; r < start + rows; ++r) {
      const Patron& p = patrons[r];
      for (PatronField f : fields) {
        st->text(i++, p.get(f), nullWhenEmpty(f));
      }
      bindMeta(*st, i, p);
      st->text(i++, p.createdAt);
    }
    if (!st->step()) {
      if (rows > 1) {
        // The statement changed nothing: row by row, to name the patron at fault.
        for (size_t r = start; r < start + rows; ++r) {
          std::vector<Patron> single{patrons[r]};
          if (auto e = sqliteInsert(single, fields, cols, perRow); !e) {
            return e;
          }
        }
        return Error{"DB", "adding patrons: " + st->error(), "sqlite3"};
      }
      return Error{"DB", patronNamed("adding patron", patrons[start]) + ": " + st->error(),
                   "sqlite3"};
    }
    auto last = sqlite_api::sqlite3_last_insert_rowid(sqlite());
    for (size_t r = 0; r < rows; ++r) {
      patrons[start + r].id = last - static_cast<std::int64_t>(rows - 1 - r);
    }
    start += rows;
  }
  return {};
}

// SQLite rewrites an index entry for every indexed column an UPDATE assigns, even to the
// value it has: a patron whose district ID and barcode stay the same is updated without
// them, so a run that changes 10,000 names dirties ~10,000 table pages instead of ~19,000
// table and index pages (half the commit's WAL and checkpoint; docs/performance.md).
Result<void> SociStore::sqliteUpdate(const std::vector<Patron>& patrons,
                                     const std::vector<PatronField>& cols, bool stripPrefix) {
  auto isKey = [](PatronField f) {
    return f == PatronField::kDistrictId || f == PatronField::kBarcode;
  };
  const bool writesKeys = std::any_of(cols.begin(), cols.end(), isKey);
  auto prepare = [&](bool withKeys) {
    std::string q = "UPDATE patrons SET ";
    for (PatronField f : cols) {
      if (withKeys || !isKey(f)) {
        const std::string name = columnName(f);
        q += keptWhenPinned(f)
                 ? name + " = CASE WHEN homeroom_pinned = 1 THEN " + name + " ELSE ? END, "
                 : name + " = ?, ";
      }
    }
    for (const char* m : kMetaColumns) {
      q += std::string(m) + " = ?, ";
    }
    if (stripPrefix) {
      q += "username = " + withoutInactivePrefix("username") + ", ";
    }
    q.resize(q.size() - 2);
    q += " WHERE id = ?";
    return std::make_unique<SqliteStatement>(sqlite(), q);
  };
  std::unique_ptr<SqliteStatement> withKeys, withoutKeys, stored;
  for (const auto& p : patrons) {
    bool keysAsStored = false;
    if (writesKeys) {
      if (!stored) {
        stored = std::make_unique<SqliteStatement>(
            sqlite(), "SELECT district_id, barcode FROM patrons WHERE id = ?");
      }
      stored->integer(1, p.id);
      if (stored->next()) {
        keysAsStored = stored->columnView(0) == p.get(PatronField::kDistrictId) &&
                       stored->columnView(1) == p.get(PatronField::kBarcode);
      }
      if (!stored->error().empty()) {
        return Error{"DB", "updating patrons: " + stored->error(), "sqlite3"};
      }
      stored->reset();
    }
    const bool keys = writesKeys && !keysAsStored;
    auto& st = keys ? withKeys : withoutKeys;
    if (!st) {
      st = prepare(keys);
    }
    if (!st->ok()) {
      return Error{"DB", "updating patrons: " + st->error(), "sqlite3"};
    }
    int i = 1;
    for (PatronField f : cols) {
      if (keys || !isKey(f)) {
        st->text(i++, p.get(f), nullWhenEmpty(f));
      }
    }
    bindMeta(*st, i, p);
    st->integer(i++, p.id);
    if (!st->step()) {
      return Error{"DB", patronNamed("updating patron", p) + ": " + st->error(), "sqlite3"};
    }
  }
  return {};
}

// Binds by reference: status and the seen flag are literals, the rest lives in `p`.
void SociStore::bindMeta(SqliteStatement& st, int& i, const Patron& p) {
  st.text(i++, statusName(p.status));
  st.text(i++, p.inactiveSince, true);
  st.text(i++, p.ownerJob);
  st.text(i++, p.contentHash);
  st.text(i++, p.lastSeenAt, true);
  st.text(i++, p.seenInLastFull ? "1" : "0");
  st.text(i++, p.updatedAt, true);
}

}  // namespace patrond::sql
