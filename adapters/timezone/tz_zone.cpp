#include "adapters/timezone/tz_zone.h"

#include <date/tz.h>

#ifdef _WIN32
#include <windows.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#endif

namespace patrond::tz {
namespace {

#ifdef _WIN32
// Windows has no zoneinfo: the IANA database's text files ship in a `tzdata` folder beside
// patrond.exe (with windowsZones.xml, which maps the system's zone for an empty
// district.timezone). PATROND_TZDATA names another folder (the tests' build tree).
void useShippedDatabase() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char* dir = std::getenv("PATROND_TZDATA"); dir != nullptr && *dir != '\0') {
      date::set_install(dir);
      return;
    }
    wchar_t exe[32768];
    DWORD n = ::GetModuleFileNameW(nullptr, exe, 32768);
    if (n > 0 && n < 32768) {
      date::set_install((std::filesystem::path(exe).parent_path() / "tzdata").string());
    }
  });
}
#else
void useShippedDatabase() {}  // the system's zoneinfo (tzdata)
#endif

class IanaZone final : public TimeZone {
 public:
  explicit IanaZone(const date::time_zone* zone) : zone_(zone) {}

  CivilTime toLocal(UtcTime t) const override {
    auto local = zone_->to_local(t);
    return fromSysSeconds(UtcTime{local.time_since_epoch()});
  }

  std::vector<UtcTime> fromLocal(const CivilTime& local) const override {
    date::local_seconds ls{toSysSeconds(local).time_since_epoch()};
    auto info = zone_->get_info(ls);
    switch (info.result) {
      case date::local_info::unique:
        return {UtcTime{ls.time_since_epoch() - info.first.offset}};
      case date::local_info::ambiguous:
        return {UtcTime{ls.time_since_epoch() - info.first.offset},
                UtcTime{ls.time_since_epoch() - info.second.offset}};
      default:
        return {};
    }
  }

 private:
  const date::time_zone* zone_;
};

}  // namespace

bool zoneExists(const std::string& name) {
  useShippedDatabase();
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

std::string databaseProblem() {
  useShippedDatabase();
  try {
    (void)date::get_tzdb();
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

Result<std::unique_ptr<TimeZone>> makeZone(const std::string& name) {
  useShippedDatabase();
  try {
    const date::time_zone* z = name.empty() ? date::current_zone() : date::locate_zone(name);
    return std::unique_ptr<TimeZone>(std::make_unique<IanaZone>(z));
  } catch (const std::exception& e) {
    return Error{"CONFIG", "unknown time zone '" + name + "': " + e.what(), "district.timezone"};
  }
}

}  // namespace patrond::tz
