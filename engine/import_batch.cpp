#include "engine/import_batch.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>

namespace patrond::importing {
namespace {

// The batch's new and changed passwords, hashed on every core (a slow hash is the whole cost
// of a first import with passwords).
Result<void> hashPasswords(Batch& b, PasswordHasher& hasher, unsigned hashThreads) {
  std::vector<PendingPassword>& todo = b.passwords;
  auto slot = [&b](const PendingPassword& pw) -> std::string& {
    auto& list = pw.list == kInserts   ? b.inserts
                 : pw.list == kUpdates ? b.updates
                                       : b.reactivations;
    return list[pw.index].get(PatronField::kPassword);
  };
  unsigned threads =
      hashThreads != 0 ? hashThreads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, todo.size()));
  std::atomic<std::size_t> next{0};
  std::mutex failureMutex;
  std::string failure;
  auto work = [&] {
    for (std::size_t i = next++; i < todo.size(); i = next++) {
      try {
        slot(todo[i]) = hasher.hash(todo[i].clear);
      } catch (const std::exception& e) {
        std::lock_guard lock(failureMutex);
        if (failure.empty()) {
          failure = e.what();
        }
        next = todo.size();
      }
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads: those started share the work
    }
  }
  work();
  for (auto& t : helpers) {
    t.join();
  }
  if (!failure.empty()) {
    return Error{"CRYPTO", "hashing a password: " + failure, ""};
  }
  return {};
}

// `keepWhenEmpty` fields (ImportRequest) a row leaves empty keep their stored value.
Result<void> applyKeepWhenEmpty(ImportTarget& store, const std::vector<PatronField>& fields,
                                std::vector<Patron>& patrons) {
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, Patron*> byId;
  for (auto& p : patrons) {
    if (std::any_of(fields.begin(), fields.end(),
                    [&](PatronField f) { return p.get(f).empty(); })) {
      ids.push_back(p.id);
      byId[p.id] = &p;
    }
  }
  if (ids.empty()) {
    return {};
  }
  return store.readFields(ids, fields, [&](std::int64_t id, std::vector<std::string>&& stored) {
    auto it = byId.find(id);
    for (std::size_t i = 0; it != byId.end() && i < fields.size() && i < stored.size(); ++i) {
      if (it->second->get(fields[i]).empty()) {
        it->second->get(fields[i]) = std::move(stored[i]);
      }
    }
  });
}

// `preserve` fields keep a stored value that is not empty (hand edits survive).
Result<void> applyPreserve(ImportTarget& store, const std::vector<PatronField>& fields,
                           std::vector<Patron>& patrons) {
  if (fields.empty() || patrons.empty()) {
    return {};
  }
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, Patron*> byId;
  for (auto& p : patrons) {
    ids.push_back(p.id);
    byId[p.id] = &p;
  }
  return store.readFields(ids, fields, [&](std::int64_t id, std::vector<std::string>&& stored) {
    auto it = byId.find(id);
    if (it == byId.end()) {
      return;
    }
    for (std::size_t i = 0; i < fields.size() && i < stored.size(); ++i) {
      if (!stored[i].empty()) {
        it->second->get(fields[i]) = std::move(stored[i]);
      }
    }
  });
}

// A homeroom pinned by hand (SPEC section 11) stays as stored, with its teacher columns:
// the store keeps them whatever is written, and the summary's changed fields must not
// claim the SIS's value was written.
Result<void> keepPinnedHomerooms(ImportTarget& store, std::vector<Patron>& patrons) {
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, Patron*> byId;
  for (auto& p : patrons) {
    if (p.homeroomPinned) {
      ids.push_back(p.id);
      byId[p.id] = &p;
    }
  }
  static const std::vector<PatronField> kKept{PatronField::kHomeroom,
                                              PatronField::kHomeroomTeacherEmail,
                                              PatronField::kHomeroomTeacherName};
  return store.readFields(ids, kKept, [&](std::int64_t id, std::vector<std::string>&& stored) {
    auto it = byId.find(id);
    for (std::size_t i = 0; it != byId.end() && i < kKept.size() && i < stored.size(); ++i) {
      it->second->get(kKept[i]) = std::move(stored[i]);
    }
  });
}

std::vector<PatronField> writtenButPassword(const RowMapper& mapper) {
  std::vector<PatronField> fields = mapper.writtenFields();
  fields.erase(std::remove(fields.begin(), fields.end(), PatronField::kPassword), fields.end());
  return fields;
}

}  // namespace

Result<void> BatchWrite::operator()(ImportTarget& store, Batch& b) const {
  if (!b.passwords.empty() && !req.dryRun) {
    if (auto r = hashPasswords(b, *hasher, req.hashThreads); !r) {
      return r;
    }
  }
  if (auto r = store.insertPatrons(b.inserts); !r) {
    return r;
  }
  for (auto [list, reactivate, keeping] :
       {std::tuple{&b.updates, false, false}, std::tuple{&b.keepingPassword, false, true},
        std::tuple{&b.reactivations, true, false}}) {
    if (list->empty()) {
      continue;
    }
    if (auto r = applyKeepWhenEmpty(store, req.keepWhenEmpty, *list); !r) {
      return r;
    }
    if (auto r = applyPreserve(store, req.job->mapping.preserve, *list); !r) {
      return r;
    }
    if (auto r = keepPinnedHomerooms(store, *list); !r) {
      return r;
    }
    const std::vector<PatronField> fields =
        keeping ? writtenButPassword(mapper) : mapper.writtenFields();
    if (auto r = detail.beforeWrite(
            store, *list, fields, reactivate ? PatronAction::kReactivated : PatronAction::kUpdated);
        !r) {
      return r;
    }
    if (auto r = store.updatePatrons(*list, fields, reactivate); !r) {
      return r;
    }
  }
  return {};
}

}  // namespace patrond::importing
