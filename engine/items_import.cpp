#include "engine/items_import.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "engine/circulation.h"
#include "engine/csv_reader.h"
#include "engine/text.h"

namespace patrond {

namespace {

enum Col { kBarcode, kTitle, kIsbn, kSite, kPurchase, kReplacement, kCondition, kTextbook, kCols };
constexpr std::array<const char*, kCols> kColumnNames{
    "copy_barcode",      "title",     "isbn",    "site", "purchase_price",
    "replacement_price", "condition", "textbook"};
// MySQL's indexed text columns hold 255 characters.
constexpr size_t kMaxText = 255;

std::string titleKey(const std::string& isbn, const std::string& title) {
  return isbn.empty() ? "t:" + title : "i:" + isbn;
}

}  // namespace

std::optional<bool> parseTextbookFlag(std::string_view s) {
  std::string v = toLower(trim(s));
  if (v.empty() || v == "true" || v == "yes" || v == "y" || v == "1" || v == "t") {
    return true;
  }
  if (v == "false" || v == "no" || v == "n" || v == "0" || v == "f") {
    return false;
  }
  return std::nullopt;
}

Result<ItemsImportOutcome> importItems(ByteSource& source, CirculationStore& store,
                                       const Config& config, const CivilTime& now,
                                       const ItemsImportOptions& options) {
  ItemsImportOutcome out;
  CsvReader reader(source, options.delimiter);
  CsvRow row;
  auto first = reader.next(row);
  if (!first) {
    return first.error();
  }
  if (!*first) {
    return Error{"EMPTY_FILE",
                 "the file is empty: expected the header " +
                     [] {
                       std::string h;
                       for (const char* c : kColumnNames) {
                         h += (h.empty() ? "" : ",") + std::string(c);
                       }
                       return h;
                     }(),
                 "line 1"};
  }
  std::array<int, kCols> pos;
  pos.fill(-1);
  for (size_t i = 0; i < row.fields.size(); ++i) {
    std::string h = toLower(trim(row.fields[i]));  // the reader has skipped any BOM
    for (int c = 0; c < kCols; ++c) {
      if (h == kColumnNames[static_cast<size_t>(c)]) {
        pos[static_cast<size_t>(c)] = static_cast<int>(i);
      }
    }
  }
  std::string missing;
  for (int c : {kBarcode, kTitle}) {
    if (pos[static_cast<size_t>(c)] < 0) {
      missing +=
          (missing.empty() ? "'" : ", '") + std::string(kColumnNames[static_cast<size_t>(c)]) + "'";
    }
  }
  if (!missing.empty()) {
    return Error{"MISSING_COLUMN", "the header has no column " + missing + "; nothing was imported",
                 "line " + std::to_string(row.line)};
  }
  const size_t columns = row.fields.size();
  const std::string headerLine = "line " + std::to_string(row.line);

  // What is stored now.
  std::unordered_map<std::string, Title> titles;  // by titleKey
  std::unordered_map<std::int64_t, std::string> titleKeyById;
  if (auto r = store.forEachTitle([&](Title&& t) {
        std::string k = titleKey(t.isbn, t.title);
        titleKeyById[t.id] = k;
        titles.emplace(k, std::move(t));
      });
      !r) {
    return r.error();
  }
  std::unordered_map<std::string, Copy> copies;
  if (auto r = store.forEachCopy([&](Copy&& c) { copies.emplace(c.barcode, std::move(c)); }); !r) {
    return r.error();
  }

  std::vector<Title> newTitles;  // ids assigned at insert; referenced by index until then
  std::unordered_map<std::string, size_t> newTitleIndex;
  std::unordered_set<std::string> changedTitles;
  struct PendingCopy {
    Copy copy;
    std::string titleKey;
    bool isNew = false;
  };
  std::vector<PendingCopy> pending;
  std::unordered_set<std::string> seenBarcodes;
  const std::string nowIso = formatIso(now);
  const std::string best = config.conditions.empty() ? "new" : config.conditions.front().name;

  while (true) {
    auto more = reader.next(row);
    if (!more) {
      return more.error();
    }
    if (!*more) {
      break;
    }
    ++out.read;
    auto cell = [&](Col c) -> std::string {
      int p = pos[static_cast<size_t>(c)];
      return p < 0 || static_cast<size_t>(p) >= row.fields.size()
                 ? std::string()
                 : std::string(trim(row.fields[static_cast<size_t>(p)]));
    };
    std::string key = row.badEncoding ? std::string() : utf8Truncate(cell(kBarcode), 64);
    auto reject = [&](const std::string& code, const std::string& text) {
      out.messages.push_back({Severity::kError, row.line, key, code, text});
      ++out.skipped;
    };
    if (auto problem = rowShapeProblem(row, columns)) {
      reject(problem->code, problem->text);
      continue;
    }
    std::string barcode = cell(kBarcode);
    std::string title = cell(kTitle);
    if (barcode.empty()) {
      reject("MISSING_REQUIRED", "copy_barcode is empty");
      continue;
    }
    if (title.empty()) {
      reject("MISSING_REQUIRED", "title is empty");
      continue;
    }
    if (barcode.size() > kMaxText) {
      reject("TOO_LONG", "copy_barcode is longer than 255 characters");
      continue;
    }
    if (!seenBarcodes.insert(barcode).second) {
      reject("DUPLICATE_KEY", "copy_barcode '" + barcode + "' appears earlier in the file");
      continue;
    }
    std::string site = cell(kSite);
    if (!site.empty() && !config.findSite(site)) {
      reject("UNKNOWN_SITE", "site " + quoteValue(site) + " is not configured");
      continue;
    }
    std::int64_t purchase = 0;
    if (std::string v = cell(kPurchase); !v.empty()) {
      auto c = parseCents(v);
      if (!c || *c < 0) {
        reject("BAD_MONEY", "purchase_price " + quoteValue(v) + " is not an amount like 45.00");
        continue;
      }
      purchase = *c;
    }
    std::optional<std::int64_t> replacement;
    if (std::string v = cell(kReplacement); !v.empty()) {
      auto c = parseCents(v);
      if (!c || *c < 0) {
        reject("BAD_MONEY", "replacement_price " + quoteValue(v) + " is not an amount like 45.00");
        continue;
      }
      replacement = *c;
    }
    std::string condition = toLower(cell(kCondition));
    if (!condition.empty() && !findCondition(config.conditions, condition)) {
      reject("UNKNOWN_CONDITION",
             "condition " + quoteValue(condition) +
                 " is not configured (configured: " + conditionNames(config.conditions) + ")");
      continue;
    }
    std::string flag = cell(kTextbook);
    auto textbook = parseTextbookFlag(flag);
    if (!textbook) {
      reject("BAD_VALUE", "textbook " + quoteValue(flag) + " is not yes/no (true/false, 1/0)");
      continue;
    }
    if (utf8Length(title) > kMaxText) {
      title = utf8Truncate(title, kMaxText);
      out.messages.push_back(
          {Severity::kWarning, row.line, key, "TRUNCATED", "title cut to 255 characters"});
    }
    std::string isbn = cell(kIsbn);
    if (isbn.size() > kMaxText) {
      reject("TOO_LONG", "isbn is longer than 255 characters");
      continue;
    }

    // The title: by ISBN, else by its exact name among titles without one.
    std::string tk = titleKey(isbn, title);
    Title* t = nullptr;
    if (auto it = titles.find(tk); it != titles.end()) {
      t = &it->second;
    } else if (auto nt = newTitleIndex.find(tk); nt != newTitleIndex.end()) {
      t = &newTitles[nt->second];
    } else {
      newTitleIndex.emplace(tk, newTitles.size());
      newTitles.push_back(Title{0, title, isbn, replacement});
      t = &newTitles.back();
    }
    if (t->id != 0) {
      bool changed = false;
      if (t->title != title) {  // matched by ISBN: the file's name wins
        t->title = title;
        changed = true;
      }
      if (replacement && t->replacementCents != replacement) {
        t->replacementCents = replacement;
        changed = true;
      }
      if (changed) {
        changedTitles.insert(tk);
      }
    } else if (replacement) {
      t->replacementCents = replacement;
    }

    PendingCopy pc;
    pc.titleKey = tk;
    auto existing = copies.find(barcode);
    if (existing == copies.end()) {
      pc.isNew = true;
      pc.copy.barcode = barcode;
      pc.copy.condition = condition.empty() ? best : condition;
    } else {
      pc.copy = existing->second;
      if (!condition.empty() && condition != pc.copy.condition) {
        pc.copy.condition = condition;
        pc.copy.conditionCirculations = 0;
      }
    }
    pc.copy.site = site;
    pc.copy.purchaseCents = purchase;
    pc.copy.textbook = *textbook;
    pending.push_back(std::move(pc));
  }
  if (out.read == 0) {
    // Like a patron file: a header and nothing else is a truncated export, not "no copies".
    return Error{"EMPTY_FILE", "the file has a header line but no rows; nothing was imported",
                 headerLine};
  }

  // Values depend on the title's final replacement price: computed once every row is read.
  auto titleFor = [&](const std::string& tk) -> const Title& {
    if (auto it = titles.find(tk); it != titles.end()) {
      return it->second;
    }
    return newTitles[newTitleIndex.at(tk)];
  };
  if (!options.dryRun) {
    if (auto r = store.begin(); !r) {
      return r.error();
    }
  }
  auto fail = [&](const Error& e) -> Result<ItemsImportOutcome> {
    if (!options.dryRun) {
      (void)store.rollback();
    }
    return e;
  };
  if (!newTitles.empty() && !options.dryRun) {
    if (auto r = store.insertTitles(newTitles); !r) {
      return fail(r.error());
    }
  }
  out.titlesAdded = static_cast<std::int64_t>(newTitles.size());
  std::vector<Title> titleUpdates;
  for (const auto& k : changedTitles) {
    titleUpdates.push_back(titles.at(k));
  }
  std::vector<Copy> inserts, updates;
  for (auto& pc : pending) {
    const Title& t = titleFor(pc.titleKey);
    Copy c = pc.copy;
    c.titleId = t.id;
    c.title = t.title;
    c.replacementCents = t.replacementCents;
    c.valueCents = copyValue(config.conditions, c.condition, c.purchaseCents, t.replacementCents);
    if (pc.isNew) {
      c.updatedAt = nowIso;
      inserts.push_back(std::move(c));
      ++out.added;
      continue;
    }
    const Copy& old = copies.at(c.barcode);
    bool same = old.titleId == c.titleId && old.site == c.site &&
                old.purchaseCents == c.purchaseCents && old.condition == c.condition &&
                old.valueCents == c.valueCents && old.textbook == c.textbook &&
                old.conditionCirculations == c.conditionCirculations;
    if (same) {
      ++out.unchanged;
    } else {
      c.updatedAt = nowIso;
      updates.push_back(std::move(c));
      ++out.updated;
    }
  }
  if (options.dryRun) {
    return out;
  }
  if (!titleUpdates.empty()) {
    if (auto r = store.updateTitles(titleUpdates); !r) {
      return fail(r.error());
    }
  }
  if (!inserts.empty()) {
    if (auto r = store.insertCopies(inserts); !r) {
      return fail(r.error());
    }
  }
  if (!updates.empty()) {
    if (auto r = store.updateCopies(updates); !r) {
      return fail(r.error());
    }
  }
  if (auto r = store.commit(); !r) {
    return fail(r.error());
  }
  return out;
}

}  // namespace patrond
