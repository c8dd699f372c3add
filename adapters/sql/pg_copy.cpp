#include "adapters/sql/pg_copy.h"

#include <soci/postgresql/soci-postgresql.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace patrond::sql {

namespace {

// COPY data goes out in chunks of about this much: big enough that a send costs nothing per
// row, small enough that the server is never long without rows while they are made.
constexpr std::size_t kCopyChunk = std::size_t{128} * 1024;

// Whether `v` may hold a byte COPY's text format escapes (backslash, tab, newline, carriage
// return), eight bytes at a time: a byte below 0x0E or equal to '\\' in a word is found with
// the usual carry tricks. Other control bytes below 0x0E give a false "may", which the
// byte-by-byte escaping after it treats exactly. The writer thread spent a tenth of its time
// testing bytes one by one (docs/performance.md).
bool mayNeedEscape(std::string_view v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighs = 0x8080808080808080ull;
  const char* p = v.data();
  std::size_t n = v.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t below = (w - kOnes * 0x0E) & ~w & kHighs;  // some byte < 0x0E
    const std::uint64_t slash = w ^ (kOnes * 0x5C);                // '\\' bytes become 0
    if ((below | ((slash - kOnes) & ~slash & kHighs)) != 0) {
      return true;
    }
  }
  for (; n > 0; ++p, --n) {
    if (*p == '\\' || *p == '\t' || *p == '\n' || *p == '\r') {
      return true;
    }
  }
  return false;
}

std::string field(const PGresult* r, int code) {
  const char* v = r != nullptr ? PQresultErrorField(r, code) : nullptr;
  return v != nullptr ? v : "";
}

// "COPY patrons, line 17, column ..." -> 17 (a trigger's own lines come before it).
std::size_t copyLine(const std::string& context) {
  const std::string tag = ", line ";
  auto copy = context.rfind("COPY ");
  auto at = copy == std::string::npos ? copy : context.find(tag, copy);
  return at == std::string::npos ? 0
                                 : std::strtoull(context.c_str() + at + tag.size(), nullptr, 10);
}

}  // namespace

PGconn* pgConnection(soci::session& sql) {
  return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
}

std::string pgErrorText(const PGresult* r, PGconn* conn) {
  std::string primary = field(r, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) {
    primary = PQerrorMessage(conn);
    while (!primary.empty() && (primary.back() == '\n' || primary.back() == ' ')) {
      primary.pop_back();
    }
  }
  const std::string detail = field(r, PG_DIAG_MESSAGE_DETAIL);
  return detail.empty() ? primary : primary + " (" + detail + ")";
}

PgResult pgExec(PGconn* conn, const std::string& query, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p.c_str());
  }
  return PgResult(PQexecParams(conn, query.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0),
                  &PQclear);
}

void CopyRows::value(std::string_view v) {
  if (rowStarted_) {
    text_ += '\t';
  }
  rowStarted_ = true;
  // Most values have nothing to escape: appended whole (find_first_of costs a memchr a byte).
  if (!mayNeedEscape(v)) {
    text_ += v;
    return;
  }
  for (char c : v) {
    switch (c) {
      case '\\':
        text_ += "\\\\";
        break;
      case '\t':
        text_ += "\\t";
        break;
      case '\n':
        text_ += "\\n";
        break;
      case '\r':
        text_ += "\\r";
        break;
      default:
        text_ += c;
    }
  }
}

void CopyRows::null() {
  if (rowStarted_) {
    text_ += '\t';
  }
  rowStarted_ = true;
  text_ += "\\N";
}

void CopyRows::endRow() {
  text_ += '\n';
  rowStarted_ = false;
}

CopyError copyIn(PGconn* conn, const std::string& copyStatement, std::size_t rows,
                 const std::function<void(CopyRows&, std::size_t)>& row) {
  PgResult start(PQexec(conn, copyStatement.c_str()), &PQclear);
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    return {pgErrorText(start.get(), conn), 0};
  }
  CopyRows out;
  out.text().reserve(kCopyChunk + 4096);
  bool sent = true;
  auto send = [&] {
    std::string& data = out.text();
    sent = sent && PQputCopyData(conn, data.data(), static_cast<int>(data.size())) == 1;
    data.clear();
  };
  for (std::size_t i = 0; i < rows && sent; ++i) {
    row(out, i);
    out.endRow();
    if (out.text().size() >= kCopyChunk) {
      send();
    }
  }
  if (!out.text().empty()) {
    send();
  }
  // On a failed send, ending the COPY with an error message makes the server abandon it.
  if (PQputCopyEnd(conn, sent ? nullptr : "patrond could not send the rows") != 1) {
    return {PQerrorMessage(conn), 0};
  }
  CopyError error;
  while (PGresult* r = PQgetResult(conn)) {
    PgResult end(r, &PQclear);
    if (error.message.empty() && PQresultStatus(r) != PGRES_COMMAND_OK) {
      error.message = pgErrorText(r, conn);
      error.row = copyLine(field(r, PG_DIAG_CONTEXT));
    }
  }
  return error;
}

std::string pgStreamRows(PGconn* conn, const std::string& query,
                         const std::vector<std::string>& params,
                         const std::function<void(const std::vector<std::string_view>&)>& each) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p.c_str());
  }
  if (PQsendQueryParams(conn, query.c_str(), static_cast<int>(values.size()), nullptr,
                        values.data(), nullptr, nullptr, 0) != 1) {
    return pgErrorText(nullptr, conn);
  }
  (void)PQsetSingleRowMode(conn);  // if refused, the rows come in one result: still correct
  std::string error;
  std::vector<std::string_view> fields;  // a NULL is empty, as copyOut gives it
  // Every result is read to the end (null), so the connection is ready for the next statement.
  while (PGresult* raw = PQgetResult(conn)) {
    PgResult r(raw, &PQclear);
    const ExecStatusType s = PQresultStatus(raw);
    if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK) {
      if (error.empty()) {
        error = pgErrorText(raw, conn);
      }
      continue;
    }
    if (!error.empty() || PQntuples(raw) == 0) {
      continue;
    }
    try {
      // One row a result; all of them in one if single-row mode was refused.
      fields.resize(static_cast<std::size_t>(PQnfields(raw)));
      for (int row = 0; row < PQntuples(raw); ++row) {
        for (int c = 0; c < PQnfields(raw); ++c) {
          fields[static_cast<std::size_t>(c)] = std::string_view(
              PQgetvalue(raw, row, c), static_cast<std::size_t>(PQgetlength(raw, row, c)));
        }
        each(fields);
      }
    } catch (...) {
      if (PGcancel* c = PQgetCancel(conn)) {
        char buf[256];
        (void)PQcancel(c, buf, sizeof buf);
        PQfreeCancel(c);
      }
      r.reset();
      while (PGresult* rest = PQgetResult(conn)) {
        PQclear(rest);
      }
      throw;
    }
  }
  return error;
}

std::string copyOut(PGconn* conn, const std::string& copyStatement,
                    const std::function<void(const std::vector<std::string_view>&)>& each) {
  PgResult start(PQexec(conn, copyStatement.c_str()), &PQclear);
  if (PQresultStatus(start.get()) != PGRES_COPY_OUT) {
    return pgErrorText(start.get(), conn);
  }
  std::vector<std::string_view> fields;
  std::string row;  // unescaped: never longer than the line, so views into it stay valid
  char* line = nullptr;
  int n = 0;
  while ((n = PQgetCopyData(conn, &line, 0)) > 0) {
    std::unique_ptr<char, decltype(&PQfreemem)> owned(line, &PQfreemem);
    std::string_view in(line, static_cast<std::size_t>(n));
    if (!in.empty() && in.back() == '\n') {
      in.remove_suffix(1);
    }
    // Most rows have no escape but NULLs: their fields are views of the line as it came.
    fields.clear();
    bool escaped = false;
    for (std::size_t from = 0; !escaped;) {
      const void* tab = std::memchr(in.data() + from, '\t', in.size() - from);
      const std::size_t to =
          tab == nullptr ? in.size()
                         : static_cast<std::size_t>(static_cast<const char*>(tab) - in.data());
      std::string_view f = in.substr(from, to - from);
      if (f == "\\N") {
        f = {};
      } else {
        escaped = f.find('\\') != std::string_view::npos;
      }
      fields.push_back(f);
      if (tab == nullptr) {
        break;
      }
      from = to + 1;
    }
    if (!escaped) {
      each(fields);
      continue;
    }
    fields.clear();
    row.clear();
    row.reserve(in.size());
    std::size_t from = 0;
    for (std::size_t i = 0; i <= in.size(); ++i) {
      if (i == in.size() || in[i] == '\t') {
        fields.emplace_back(row.data() + from, row.size() - from);
        from = row.size();
        continue;
      }
      char c = in[i];
      if (c == '\\' && i + 1 < in.size()) {
        char e = in[++i];
        switch (e) {
          case 'N':
            continue;  // NULL: an empty field
          case 't':
            c = '\t';
            break;
          case 'n':
            c = '\n';
            break;
          case 'r':
            c = '\r';
            break;
          case 'b':
            c = '\b';
            break;
          case 'f':
            c = '\f';
            break;
          case 'v':
            c = '\v';
            break;
          default:
            c = e;
        }
      }
      row += c;
    }
    each(fields);
  }
  std::string error;
  if (n == -2) {
    error = PQerrorMessage(conn);
  }
  while (PGresult* r = PQgetResult(conn)) {
    PgResult end(r, &PQclear);
    if (error.empty() && PQresultStatus(r) != PGRES_COMMAND_OK) {
      error = pgErrorText(r, conn);
    }
  }
  return error;
}

}  // namespace patrond::sql
