// Bulk patron inserts and updates: the column choice, and multi-row statements for MySQL
// (PostgreSQL stages its rows through COPY: store_pg_writers.cpp).

#include <algorithm>

#include "adapters/sql/row_batch.h"
#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

void SociStore::useMeta(RowBatch& batch, const Patron& p) {
  batch.useCopy(std::string(statusName(p.status)));
  batch.use(p.inactiveSince, p.inactiveSince.empty());
  batch.use(p.ownerJob);
  batch.use(p.contentHash);
  batch.use(p.lastSeenAt, p.lastSeenAt.empty());
  batch.useCopy(p.seenInLastFull ? "1" : "0");
  batch.use(p.updatedAt, p.updatedAt.empty());
}

// MySQL: one statement per batch of rows, never one round trip per row.
template <typename Sql, typename Bind>
Result<void> SociStore::multiRow(const std::vector<Patron>& patrons, Sql sqlFor, Bind bind,
                                 size_t perRow) {
  forEachSlice(patrons.size(), rowsPerStatement(perRow), [&](size_t start, size_t rows) {
    RowBatch batch(*sql_);
    for (size_t r = 0; r < rows; ++r) {
      bind(batch, patrons[start + r]);
    }
    batch.execute(sqlFor(rows));
  });
  return {};
}

Result<void> SociStore::insertPatrons(std::vector<Patron>& patrons) {
  if (patrons.empty()) {
    return {};
  }
  return guard("adding patrons", [&]() -> Result<void> {
    // Only the fields some patron of the batch has: an import maps a dozen of the 28, and
    // binding the rest as empty for every row cost the writer a fifth of its time
    // (docs/performance.md). A column left out is NULL, which reads as empty like ''.
    std::vector<PatronField> all;
    for (size_t i = 0; i < kPatronFieldCount; ++i) {
      auto f = static_cast<PatronField>(i);
      if (std::any_of(patrons.begin(), patrons.end(),
                      [f](const Patron& p) { return !p.get(f).empty(); })) {
        all.push_back(f);
      }
    }
    std::string cols;
    for (PatronField f : all) {
      cols += columnName(f) + ", ";
    }
    for (const char* m : kMetaColumns) {
      cols += std::string(m) + ", ";
    }
    cols += "created_at";
    size_t perRow = all.size() + std::size(kMetaColumns) + 1;
    if (dialect_.isSqlite()) {
      return sqliteInsert(patrons, all, cols, perRow);
    }
    if (backend_ == DbBackend::kPostgresql) {
      return pgCopyInsert(patrons, all, cols);
    }
    if (backend_ == DbBackend::kMysql && !loadDataRefused_) {
      if (auto r = mysqlLoadInsert(patrons, all, cols); r || r.error().code != "LOAD_DATA_OFF") {
        return r;
      }
    }
    return multiRow(
        patrons,
        [&](size_t rows) {
          std::string q = "INSERT INTO patrons (" + cols + ") VALUES ";
          size_t n = 0;
          for (size_t r = 0; r < rows; ++r) {
            q += r ? ", (" : "(";
            for (size_t c = 0; c < perRow; ++c) {
              q += (c ? ", :p" : ":p") + std::to_string(n++);
            }
            q += ")";
          }
          return q;
        },
        [&](RowBatch& batch, const Patron& p) {
          for (PatronField f : all) {
            batch.use(p.get(f), nullWhenEmpty(f) && p.get(f).empty());
          }
          useMeta(batch, p);
          batch.use(p.createdAt);
        },
        perRow);
  });
}

Result<void> SociStore::updatePatrons(const std::vector<Patron>& patrons,
                                      const std::vector<PatronField>& columns, bool reactivate) {
  if (patrons.empty()) {
    return {};
  }
  return guard("updating patrons", [&]() -> Result<void> {
    std::vector<PatronField> cols = columns;
    if (cols.empty()) {
      for (size_t i = 0; i < kPatronFieldCount; ++i) {
        cols.push_back(static_cast<PatronField>(i));
      }
    }
    bool stripPrefix =
        reactivate && std::find(cols.begin(), cols.end(), PatronField::kUsername) == cols.end();

    if (dialect_.isSqlite()) {
      return sqliteUpdate(patrons, cols, stripPrefix);
    }
    // One statement per batch: a derived table of new values joined on id.
    std::vector<std::string> names{"id"};
    std::vector<bool> kept{false};
    for (PatronField f : cols) {
      names.push_back(columnName(f));
      kept.push_back(keptWhenPinned(f));
    }
    for (const char* m : kMetaColumns) {
      names.push_back(m);
      kept.push_back(false);
    }
    std::string set;
    for (size_t c = 1; c < names.size(); ++c) {
      std::string v = "v." + names[c];
      if (kept[c]) {
        v = "CASE WHEN p.homeroom_pinned = 1 THEN p." + names[c] + " ELSE " + v + " END";
      }
      set += (c > 1 ? ", " : "") + dialect_.setTarget(names[c]) + " = " +
             (names[c] == "seen_in_last_full" ? dialect_.asInteger(v) : v);
    }
    if (stripPrefix) {
      std::string col = dialect_.setTarget("username");
      set += ", " + col + " = " + withoutInactivePrefix(col);
    }
    if (backend_ == DbBackend::kPostgresql) {
      return pgUpdate(patrons, cols, names, set);
    }
    return multiRow(
        patrons, [&](size_t rows) { return dialect_.updateFromRows("patrons", names, rows, set); },
        [&](RowBatch& batch, const Patron& p) {
          batch.useCopy(std::to_string(p.id));
          for (PatronField f : cols) {
            batch.use(p.get(f), nullWhenEmpty(f) && p.get(f).empty());
          }
          useMeta(batch, p);
        },
        names.size());
  });
}

}  // namespace patrond::sql
