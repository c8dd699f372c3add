#pragma once
// MySQL/MariaDB bulk transfer under a SOCI session: LOAD DATA LOCAL INFILE fed from memory
// through the client library's infile handler, and rows streamed out. One statement a batch, parsed
// once, where a multi-row INSERT of bound values is a statement text of every value escaped and
// parsed (docs/performance.md). Adapter-internal; the session's thread.

#include <soci/soci.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace patrond::sql {

// Makes the connection answer every LOAD DATA LOCAL request of the server with a refusal,
// so that local_infile (needed for loadFromMemory) never lets a server read a client file.
void refuseLocalFiles(soci::session& sql);

// The outcome of a load: empty on success; `disabled` when the server does not allow LOAD
// DATA LOCAL at all (local_infile=OFF), nothing having been loaded.
struct LoadError {
  std::string message;
  bool disabled = false;
  bool failed() const { return !message.empty(); }
};

// Runs `statement` ("LOAD DATA LOCAL INFILE 'rows' INTO TABLE ...") with `data` as the file's
// content (the text of CopyRows: MySQL's default LOAD DATA format is COPY's text format), all
// or nothing. LOCAL makes the server skip a refused row with a warning instead of failing
// (it cannot stop the client mid-file): a load that skipped or warned fails with the first
// warning, and the rows it kept go with the transaction (its own, outside the caller's).
LoadError loadFromMemory(soci::session& sql, const std::string& statement, const std::string& data,
                         std::size_t rows);

// Runs `query` (no parameters) and streams its rows to each(fields) as the server sends them
// (mysql_use_result: no result held whole in memory, no per-value type dispatch); a NULL
// reads as empty. Returns "" or the error. Named for what the two files share: the client
// library's native calls under SOCI.
std::string streamRows(soci::session& sql, const std::string& query,
                       const std::function<void(const std::vector<std::string_view>&)>& each);

// The same for `query` with ? placeholders bound to the text `params`: a prepared statement
// whose rows are fetched one at a time as the server sends them (no mysql_stmt_store_result).
// If `each` throws, the rest of the result is read and dropped before it goes on.
std::string streamStatement(soci::session& sql, const std::string& query,
                            const std::vector<std::string>& params,
                            const std::function<void(const std::vector<std::string_view>&)>& each);

}  // namespace patrond::sql
