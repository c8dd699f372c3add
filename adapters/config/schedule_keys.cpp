// Calendar words and schedules: weekdays, months, times of day, an import job's schedule
// and a notice's.
#include <algorithm>
#include <map>

#include "adapters/config/sections.h"
#include "engine/text.h"

namespace patrond::config {
namespace {

const std::vector<std::pair<std::string, int>> kWeekdays{
    {"sunday", 0},   {"monday", 1}, {"tuesday", 2}, {"wednesday", 3},
    {"thursday", 4}, {"friday", 5}, {"saturday", 6}};

// An unknown day name: the error, with the closest of `names`.
void unknownDay(Loader& L, const YAML::Node& at, const std::string& path, const std::string& name,
                const KeyNames& names, const std::string& what) {
  std::string msg = "'" + name + "' is not " + what;
  if (auto near = closestMatch(name, names)) {
    msg += " (did you mean '" + *near + "'?)";
  }
  L.error(at, path, msg);
}

// A weekday, or the shorthands `daily` (every day) and `weekdays` (Monday to Friday).
std::vector<int> daysByName(Loader& L, const YAML::Node& at, const std::string& path,
                            const std::string& name) {
  std::string n = toLower(name);
  if (n == "daily") {
    return {0, 1, 2, 3, 4, 5, 6};
  }
  if (n == "weekdays") {
    return {1, 2, 3, 4, 5};
  }
  for (const auto& [wn, d] : kWeekdays) {
    if (wn == n) {
      return {d};
    }
  }
  KeyNames names{"daily", "weekdays"};
  for (const auto& [wn, d] : kWeekdays) {
    names.push_back(wn);
  }
  unknownDay(L, at, path, name, names, "a weekday, daily or weekdays");
  return {};
}

const Keys<DaySchedule>& dayKeys() {
  static const Keys<DaySchedule> keys{
      key("update", &DaySchedule::update,
          OneOf<UpdateType>{
              {{"full", UpdateType::kFull}, {"incremental", UpdateType::kIncremental}}},
          "full or incremental (default incremental)"),
      custom<DaySchedule>("at", "times of day HH:MM",
                          [](Loader& L, const YAML::Node& n, const std::string& path,
                             DaySchedule& ds) { loadTimes(L, n, path, ds.at); }),
  };
  return keys;
}

const Keys<NoticeSchedule>& noticeScheduleKeys() {
  static const Keys<NoticeSchedule> keys{
      custom<NoticeSchedule>(
          "days",
          "a list of weekdays (or daily, weekdays): the days it runs (or before_library_day)",
          [](Loader& L, const YAML::Node& s, const std::string& sp, NoticeSchedule& ns) {
            std::vector<std::string> days;
            L.strList(s, "days", sp, days);
            for (const auto& d : days) {
              for (int wd : daysByName(L, s["days"], sp + ".days", d)) {
                if (std::find(ns.days.begin(), ns.days.end(), wd) == ns.days.end()) {
                  ns.days.push_back(wd);
                }
              }
            }
          }),
      later<NoticeSchedule>("at", "HH:MM or a list of them, district time (required)"),
      key("before_library_day", &NoticeSchedule::beforeLibraryDay, Range{0, 6},
          "0..6: N days before each homeroom's library day (or days)"),
  };
  return keys;
}

}  // namespace

const OneOf<int> kMonths{{{"january", 1},
                          {"february", 2},
                          {"march", 3},
                          {"april", 4},
                          {"may", 5},
                          {"june", 6},
                          {"july", 7},
                          {"august", 8},
                          {"september", 9},
                          {"october", 10},
                          {"november", 11},
                          {"december", 12}}};

void loadTimes(Loader& L, const YAML::Node& n, const std::string& path,
               std::vector<TimeOfDay>& out) {
  YAML::Node at = n["at"];
  if (!at) {
    L.error(n, path, "required key 'at' is missing");
    return;
  }
  std::vector<std::string> times;
  L.strList(n, "at", path, times);
  for (size_t i = 0; i < times.size(); ++i) {
    if (auto t = parseTimeOfDay(times[i])) {
      out.push_back(*t);
    } else {
      L.error(at.IsSequence() ? at[i] : at, path + ".at",
              "expected a time HH:MM, got '" + times[i] + "'");
    }
  }
}

int weekdayByName(Loader& L, const YAML::Node& at, const std::string& path,
                  const std::string& name) {
  KeyNames names;
  for (const auto& [n, d] : kWeekdays) {
    if (n == toLower(name)) {
      return d;
    }
    names.push_back(n);
  }
  unknownDay(L, at, path, name, names, "a weekday");
  return -1;
}

void loadJobSchedule(Loader& L, const YAML::Node& s, const std::string& sp,
                     std::vector<DaySchedule>& out) {
  KeyNames days{"daily", "weekdays"};
  for (const auto& [d, i] : kWeekdays) {
    days.push_back(d);
  }
  if (!L.mapping(s, sp, days)) {
    return;
  }
  // `daily` and `weekdays` are shorthands; a day named on its own wins over them.
  std::map<int, DaySchedule> byDay;
  for (int pass = 0; pass < 2; ++pass) {
    for (auto it = s.begin(); it != s.end(); ++it) {
      std::string key = it->first.Scalar();
      bool shorthand = key == "daily" || key == "weekdays";
      if (shorthand != (pass == 0)) {
        continue;
      }
      std::string dp = sp + "." + key;
      DaySchedule ds;
      L.section(it->second, dp, dayKeys(), ds);
      if (std::find(days.begin(), days.end(), key) == days.end()) {
        // An unknown day: mapping() said so, once, with its "did you mean"; what it holds was
        // checked all the same.
        continue;
      }
      for (int wd : daysByName(L, it->first, dp, key)) {
        ds.weekday = wd;
        byDay[wd] = ds;
      }
    }
  }
  for (auto& [wd, ds] : byDay) {
    out.push_back(ds);
  }
}

void loadNoticeSchedule(Loader& L, const YAML::Node& s, const std::string& sp, NoticeSchedule& ns) {
  if (!L.section(s, sp, noticeScheduleKeys(), ns)) {
    return;
  }
  loadTimes(L, s, sp, ns.at);
  // Given, even when what is given is wrong (that has its own error): a misspelt day is one
  // mistake, not also a missing key. An empty list gives nothing.
  auto given = [&](const char* k) {
    YAML::Node v = s[k];
    return v && !(v.IsSequence() && v.size() == 0);
  };
  if (given("days") == given("before_library_day")) {
    L.error(s, sp, "give days or before_library_day");
  }
}

void describeJobScheduleKeys(std::vector<KeyDoc>& out) {
  describeKeys(out, "imports[].schedule.<day>", dayKeys());
}

void describeNoticeScheduleKeys(std::vector<KeyDoc>& out) {
  describeKeys(out, "notices[].schedule", noticeScheduleKeys());
}

}  // namespace patrond::config
