#include "engine/oneroster.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "engine/oneroster_check.h"

namespace patrond::oneroster {

using namespace detail;

namespace {

// ---- the patron rows ----

void appendCsv(std::string& out, std::string_view v, bool oneLine) {
  bool quote =
      !v.empty() && (v.front() == ' ' || v.back() == ' ' || v.front() == '\t' || v.back() == '\t' ||
                     v.find_first_of(",\"\r\n") != std::string_view::npos);
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char ch : v) {
    if (ch == '"') {
      out.append("\"\"");
    } else if (oneLine && (ch == '\r' || ch == '\n')) {
      out.push_back(' ');  // a derived value never adds a line: rows keep users.csv's lines
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

std::string_view personaOf(std::string_view role) {
  return role == "student" ? "student" : role == "teacher" ? "teacher" : "staff";
}

class PatronRows final : public ByteSource {
 public:
  PatronRows(BundleFiles& files, std::shared_ptr<const State> state)
      : files_(files), st_(std::move(state)) {}

  // Opens users.csv again and writes the header. Counts the users who give no row.
  Result<void> start(std::shared_ptr<std::vector<RemovedRow>> deleted) {
    auto source = files_.open("users.csv");
    if (!source) {
      return source.error();
    }
    source_ = std::move(*source);
    reader_ = std::make_unique<CsvReader>(*source_, ',');
    CsvRow header;
    auto got = reader_->next(header);
    if (!got) {
      return got.error();
    }
    if (!*got) {
      return Error{"ONEROSTER", "users.csv changed while it was read", st_->bundle};
    }
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
      positions_.emplace(std::string(header.fields[i]), i);
    }
    for (const auto& c : kUserColumns) {
      columns_.push_back(position(c));
    }
    for (const auto& c : st_->extraColumns) {
      columns_.push_back(position(c));
    }
    std::string line;
    bool first = true;
    for (const auto* list : {&kUserColumns, &st_->extraColumns, &kDerived}) {
      for (const auto& c : *list) {
        line += first ? "" : ",";
        first = false;
        appendCsv(line, c, true);
      }
    }
    buffer_ = line + "\n";
    line_ = 2;
    deleted_ = std::move(deleted);
    return {};
  }

  Result<std::size_t> read(char* out, std::size_t size) override {
    while (buffer_.size() - pos_ < size && !done_) {
      if (pos_ > 0) {
        buffer_.erase(0, pos_);
        pos_ = 0;
      }
      auto more = nextRow();
      if (!more) {
        return more.error();
      }
      if (!*more) {
        done_ = true;
      }
    }
    std::size_t n = std::min(size, buffer_.size() - pos_);
    std::memcpy(out, buffer_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::size_t position(const std::string& c) const {
    auto it = positions_.find(c);
    return it == positions_.end() ? std::string_view::npos : it->second;
  }
  std::string_view field(std::size_t column) const {
    return column < row_.fields.size() ? row_.fields[column] : std::string_view();
  }

  Result<bool> nextRow() {
    for (;;) {
      auto got = reader_->next(row_);
      if (!got) {
        return got.error();
      }
      if (!*got) {
        if (digest_ != st_->usersDigest || rows_ != st_->usersRows) {
          return Error{"ONEROSTER",
                       "users.csv changed while it was read (checked, then read again); nothing "
                       "was imported: run the import again once the SIS has finished writing",
                       st_->bundle};
        }
        return false;
      }
      digest_ = rowDigest(digest_, row_);
      ++rows_;
      std::string_view role = field(columns_[5]);
      if (field(columns_[1]) == "tobedeleted") {
        RemovedRow d;
        d.line = row_.line;
        derive(scratch_, true);
        d.fields = split(scratch_);
        deleted_->push_back(std::move(d));
        continue;
      }
      if (!isPatronRole(role)) {
        continue;
      }
      while (line_ < row_.line) {
        buffer_.push_back('\n');
        ++line_;
      }
      std::size_t before = buffer_.size();
      derive(buffer_, false);
      line_ += 1 + std::count(buffer_.begin() + static_cast<std::ptrdiff_t>(before),
                              buffer_.end() - 1, '\n');
      return true;
    }
  }

  // Appends the row (user columns, extension columns, derived columns) and a line break.
  void derive(std::string& out, bool fresh) {
    if (fresh) {
      out.clear();
    }
    std::size_t n = 0;
    auto put = [&](std::string_view v, bool oneLine) {
      if (n++ > 0) {
        out.push_back(',');
      }
      appendCsv(out, v, oneLine);
    };
    for (std::size_t c : columns_) {
      put(field(c), false);
    }
    std::uint64_t user = idHash(st_->seed, field(columns_[0]));
    std::string_view role = field(columns_[5]);
    auto grades = items(field(columns_[16]));
    put(grades.empty() ? std::string_view() : grades.front(), true);
    put(field(columns_[5]).empty() ? std::string_view() : personaOf(role), true);
    // The user's school: the first org of type school, else the first org.
    const Org* org = nullptr;
    for (auto o : items(field(columns_[4]))) {
      auto it = st_->orgs.find(idHash(st_->seed, o));
      if (it == st_->orgs.end()) {
        continue;
      }
      if (!org) {
        org = &it->second;
      }
      if (it->second.type == "school") {
        org = &it->second;
        break;
      }
    }
    for (const std::string* v : {org ? &org->sourcedId : nullptr, org ? &org->identifier : nullptr,
                                 org ? &org->name : nullptr, org ? &org->type : nullptr}) {
      put(v ? std::string_view(*v) : std::string_view(), true);
    }
    const std::uint32_t* hr =
        (role == "student" ? st_->studentHomeroom : st_->teacherHomeroom).find(user);
    const ClassInfo* cls = hr ? &st_->homerooms[*hr] : nullptr;
    put(cls ? cls->sourcedId : "", true);
    put(cls ? cls->title : "", true);
    put(cls ? cls->classCode : "", true);
    put(cls ? cls->location : "", true);
    const Staff* teacher = nullptr;
    if (cls && cls->teacher != 0) {
      auto it = st_->staff.find(cls->teacher);
      teacher = it == st_->staff.end() ? nullptr : &it->second;
    }
    put(teacher ? teacher->sourcedId : "", true);
    put(teacher ? teacher->identifier : "", true);
    put(teacher ? teacher->email : "", true);
    put(teacher ? teacher->givenName : "", true);
    put(teacher ? teacher->familyName : "", true);
    std::string name;
    if (teacher) {
      name = teacher->givenName;
      name += name.empty() || teacher->familyName.empty() ? "" : " ";
      name += teacher->familyName;
    }
    put(name, true);
    const Demographic* d = st_->demographics.find(user);
    put(d && d->birthDate[0] ? std::string_view(d->birthDate.data(), 10) : "", true);
    put(!d || d->sex == 0 ? "" : d->sex == 1 ? "male" : "female", true);
    out.push_back('\n');
  }

  // One row of ours back into its fields (a deleted user's row).
  static std::vector<std::string> split(const std::string& row) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i + 1 < row.size() || (i < row.size() && row[i] != '\n'); ++i) {
      char ch = row[i];
      if (quoted) {
        if (ch == '"' && i + 1 < row.size() && row[i + 1] == '"') {
          fields.back().push_back('"');
          ++i;
        } else if (ch == '"') {
          quoted = false;
        } else {
          fields.back().push_back(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        fields.emplace_back();
      } else {
        fields.back().push_back(ch);
      }
    }
    return fields;
  }

  BundleFiles& files_;
  std::shared_ptr<const State> st_;
  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<CsvReader> reader_;
  std::unordered_map<std::string, std::size_t> positions_;
  std::vector<std::size_t> columns_;  // users.csv position of each user and extension column
  CsvRow row_;
  std::string buffer_, scratch_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 1;
  bool done_ = false;
  std::shared_ptr<std::vector<RemovedRow>> deleted_;
  std::uint64_t digest_ = 0;
  std::int64_t rows_ = 0;
};

}  // namespace

const std::vector<std::string>& derivedColumns() {
  return kDerived;
}
const std::vector<std::string>& userColumns() {
  return kUserColumns;
}
bool isColumn(std::string_view column) {
  return column.rfind("metadata.", 0) == 0 ||
         std::find(kUserColumns.begin(), kUserColumns.end(), column) != kUserColumns.end() ||
         std::find(kDerived.begin(), kDerived.end(), column) != kDerived.end();
}

Result<Bundle> readBundle(BundleFiles& files, const ReadOptions& options) {
  auto st = std::make_shared<State>();
  st->bundle = files.describe();
  st->seed = options.seed;
  Problems problems(options.maxProblems);
  checkBundle(files, *st, problems, options.today);
  if (problems.count() > 0) {
    return problems.error(st->bundle);
  }
  Bundle out;
  out.delta = st->delta;
  out.type = st->delta ? UpdateType::kIncremental : UpdateType::kFull;
  // What the bundle does not send in full, an empty value does not clear.
  auto bulk = [&](const char* file) { return st->manifest.mode(file) == "bulk"; };
  if (!bulk("orgs.csv")) {
    out.partialColumns.emplace_back("org.");
  }
  if (!bulk("classes.csv") || !bulk("enrollments.csv")) {
    out.partialColumns.emplace_back("homeroom.");
  }
  if (!bulk("demographics.csv")) {
    out.partialColumns.emplace_back("demographics.");
  }
  if (st->unknownClass > 0) {
    out.notes.push_back(
        {Severity::kWarning, 0, "", "ONEROSTER_UNKNOWN_CLASS",
         std::to_string(st->unknownClass) +
             " enrollments in this delta name classes it does not send in classes.csv; whether "
             "they are homerooms is not known, so those homerooms change at the next bulk "
             "bundle"});
  }
  if (st->enrollmentOnly > 0) {
    out.notes.push_back(
        {Severity::kWarning, 0, "", "ONEROSTER_ENROLLMENT_ONLY",
         std::to_string(st->enrollmentOnly) +
             " homeroom enrollments in this delta bundle are of users it does not send in "
             "users.csv; their homeroom changes when the SIS sends the user, or at the next bulk "
             "bundle"});
  }
  out.toBeDeleted = std::make_shared<std::vector<RemovedRow>>();
  auto rows = std::make_unique<PatronRows>(files, st);
  if (auto r = rows->start(out.toBeDeleted); !r) {
    return r.error();
  }
  out.rows = std::move(rows);
  return out;
}

}  // namespace patrond::oneroster
