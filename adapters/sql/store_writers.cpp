// Bulk patron inserts and updates: the column choice, and multi-row statements for PostgreSQL and
// MySQL.

#include <algorithm>

#include "adapters/sql/soci_store_impl.h"

namespace patrond::sql {

void SociStore::useMeta(soci::statement& st, const Patron& p, std::vector<soci::indicator>& ind,
                        std::vector<std::string>& scratch) {
  scratch.push_back(std::string(statusName(p.status)));
  ind.push_back(soci::i_ok);
  st.exchange(soci::use(scratch.back(), ind.back()));
  ind.push_back(p.inactiveSince.empty() ? soci::i_null : soci::i_ok);
  st.exchange(soci::use(p.inactiveSince, ind.back()));
  for (const std::string* v : {&p.ownerJob, &p.contentHash, &p.lastSeenAt}) {
    ind.push_back(v == &p.lastSeenAt && v->empty() ? soci::i_null : soci::i_ok);
    st.exchange(soci::use(*v, ind.back()));
  }
  scratch.push_back(p.seenInLastFull ? "1" : "0");
  ind.push_back(soci::i_ok);
  st.exchange(soci::use(scratch.back(), ind.back()));
  ind.push_back(p.updatedAt.empty() ? soci::i_null : soci::i_ok);
  st.exchange(soci::use(p.updatedAt, ind.back()));
}

// PostgreSQL and MySQL: one statement per batch of rows, never one round trip per row.
template <typename Sql, typename Bind>
Result<void> SociStore::multiRow(const std::vector<Patron>& patrons, Sql sqlFor, Bind bind,
                                 size_t perRow) {
  const size_t batch = std::max<size_t>(1, 30000 / perRow);  // under PostgreSQL's 65535 parameters
  for (size_t start = 0; start < patrons.size(); start += batch) {
    size_t rows = std::min(batch, patrons.size() - start);
    std::vector<soci::indicator> ind;
    std::vector<std::string> scratch;
    ind.reserve(rows * perRow);  // use() keeps references: never reallocate
    scratch.reserve(rows * 3);
    soci::statement st(*sql_);
    st.alloc();
    for (size_t r = 0; r < rows; ++r) {
      bind(st, patrons[start + r], ind, scratch);
    }
    st.prepare(sqlFor(rows));
    st.define_and_bind();
    st.execute(true);
  }
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
    if (backend_ == DbBackend::kSqlite3) {
      return sqliteInsert(patrons, all, cols, perRow);
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
        [&](soci::statement& st, const Patron& p, std::vector<soci::indicator>& ind,
            std::vector<std::string>& scratch) {
          for (PatronField f : all) {
            ind.push_back(nullWhenEmpty(f) && p.get(f).empty() ? soci::i_null : soci::i_ok);
            st.exchange(soci::use(p.get(f), ind.back()));
          }
          useMeta(st, p, ind, scratch);
          ind.push_back(soci::i_ok);
          st.exchange(soci::use(p.createdAt, ind.back()));
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

    if (backend_ == DbBackend::kSqlite3) {
      return sqliteUpdate(patrons, cols, stripPrefix);
    }
    // One statement per batch: a derived table of new values joined on id.
    std::vector<std::string> names{"id"};
    for (PatronField f : cols) {
      names.push_back(columnName(f));
    }
    for (const char* m : kMetaColumns) {
      names.push_back(m);
    }
    size_t perRow = names.size();
    auto setList = [&](const std::string& target) {
      std::string set;
      for (size_t c = 1; c < names.size(); ++c) {
        std::string v = "v." + names[c];
        if (names[c] == "seen_in_last_full") {
          v = backend_ == DbBackend::kPostgresql ? "CAST(" + v + " AS INTEGER)" : v;
        }
        set += (c > 1 ? ", " : "") +
               (backend_ == DbBackend::kMysql ? target + "." : std::string()) + names[c] + " = " +
               v;
      }
      if (stripPrefix) {
        std::string col = backend_ == DbBackend::kMysql ? target + ".username" : "username";
        set += ", " + col + " = " + withoutInactivePrefix(col);
      }
      return set;
    };
    return multiRow(
        patrons,
        [&](size_t rows) {
          size_t n = 0;
          std::string values;
          if (backend_ == DbBackend::kPostgresql) {
            for (size_t r = 0; r < rows; ++r) {
              values += r ? ", (" : "(";
              for (size_t c = 0; c < perRow; ++c) {
                values += (c ? ", :p" : ":p") + std::to_string(n++);
              }
              values += ")";
            }
            std::string names_;
            for (size_t c = 0; c < names.size(); ++c) {
              names_ += (c ? ", " : "") + names[c];
            }
            return "UPDATE patrons AS p SET " + setList("p") + " FROM (VALUES " + values +
                   ") AS v(" + names_ + ") WHERE p.id = CAST(v.id AS BIGINT)";
          }
          for (size_t r = 0; r < rows; ++r) {
            values += r ? " UNION ALL SELECT " : "SELECT ";
            for (size_t c = 0; c < perRow; ++c) {
              values +=
                  (c ? ", :p" : ":p") + std::to_string(n++) + (r == 0 ? " AS " + names[c] : "");
            }
          }
          return "UPDATE patrons p JOIN (" + values + ") v ON p.id = v.id SET " + setList("p");
        },
        [&](soci::statement& st, const Patron& p, std::vector<soci::indicator>& ind,
            std::vector<std::string>& scratch) {
          scratch.push_back(std::to_string(p.id));
          ind.push_back(soci::i_ok);
          st.exchange(soci::use(scratch.back(), ind.back()));
          for (PatronField f : cols) {
            ind.push_back(nullWhenEmpty(f) && p.get(f).empty() ? soci::i_null : soci::i_ok);
            st.exchange(soci::use(p.get(f), ind.back()));
          }
          useMeta(st, p, ind, scratch);
        },
        perRow);
  });
}

}  // namespace patrond::sql
