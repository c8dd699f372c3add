// Barcode conflicts between the file's rows and stored patrons (engine/import_runner.h).
#include <algorithm>

#include "engine/import_runner.h"
#include "engine/text.h"

namespace patrond::importing {

// The barcode index, built on first need from the stored barcodes' hashes: a run that only
// meets unchanged barcodes never pays for it. Barcodes are told apart by 64-bit hash; a
// collision could only report a false conflict, never merge two patrons (the database's
// unique index is the last word).
KeyIndex& ImportRunner::barcodes() {
  if (!barcodesBuilt_) {
    barcodesBuilt_ = true;
    byBarcode_.reserve(std::max(existing_.size() + newLines_.size(), expectedRows_) + 1024);
    for (std::size_t i = 0; i < existing_.size(); ++i) {
      if (existing_[i].barcodeHash != 0) {
        byBarcode_.stage(hashKey(existing_[i].barcodeHash), static_cast<std::uint32_t>(i));
      }
    }
    byBarcode_.build();
  }
  return byBarcode_;
}

void ImportRunner::conflictMessage(const MappedRow& row, const std::string& barcode,
                                   const std::string& holder) {
  out_.messages.push_back({Severity::kError, row.line, row.key(keyField_), "BARCODE_CONFLICT",
                           "barcode '" + barcode + "' belongs to " + holder + "; row skipped"});
  ++out_.run.counts.skipped;
}

// The patron the barcode index names, read by its id: a search by value would take a
// patron whose district id equals the barcode for the holder.
std::string ImportRunner::holderName(const Existing& holder) {
  std::string key;
  (void)store().readFields({holder.id}, {keyField_},
                           [&](std::int64_t, std::vector<std::string>&& values) {
                             key = values.empty() ? "" : values[0];
                           });
  return "patron " + (key.empty() ? "#" + std::to_string(holder.id) : key) +
         (holder.status == PatronStatus::kInactive ? " (inactive)" : "");
}

// Resolves a barcode conflict; false when the row must be skipped. `self` is the stored
// patron the row updates, or kMissing for a new one.
Result<bool> ImportRunner::claimBarcode(const MappedRow& row, std::uint32_t self) {
  const std::string& barcode = row.key(PatronField::kBarcode);
  if (barcode.empty()) {
    return true;
  }
  std::uint64_t bh = hashBytes(barcode);
  if (self != kMissing && existing_[self].barcodeHash == bh) {
    return true;  // the patron keeps its own barcode
  }
  std::uint32_t v = barcodes().find(hashKey(bh));
  if (v == kMissing || v == self) {
    return true;
  }
  if (v & kNewRow) {
    conflictMessage(row, barcode,
                    "the new patron on line " + std::to_string(newLines_[v & ~kNewRow]));
    return false;
  }
  Existing& holder = existing_[v];
  if (job_.mapping.onBarcodeConflict == BarcodeConflict::kTakeFromInactive &&
      holder.status == PatronStatus::kInactive) {
    std::string who = holderName(holder);
    if (auto r = writer_.settle(); !r) {
      return r.error();
    }
    if (auto r = store().clearBarcode(holder.id); !r) {
      return r.error();
    }
    out_.messages.push_back({Severity::kWarning, row.line, row.key(keyField_), "BARCODE_TAKEN",
                             "barcode '" + barcode + "' taken from " + who});
    holder.barcodeHash = 0;
    byBarcode_.erase(hashKey(bh));
    return true;
  }
  conflictMessage(row, barcode, holderName(holder));
  return false;
}

// A stored patron's row (existing_[v]) that claimed its barcode: the barcode is its own from
// here. The old one stays claimed by this patron for the rest of the run: it is only free in
// the database once this row is written.
void ImportRunner::keepBarcode(const MappedRow& row, std::uint32_t v) {
  Existing& e = existing_[v];
  const std::string& barcode = row.key(PatronField::kBarcode);
  std::uint64_t bh = barcode.empty() ? 0 : hashBytes(barcode);
  if (bh != e.barcodeHash) {
    if (bh != 0) {
      barcodes().set(hashKey(bh), v);
    }
    e.barcodeHash = bh;
  }
}

}  // namespace patrond::importing
