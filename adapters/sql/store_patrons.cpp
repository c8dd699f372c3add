// Reading patrons (one, a filtered list, a count, preserved fields) and marking them seen.

#include <algorithm>

#include "adapters/sql/columns.h"
#include "adapters/sql/mysql_load.h"
#include "adapters/sql/row_batch.h"
#include "adapters/sql/soci_store_impl.h"
#include "engine/patron_archive.h"

namespace patrond::sql {

namespace {

// What every patron SELECT returns after p.id and the field columns (in PatronField order);
// the effective last seen time is the job's last full run while the patron was in it.
constexpr Column kPatronMetaColumns[] = {
    {"status", "p.status"},
    {"owner_job", "p.owner_job"},
    {"last_seen_at",
     "CASE WHEN p.seen_in_last_full = 1 AND j.last_full_run_at IS NOT NULL THEN "
     "j.last_full_run_at ELSE p.last_seen_at END"},
    {"inactive_since", "p.inactive_since"},
    {"content_hash", "p.content_hash"},
    {"created_at", "p.created_at"},
    {"updated_at", "COALESCE(p.updated_at, p.created_at)"},
    {"seen_in_last_full", "p.seen_in_last_full"},
    {"homeroom_pinned", "p.homeroom_pinned"}};
constexpr std::size_t kFirstField = 1;
constexpr std::size_t kFirstMeta = kFirstField + kPatronFieldCount;

}  // namespace

std::string SociStore::selectPatrons() const {
  std::string q = "SELECT p.id";
  for (size_t i = 0; i < kPatronFieldCount; ++i) {
    q += ", p." + columnName(static_cast<PatronField>(i));
  }
  return q + ", " + columnList(kPatronMetaColumns) +
         " FROM patrons p LEFT JOIN jobs j ON j.name = p.owner_job";
}

Patron SociStore::patronFromRow(const soci::row& r) const {
  Patron p;
  fillPatron(r, p);
  return p;
}

// Assigns every member, so one Patron can be filled row after row with nothing left from the
// row before.
void SociStore::fillPatron(const soci::row& r, Patron& p) const {
  fillPatronFrom([&r](std::size_t column) { return getStr(r, column); },
                 [&r](std::size_t column) { return static_cast<std::int64_t>(getInt(r, column)); },
                 p);
}

// The same from a row as the native streaming calls give it (text, a NULL read as empty).
void SociStore::fillPatron(const std::vector<std::string_view>& fields, Patron& p) {
  fillPatronFrom([&fields](std::size_t c) { return std::string(fields[c]); },
                 [&fields](std::size_t c) { return digitsValue(fields[c]); }, p);
}

template <typename Text, typename Integer>
void SociStore::fillPatronFrom(const Text& text, const Integer& integer, Patron& p) {
  auto meta = [&text](std::size_t column) { return text(kFirstMeta + column); };
  p.id = integer(0);
  p.line = 0;
  for (size_t i = 0; i < kPatronFieldCount; ++i) {
    p.values[i] = text(kFirstField + i);
  }
  p.status = meta(at(kPatronMetaColumns, "status")) == "inactive" ? PatronStatus::kInactive
                                                                  : PatronStatus::kActive;
  p.ownerJob = meta(at(kPatronMetaColumns, "owner_job"));
  p.lastSeenAt = meta(at(kPatronMetaColumns, "last_seen_at"));
  p.inactiveSince = meta(at(kPatronMetaColumns, "inactive_since"));
  p.contentHash = meta(at(kPatronMetaColumns, "content_hash"));
  p.createdAt = meta(at(kPatronMetaColumns, "created_at"));
  p.updatedAt = meta(at(kPatronMetaColumns, "updated_at"));
  p.seenInLastFull = integer(kFirstMeta + at(kPatronMetaColumns, "seen_in_last_full")) != 0;
  p.homeroomPinned = integer(kFirstMeta + at(kPatronMetaColumns, "homeroom_pinned")) != 0;
}

Result<std::optional<Patron>> SociStore::findPatron(const std::string& key) {
  return guard("finding the patron", [&]() -> Result<std::optional<Patron>> {
    // District id first: a barcode that equals another patron's district id must not win.
    for (const char* col : {"p.district_id", "p.barcode"}) {
      soci::rowset<soci::row> rs =
          (sql_->prepare << selectPatrons() + " WHERE " + col + " = :k", soci::use(key));
      for (const auto& r : rs) {
        return std::optional<Patron>(patronFromRow(r));
      }
    }
    return std::optional<Patron>();
  });
}

// Empty without a filter: SQLite counts a whole table page by page (each page knows how many
// rows it holds), but steps through every row for a `WHERE 1 = 1` (50 ms per million).
std::string SociStore::whereClause(const PatronFilter& f) const {
  std::string w;
  auto add = [&w](const char* condition) {
    w += w.empty() ? " WHERE " : " AND ";
    w += condition;
  };
  if (!f.site.empty()) {
    add("p.site = :site");
  }
  if (!f.homeroom.empty()) {
    add("p.homeroom = :homeroom");
  }
  if (!f.patronType.empty()) {
    add("p.patron_type = :ptype");
  }
  if (f.status) {
    add("p.status = :status");
  }
  if (!f.ownerJob.empty()) {
    add("p.owner_job = :owner");
  }
  return w;
}

// The values of whereClause's placeholders, in its order.
std::vector<std::string> SociStore::filterValues(const PatronFilter& f) {
  std::vector<std::string> values;
  for (const std::string* v : {&f.site, &f.homeroom, &f.patronType}) {
    if (!v->empty()) {
      values.push_back(*v);
    }
  }
  if (f.status) {
    values.emplace_back(statusName(*f.status));
  }
  if (!f.ownerJob.empty()) {
    values.push_back(f.ownerJob);
  }
  return values;
}

void SociStore::bindFilter(soci::statement& st, const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    st.exchange(soci::use(v));
  }
}

Result<void> SociStore::forEachPatron(const PatronFilter& f,
                                      const std::function<void(const Patron&)>& each) {
  return guard("listing patrons", [&]() -> Result<void> {
    // A missing name sorts as an empty one: first, on every backend (PostgreSQL puts NULLs
    // last, SQLite and MySQL first).
    std::string q = selectPatrons() + whereClause(f) +
                    " ORDER BY COALESCE(p.last_name, ''), COALESCE(p.first_name, ''), p.id";
    if (f.limit > 0) {
      q += " LIMIT " + std::to_string(f.limit);
    }
    const std::vector<std::string> values = filterValues(f);
    Patron p;
    if (!dialect_.isSqlite()) {
      // Row by row as the server sends them: SOCI's PostgreSQL and MySQL backends take the
      // whole result first (a million patrons held 1 GB and 641 MB: docs/performance.md).
      auto row = [&](const std::vector<std::string_view>& fields) {
        fillPatron(fields, p);
        each(p);
      };
      std::string error;
      if (backend_ == DbBackend::kPostgresql) {
        error = pgStreamRows(pgConnection(*sql_), nativeParams(q, true), values, row);
      } else {
        // The server waits this long for a reader that stops reading (`patrons list | less`
        // left on its first page) before it drops the connection: 60 s by default.
        *sql_ << "SET SESSION net_write_timeout = 86400";
        error = streamStatement(*sql_, nativeParams(q), values, row);
      }
      if (!error.empty()) {
        return Error{"DB", "listing patrons: " + error, backendName(backend_)};
      }
      return {};
    }
    soci::row r;
    soci::statement st(*sql_);
    st.alloc();
    bindFilter(st, values);
    st.exchange(soci::into(r));
    st.prepare(q);
    st.define_and_bind();
    st.execute(false);
    while (st.fetch()) {
      fillPatron(r, p);
      each(p);
    }
    return {};
  });
}

Result<std::int64_t> SociStore::countPatrons(const PatronFilter& f) {
  return guard("counting patrons", [&]() -> Result<std::int64_t> {
    long long n = 0;
    soci::statement st(*sql_);
    const std::vector<std::string> values = filterValues(f);
    st.alloc();
    bindFilter(st, values);
    st.exchange(soci::into(n));
    st.prepare("SELECT COUNT(*) FROM patrons p" + whereClause(f));
    st.define_and_bind();
    st.execute(true);
    return static_cast<std::int64_t>(n);
  });
}

// Two subqueries: each reads one end of the primary key (SQLite scans the whole table for
// MIN and MAX in one SELECT); COUNT(*) reads every row or index entry.
Result<std::int64_t> SociStore::patronCountBound() {
  return guard("counting patrons", [&]() -> Result<std::int64_t> {
    long long n = 0;
    soci::indicator ind = soci::i_ok;
    *sql_ << "SELECT (SELECT MAX(id) FROM patrons) - (SELECT MIN(id) FROM patrons) + 1",
        soci::into(n, ind);
    return static_cast<std::int64_t>(ind == soci::i_ok ? n : 0);
  });
}

Result<void> SociStore::readFields(
    const std::vector<std::int64_t>& ids, const std::vector<PatronField>& fields,
    const std::function<void(std::int64_t, std::vector<std::string>&&)>& each) {
  if (ids.empty() || fields.empty()) {
    return {};
  }
  return guard("reading preserved fields", [&]() -> Result<void> {
    std::string cols;
    for (PatronField f : fields) {
      cols += ", " + columnName(f);
    }
    forEachSlice(ids.size(), kIdsPerStatement, [&](size_t start, size_t n) {
      std::string q = "SELECT id" + cols + " FROM patrons WHERE id IN (";
      for (size_t i = 0; i < n; ++i) {
        q += (i ? ", " : "") + std::to_string(ids[start + i]);  // integers from the database
      }
      q += ")";
      soci::rowset<soci::row> rs = (sql_->prepare << q);
      for (const auto& r : rs) {
        std::vector<std::string> values;
        for (size_t i = 0; i < fields.size(); ++i) {
          values.push_back(getStr(r, 1 + i));
        }
        each(getInt(r, 0), std::move(values));
      }
    });
    return {};
  });
}

Result<void> SociStore::markSeen(const std::vector<std::int64_t>& ids, bool seen,
                                 const std::string& lastSeenAt) {
  if (ids.empty()) {
    return {};
  }
  return guard("marking patrons seen", [&]() -> Result<void> {
    forEachSlice(ids.size(), kIdsPerStatement, [&](size_t start, size_t n) {
      RowBatch batch(*sql_);
      batch.useCopy(seen ? 1LL : 0LL);
      batch.use(lastSeenAt);
      std::string q = "UPDATE patrons SET seen_in_last_full = :s, last_seen_at = :t WHERE id IN (";
      for (size_t i = 0; i < n; ++i) {
        q += (i ? ", :i" : ":i") + std::to_string(i);
        batch.useCopy(static_cast<long long>(ids[start + i]));
      }
      batch.execute(q + ")");
    });
    return {};
  });
}

Result<void> SociStore::clearBarcode(std::int64_t patronId) {
  return guard("clearing a barcode", [&]() -> Result<void> {
    long long id = patronId;
    *sql_ << "UPDATE patrons SET barcode = NULL WHERE id = :id", soci::use(id);
    return {};
  });
}

Result<void> SociStore::setHomeroomPin(std::int64_t patronId,
                                       const std::optional<std::string>& homeroom,
                                       const std::string& at) {
  return guard("pinning the homeroom", [&]() -> Result<void> {
    long long id = patronId;
    if (homeroom) {
      *sql_ << "UPDATE patrons SET homeroom = :h, homeroom_teacher_email = NULL, "
               "homeroom_teacher_name = NULL, homeroom_pinned = 1, updated_at = :t WHERE id = :id",
          soci::use(*homeroom), soci::use(at), soci::use(id);
      return {};
    }
    std::string hash;
    soci::indicator ind = soci::i_ok;
    *sql_ << "SELECT content_hash FROM patrons WHERE id = :id", soci::use(id),
        soci::into(hash, ind);
    std::string released = releasedContentHash(ind == soci::i_ok ? hash : "");
    *sql_ << "UPDATE patrons SET homeroom_pinned = 0, content_hash = :c, updated_at = :t WHERE "
             "id = :id",
        soci::use(released), soci::use(at), soci::use(id);
    return {};
  });
}

}  // namespace patrond::sql
