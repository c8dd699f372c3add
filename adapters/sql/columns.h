#pragma once
// Named column readers: a SELECT's columns listed once, with a name for each. The query's
// column list and every reader's position come from that list, so a reader says which
// column it reads (`at(kRunColumns, "n_read")`), and a name not in the list does not compile.
// Adapter-internal.

#include <cstddef>
#include <string>
#include <string_view>

namespace patrond::sql {

struct Column {
  std::string_view name;      // what readers ask for
  std::string_view sql = {};  // what the SELECT lists, when not the name itself
};

// The position of the column named `name` in `columns`.
template <std::size_t N>
consteval std::size_t at(const Column (&columns)[N], std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (columns[i].name == name) {
      return i;
    }
  }
  throw "no column of that name";  // reached only at compile time: an error there
}

// "a, b, c": the SELECT's column list.
template <std::size_t N>
std::string columnList(const Column (&columns)[N]) {
  std::string out;
  for (const Column& c : columns) {
    out += out.empty() ? "" : ", ";
    out += c.sql.empty() ? c.name : c.sql;
  }
  return out;
}

}  // namespace patrond::sql
