#include "engine/items_import.h"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "engine/circulation.h"
#include "engine/csv_reader.h"
#include "engine/scoped_transaction.h"
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

namespace {

std::string expectedHeader() {
  std::string h;
  for (const char* c : kColumnNames) {
    h += (h.empty() ? "" : ",") + std::string(c);
  }
  return h;
}

// One row's values, checked.
struct CopyRow {
  std::string barcode, title, isbn, site, condition;
  std::int64_t purchase = 0;
  std::optional<std::int64_t> replacement;
  bool textbook = true;
};

struct PendingCopy {
  Copy copy;
  std::string titleKey;
  bool isNew = false;
};

// One `items import` run: the header, what is stored, each row checked and matched to its
// title and copy, then the titles and copies written in one transaction.
class ItemsImport {
 public:
  ItemsImport(ByteSource& source, CirculationStore& store, const Config& config,
              const CivilTime& now, const ItemsImportOptions& options)
      : reader_(source, options.delimiter),
        store_(store),
        config_(config),
        options_(options),
        nowIso_(formatIso(now)),
        best_(config.conditions.empty() ? "new" : config.conditions.front().name) {}

  Result<ItemsImportOutcome> run() {
    if (auto r = readHeader(); !r) {
      return r.error();
    }
    if (auto r = loadStored(); !r) {
      return r.error();
    }
    while (true) {
      auto more = reader_.next(row_);
      if (!more) {
        return more.error();
      }
      if (!*more) {
        break;
      }
      ++out_.read;
      if (auto checked = checkRow()) {
        match(*checked);
      }
    }
    if (out_.read == 0) {
      // Like a patron file: a header and nothing else is a truncated export, not "no copies".
      return Error{"EMPTY_FILE", "the file has a header line but no rows; nothing was imported",
                   headerLine_};
    }
    return write();
  }

 private:
  Result<void> readHeader() {
    auto first = reader_.next(row_);
    if (!first) {
      return first.error();
    }
    if (!*first) {
      return Error{"EMPTY_FILE", "the file is empty: expected the header " + expectedHeader(),
                   "line 1"};
    }
    pos_.fill(-1);
    for (size_t i = 0; i < row_.fields.size(); ++i) {
      std::string h = toLower(trim(row_.fields[i]));  // the reader has skipped any BOM
      for (int c = 0; c < kCols; ++c) {
        if (h == kColumnNames[static_cast<size_t>(c)]) {
          pos_[static_cast<size_t>(c)] = static_cast<int>(i);
        }
      }
    }
    std::string missing;
    for (int c : {kBarcode, kTitle}) {
      if (pos_[static_cast<size_t>(c)] < 0) {
        missing += (missing.empty() ? "'" : ", '") +
                   std::string(kColumnNames[static_cast<size_t>(c)]) + "'";
      }
    }
    headerLine_ = "line " + std::to_string(row_.line);
    if (!missing.empty()) {
      return Error{"MISSING_COLUMN",
                   "the header has no column " + missing + "; nothing was imported", headerLine_};
    }
    columns_ = row_.fields.size();
    return {};
  }

  Result<void> loadStored() {
    if (auto r = store_.forEachTitle([&](Title&& t) {
          std::string k = titleKey(t.isbn, t.title);
          titles_.emplace(k, std::move(t));
        });
        !r) {
      return r.error();
    }
    return store_.forEachCopy([&](Copy&& c) { copies_.emplace(c.barcode, std::move(c)); });
  }

  std::string cell(Col c) const {
    int p = pos_[static_cast<size_t>(c)];
    return p < 0 || static_cast<size_t>(p) >= row_.fields.size()
               ? std::string()
               : std::string(trim(row_.fields[static_cast<size_t>(p)]));
  }

  void reject(const std::string& code, const std::string& text) {
    out_.messages.push_back({Severity::kError, row_.line, key_, code, text});
    ++out_.skipped;
  }

  // Empty when the row is refused (its message recorded).
  std::optional<std::int64_t> money(Col c, const char* name, bool& bad) {
    std::string v = cell(c);
    if (v.empty()) {
      return std::nullopt;
    }
    auto cents = parseCents(v);
    if (!cents || *cents < 0) {
      reject("BAD_MONEY", std::string(name) + " " + quoteValue(v) + " is not an amount like 45.00");
      bad = true;
      return std::nullopt;
    }
    return cents;
  }

  std::optional<CopyRow> checkRow() {
    key_ = row_.badEncoding ? std::string() : utf8Truncate(cell(kBarcode), 64);
    if (auto problem = rowShapeProblem(row_, columns_)) {
      reject(problem->code, problem->text);
      return std::nullopt;
    }
    CopyRow r;
    r.barcode = cell(kBarcode);
    r.title = cell(kTitle);
    if (r.barcode.empty() || r.title.empty()) {
      reject("MISSING_REQUIRED", r.barcode.empty() ? "copy_barcode is empty" : "title is empty");
      return std::nullopt;
    }
    if (r.barcode.size() > kMaxText) {
      reject("TOO_LONG", "copy_barcode is longer than 255 characters");
      return std::nullopt;
    }
    if (!seenBarcodes_.insert(r.barcode).second) {
      reject("DUPLICATE_KEY", "copy_barcode '" + r.barcode + "' appears earlier in the file");
      return std::nullopt;
    }
    r.site = cell(kSite);
    if (!r.site.empty() && !config_.findSite(r.site)) {
      reject("UNKNOWN_SITE", "site " + quoteValue(r.site) + " is not configured");
      return std::nullopt;
    }
    bool bad = false;
    r.purchase = money(kPurchase, "purchase_price", bad).value_or(0);
    if (!bad) {
      r.replacement = money(kReplacement, "replacement_price", bad);
    }
    if (bad) {
      return std::nullopt;
    }
    r.condition = toLower(cell(kCondition));
    if (!r.condition.empty() && !findCondition(config_.conditions, r.condition)) {
      reject("UNKNOWN_CONDITION",
             "condition " + quoteValue(r.condition) +
                 " is not configured (configured: " + conditionNames(config_.conditions) + ")");
      return std::nullopt;
    }
    std::string flag = cell(kTextbook);
    auto textbook = parseTextbookFlag(flag);
    if (!textbook) {
      reject("BAD_VALUE", "textbook " + quoteValue(flag) + " is not yes/no (true/false, 1/0)");
      return std::nullopt;
    }
    r.textbook = *textbook;
    if (utf8Length(r.title) > kMaxText) {
      r.title = utf8Truncate(r.title, kMaxText);
      out_.messages.push_back(
          {Severity::kWarning, row_.line, key_, "TRUNCATED", "title cut to 255 characters"});
    }
    r.isbn = cell(kIsbn);
    if (r.isbn.size() > kMaxText) {
      reject("TOO_LONG", "isbn is longer than 255 characters");
      return std::nullopt;
    }
    return r;
  }

  // The title: by ISBN, else by its exact name among titles without one.
  std::string matchTitle(const CopyRow& r) {
    std::string tk = titleKey(r.isbn, r.title);
    Title* t = nullptr;
    if (auto it = titles_.find(tk); it != titles_.end()) {
      t = &it->second;
    } else if (auto nt = newTitleIndex_.find(tk); nt != newTitleIndex_.end()) {
      t = &newTitles_[nt->second];
    } else {
      newTitleIndex_.emplace(tk, newTitles_.size());
      newTitles_.push_back(Title{0, r.title, r.isbn, r.replacement});
      t = &newTitles_.back();
    }
    if (t->id != 0) {
      bool changed = false;
      if (t->title != r.title) {  // matched by ISBN: the file's name wins
        t->title = r.title;
        changed = true;
      }
      if (r.replacement && t->replacementCents != r.replacement) {
        t->replacementCents = r.replacement;
        changed = true;
      }
      if (changed) {
        changedTitles_.insert(tk);
      }
    } else if (r.replacement) {
      t->replacementCents = r.replacement;
    }
    return tk;
  }

  void match(const CopyRow& r) {
    PendingCopy pc;
    pc.titleKey = matchTitle(r);
    auto existing = copies_.find(r.barcode);
    if (existing == copies_.end()) {
      pc.isNew = true;
      pc.copy.barcode = r.barcode;
      pc.copy.condition = r.condition.empty() ? best_ : r.condition;
    } else {
      pc.copy = existing->second;
      if (!r.condition.empty() && r.condition != pc.copy.condition) {
        pc.copy.condition = r.condition;
        pc.copy.conditionCirculations = 0;
      }
    }
    pc.copy.site = r.site;
    pc.copy.purchaseCents = r.purchase;
    pc.copy.textbook = r.textbook;
    pending_.push_back(std::move(pc));
  }

  const Title& titleFor(const std::string& tk) const {
    if (auto it = titles_.find(tk); it != titles_.end()) {
      return it->second;
    }
    return newTitles_[newTitleIndex_.at(tk)];
  }

  // Values depend on the title's final replacement price: computed once every row is read,
  // after the new titles have their ids.
  void planCopies(std::vector<Copy>& inserts, std::vector<Copy>& updates) {
    for (auto& pc : pending_) {
      const Title& t = titleFor(pc.titleKey);
      Copy c = pc.copy;
      c.titleId = t.id;
      c.title = t.title;
      c.replacementCents = t.replacementCents;
      c.valueCents =
          copyValue(config_.conditions, c.condition, c.purchaseCents, t.replacementCents);
      if (pc.isNew) {
        c.updatedAt = nowIso_;
        inserts.push_back(std::move(c));
        ++out_.added;
        continue;
      }
      const Copy& old = copies_.at(c.barcode);
      bool same = old.titleId == c.titleId && old.site == c.site &&
                  old.purchaseCents == c.purchaseCents && old.condition == c.condition &&
                  old.valueCents == c.valueCents && old.textbook == c.textbook &&
                  old.conditionCirculations == c.conditionCirculations;
      if (same) {
        ++out_.unchanged;
      } else {
        c.updatedAt = nowIso_;
        updates.push_back(std::move(c));
        ++out_.updated;
      }
    }
  }

  Result<ItemsImportOutcome> write() {
    const bool dry = options_.dryRun;
    std::optional<ScopedTransaction> tx;  // none in a dry run; rolled back unless committed
    if (!dry) {
      auto begun = ScopedTransaction::begin(store_);
      if (!begun) {
        return begun.error();
      }
      tx.emplace(std::move(*begun));
    }
    auto fail = [](const Error& e) -> Result<ItemsImportOutcome> { return e; };
    if (!newTitles_.empty() && !dry) {
      if (auto r = store_.insertTitles(newTitles_); !r) {
        return fail(r.error());
      }
    }
    out_.titlesAdded = static_cast<std::int64_t>(newTitles_.size());
    std::vector<Title> titleUpdates;
    for (const auto& k : changedTitles_) {
      titleUpdates.push_back(titles_.at(k));
    }
    std::vector<Copy> inserts, updates;
    planCopies(inserts, updates);
    if (dry) {
      return out_;
    }
    Result<void> r;
    if (!titleUpdates.empty() && !(r = store_.updateTitles(titleUpdates))) {
      return fail(r.error());
    }
    if (!inserts.empty() && !(r = store_.insertCopies(inserts))) {
      return fail(r.error());
    }
    if (!updates.empty() && !(r = store_.updateCopies(updates))) {
      return fail(r.error());
    }
    if (!(r = tx->commit())) {
      return fail(r.error());
    }
    return out_;
  }

  CsvReader reader_;
  CirculationStore& store_;
  const Config& config_;
  const ItemsImportOptions& options_;
  const std::string nowIso_;
  const std::string best_;  // a new copy's condition when the file gives none
  ItemsImportOutcome out_;
  CsvRow row_;
  std::array<int, kCols> pos_{};
  size_t columns_ = 0;
  std::string headerLine_;
  std::string key_;                                // the current row's barcode, for its messages
  std::unordered_map<std::string, Title> titles_;  // stored, by titleKey
  std::unordered_map<std::string, Copy> copies_;   // stored, by barcode
  std::vector<Title> newTitles_;  // ids assigned at insert; referenced by index until then
  std::unordered_map<std::string, size_t> newTitleIndex_;
  std::unordered_set<std::string> changedTitles_;
  std::vector<PendingCopy> pending_;
  std::unordered_set<std::string> seenBarcodes_;
};

}  // namespace

Result<ItemsImportOutcome> importItems(ByteSource& source, CirculationStore& store,
                                       const Config& config, const CivilTime& now,
                                       const ItemsImportOptions& options) {
  return ItemsImport(source, store, config, now, options).run();
}

}  // namespace patrond
