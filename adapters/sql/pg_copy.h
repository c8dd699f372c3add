#pragma once
// PostgreSQL bulk transfer through libpq under a SOCI session: COPY ... FROM STDIN to load rows
// and COPY ... TO STDOUT to stream them out, text format. One COPY costs the server one parse
// and no plan, where a multi-row INSERT of bound VALUES costs a parse and a plan of thousands
// of parameters per statement (docs/performance.md). Adapter-internal; the session's thread.

#include <libpq-fe.h>
#include <soci/soci.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace patrond::sql {

// The native connection under a SOCI postgresql session.
PGconn* pgConnection(soci::session& sql);

// A libpq result, cleared when it goes.
using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

// What the server said about a failed statement: its message and detail, never the
// statement or its data.
std::string pgErrorText(const PGresult* r, PGconn* conn);

// Runs `query` with text parameters (no values are ever spliced into SQL); the result, which
// may be an error (check PQresultStatus).
PgResult pgExec(PGconn* conn, const std::string& query,
                const std::vector<std::string>& params = {});

// The text format of COPY: one row per line, values separated by tabs, NULL as \N.
class CopyRows {
 public:
  void value(std::string_view v);
  void null();
  // value(v), or NULL when `nullWhenEmpty` and v is empty.
  void value(std::string_view v, bool nullWhenEmpty) {
    if (nullWhenEmpty && v.empty()) {
      null();
    } else {
      value(v);
    }
  }
  void endRow();
  std::string& text() { return text_; }

 private:
  std::string text_;
  bool rowStarted_ = false;
};

// The outcome of a COPY FROM STDIN: empty on success; else the server's words and the 1-based
// row of the data it refused (0 when it named none).
struct CopyError {
  std::string message;
  std::size_t row = 0;
  bool failed() const { return !message.empty(); }
};

// Runs `copyStatement` ("COPY t (a, b) FROM STDIN") over `rows` rows, row(out, i) writing the
// values of row i. The rows go out in chunks as they are written: the server stores one chunk
// while the next is made.
CopyError copyIn(PGconn* conn, const std::string& copyStatement, std::size_t rows,
                 const std::function<void(CopyRows&, std::size_t)>& row);

// Runs `query` ($1..$n placeholders) with the text `params` and calls each(fields) for every
// row as it arrives, a NULL read as empty (libpq's single-row mode: a result of one row each,
// where a plain result would hold every row in this process at once). Returns "" or the error. If
// `each` throws, the query is cancelled and the connection left ready before it goes on; a
// cancel that lands aborts the transaction the query runs in, if any (whether it lands depends
// on how far the server got), so a caller in a transaction must roll back after an exception.
std::string pgStreamRows(PGconn* conn, const std::string& query,
                         const std::vector<std::string>& params,
                         const std::function<void(const std::vector<std::string_view>&)>& each);

// Runs `copyStatement` ("COPY (SELECT ...) TO STDOUT") and calls each(fields) for every row,
// its fields unescaped (a NULL reads as empty). Returns "" or the error.
std::string copyOut(PGconn* conn, const std::string& copyStatement,
                    const std::function<void(const std::vector<std::string_view>&)>& each);

}  // namespace patrond::sql
