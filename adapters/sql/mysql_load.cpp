#include "adapters/sql/mysql_load.h"

#include <soci/mysql/soci-mysql.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace patrond::sql {

namespace {

MYSQL* connection(soci::session& sql) {
  return static_cast<soci::mysql_session_backend*>(sql.get_backend())->conn_;
}

struct Source {
  const std::string* data = nullptr;
  std::size_t at = 0;
};

int refuseInit(void** ptr, const char*, void*) {
  *ptr = nullptr;
  return 1;
}
int refuseRead(void*, char*, unsigned int) {
  return -1;
}
void refuseEnd(void*) {}
int refuseError(void*, char* message, unsigned int length) {
  const char* text = "patrond sends no files";
  std::strncpy(message, text, length);
  if (length > 0) {
    message[length - 1] = '\0';
  }
  return 2000;  // CR_UNKNOWN_ERROR
}

int memoryInit(void** ptr, const char*, void* userdata) {
  *ptr = userdata;
  return 0;
}
int memoryRead(void* ptr, char* buf, unsigned int length) {
  auto* s = static_cast<Source*>(ptr);
  const std::size_t n = std::min<std::size_t>(length, s->data->size() - s->at);
  // NOLINTNEXTLINE(bugprone-not-null-terminated-result): MySQL takes n bytes, not a C string
  std::memcpy(buf, s->data->data() + s->at, n);
  s->at += n;
  return static_cast<int>(n);
}

}  // namespace

void refuseLocalFiles(soci::session& sql) {
  mysql_set_local_infile_handler(connection(sql), refuseInit, refuseRead, refuseEnd, refuseError,
                                 nullptr);
}

LoadError loadFromMemory(soci::session& sql, const std::string& statement, const std::string& data,
                         std::size_t rows) {
  MYSQL* conn = connection(sql);
  auto run = [&](const char* q) {
    return mysql_real_query(conn, q, std::strlen(q)) == 0 ? std::string() : mysql_error(conn);
  };
  const bool own = (conn->server_status & SERVER_STATUS_IN_TRANS) == 0;
  if (own) {
    if (std::string e = run("START TRANSACTION"); !e.empty()) {
      return {e};
    }
  }
  Source source{&data, 0};
  mysql_set_local_infile_handler(conn, memoryInit, memoryRead, refuseEnd, refuseError, &source);
  LoadError error;
  if (mysql_real_query(conn, statement.c_str(), statement.size()) != 0) {
    error.message = mysql_error(conn);
    // ER_NOT_ALLOWED_COMMAND (older servers), ER_CLIENT_LOCAL_FILES_DISABLED (MySQL 8),
    // ER_LOAD_INFILE_CAPABILITY_DISABLED (MariaDB 10.5 and later).
    const unsigned int code = mysql_errno(conn);
    error.disabled = code == 1148 || code == 3948 || code == 4166;
  }
  refuseLocalFiles(sql);
  if (!error.failed() && (mysql_warning_count(conn) > 0 || mysql_affected_rows(conn) != rows)) {
    error.message = "the server kept " + std::to_string(mysql_affected_rows(conn)) + " of " +
                    std::to_string(rows) + " rows";
    if (mysql_real_query(conn, "SHOW WARNINGS LIMIT 1", 21) == 0) {
      if (MYSQL_RES* res = mysql_store_result(conn)) {
        if (MYSQL_ROW r = mysql_fetch_row(res); r != nullptr && r[2] != nullptr) {
          error.message = r[2];
        }
        mysql_free_result(res);
      }
    }
  }
  if (own) {
    std::string end = run(error.failed() ? "ROLLBACK" : "COMMIT");
    if (!error.failed()) {
      error.message = end;
    }
  }
  return error;
}

std::string streamStatement(soci::session& sql, const std::string& query,
                            const std::vector<std::string>& params,
                            const std::function<void(const std::vector<std::string_view>&)>& each) {
  MYSQL_STMT* stmt = mysql_stmt_init(connection(sql));
  if (stmt == nullptr) {
    return mysql_error(connection(sql));
  }
  // Closed on every way out: closing reads what the server still has to send.
  std::unique_ptr<MYSQL_STMT, decltype(&mysql_stmt_close)> owned(stmt, &mysql_stmt_close);
  if (mysql_stmt_prepare(stmt, query.c_str(), query.size()) != 0) {
    return mysql_stmt_error(stmt);
  }
  std::vector<MYSQL_BIND> in(params.size());
  std::vector<unsigned long> inLengths(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    inLengths[i] = params[i].size();
    in[i].buffer_type = MYSQL_TYPE_STRING;
    in[i].buffer = const_cast<char*>(params[i].data());  // NOLINT: the API's pointer is not const
    in[i].buffer_length = params[i].size();
    in[i].length = &inLengths[i];
  }
  if ((!in.empty() && mysql_stmt_bind_param(stmt, in.data()) != 0) ||
      mysql_stmt_execute(stmt) != 0) {
    return mysql_stmt_error(stmt);
  }
  // Every column read as text into a buffer of its own, as long as the column's longest value
  // (a VARCHAR(255) of utf8mb4: 1,020 bytes) up to 64 KB. A longer value (a TEXT column) is read
  // whole with mysql_stmt_fetch_column, which libmariadb refuses on the first row: that row
  // then fails with its error rather than come out cut short.
  const unsigned int columns = mysql_stmt_field_count(stmt);
  std::vector<unsigned long> sizes(columns, 64);
  if (MYSQL_RES* meta = mysql_stmt_result_metadata(stmt)) {
    const MYSQL_FIELD* described = mysql_fetch_fields(meta);
    for (unsigned int i = 0; i < columns; ++i) {
      sizes[i] = std::clamp<unsigned long>(described[i].length, 64, 65536);
    }
    mysql_free_result(meta);
  }
  std::vector<std::string> buffers(columns);
  std::vector<unsigned long> lengths(columns);
  std::vector<my_bool> nulls(columns), errors(columns);
  std::vector<MYSQL_BIND> out(columns);
  for (unsigned int i = 0; i < columns; ++i) {
    buffers[i].assign(sizes[i], '\0');
    out[i].buffer_type = MYSQL_TYPE_STRING;
    out[i].buffer = buffers[i].data();
    out[i].buffer_length = sizes[i];
    out[i].length = &lengths[i];
    out[i].is_null = &nulls[i];
    out[i].error = &errors[i];
  }
  if (mysql_stmt_bind_result(stmt, out.data()) != 0) {
    return mysql_stmt_error(stmt);
  }
  std::vector<std::string> longer(columns);
  std::vector<std::string_view> fields(columns);
  int rc = 0;
  while ((rc = mysql_stmt_fetch(stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
    for (unsigned int i = 0; i < columns; ++i) {
      if (nulls[i] != 0) {
        fields[i] = {};
      } else if (lengths[i] <= sizes[i]) {
        fields[i] = std::string_view(buffers[i].data(), lengths[i]);
      } else {
        longer[i].assign(lengths[i], '\0');
        MYSQL_BIND whole = out[i];
        whole.buffer = longer[i].data();
        whole.buffer_length = lengths[i];
        if (mysql_stmt_fetch_column(stmt, &whole, i, 0) != 0) {
          return mysql_stmt_error(stmt);
        }
        fields[i] = longer[i];
      }
    }
    each(fields);
  }
  return rc == 1 ? mysql_stmt_error(stmt) : "";
}

std::string streamRows(soci::session& sql, const std::string& query,
                       const std::function<void(const std::vector<std::string_view>&)>& each) {
  MYSQL* conn = connection(sql);
  if (mysql_real_query(conn, query.c_str(), query.size()) != 0) {
    return mysql_error(conn);
  }
  MYSQL_RES* res = mysql_use_result(conn);
  if (res == nullptr) {
    return mysql_error(conn);
  }
  const unsigned int columns = mysql_num_fields(res);
  std::vector<std::string_view> fields(columns);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    for (unsigned int i = 0; i < columns; ++i) {
      fields[i] = row[i] != nullptr ? std::string_view(row[i], lengths[i]) : std::string_view();
    }
    each(fields);
  }
  std::string error = mysql_errno(conn) != 0 ? mysql_error(conn) : "";
  mysql_free_result(res);
  return error;
}

}  // namespace patrond::sql
