#include "engine/civil_time.h"

#include <charconv>
#include <cstdio>

namespace patrond {

using namespace std::chrono;

sys_days toDays(const CivilTime& t) {
  return sys_days{year{t.year} / month{static_cast<unsigned>(t.month)} /
                  day{static_cast<unsigned>(t.day)}};
}

sys_seconds toSysSeconds(const CivilTime& t) {
  return sys_seconds{toDays(t)} + hours{t.hour} + minutes{t.minute} + seconds{t.second};
}

CivilTime fromSysSeconds(sys_seconds s) {
  auto dp = floor<days>(s);
  year_month_day ymd{dp};
  hh_mm_ss hms{s - dp};
  return {static_cast<int>(ymd.year()),
          static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day())),
          static_cast<int>(hms.hours().count()),
          static_cast<int>(hms.minutes().count()),
          static_cast<int>(hms.seconds().count())};
}

CivilTime addDays(const CivilTime& t, int n) {
  CivilTime r = fromSysSeconds(sys_seconds{toDays(t) + days{n}});
  r.hour = t.hour;
  r.minute = t.minute;
  r.second = t.second;
  return r;
}

int weekday(const CivilTime& t) {
  return static_cast<int>(year_month_weekday{toDays(t)}.weekday().c_encoding());
}

bool validDate(int y, int m, int d) {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1 || y > 9999) {
    return false;
  }
  return year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}
      .ok();
}

namespace {
bool readInt(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) {
    return false;
  }
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return true;
}
}  // namespace

std::optional<CivilTime> parseCivilTime(std::string_view s) {
  CivilTime t;
  if (s.size() < 10 || !readInt(s, 0, 4, t.year) || s[4] != '-' || !readInt(s, 5, 2, t.month) ||
      s[7] != '-' || !readInt(s, 8, 2, t.day) || !validDate(t.year, t.month, t.day)) {
    return std::nullopt;
  }
  if (s.size() == 10) {
    return t;
  }
  if ((s[10] != ' ' && s[10] != 'T') || s.size() < 16 || !readInt(s, 11, 2, t.hour) ||
      s[13] != ':' || !readInt(s, 14, 2, t.minute) || t.hour > 23 || t.minute > 59) {
    return std::nullopt;
  }
  if (s.size() == 16) {
    return t;
  }
  if (s.size() != 19 || s[16] != ':' || !readInt(s, 17, 2, t.second) || t.second > 59) {
    return std::nullopt;
  }
  return t;
}

std::optional<TimeOfDay> parseTimeOfDay(std::string_view s) {
  TimeOfDay t;
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3 ||
      !readInt(s, 0, colon, t.hour) || !readInt(s, colon + 1, 2, t.minute) || t.hour > 23 ||
      t.minute > 59) {
    return std::nullopt;
  }
  return t;
}

std::string formatIso(const CivilTime& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", t.year, t.month, t.day, t.hour,
                t.minute, t.second);
  return buf;
}

std::string formatDate(const CivilTime& t) {
  return formatIso(t).substr(0, 10);
}

std::string formatTimeOfDay(const TimeOfDay& t) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", t.hour % 100, t.minute % 100);
  return buf;
}

int daysBetween(const CivilTime& a, const CivilTime& b) {
  return static_cast<int>((toDays(b) - toDays(a)).count());
}

std::string utcIso(UtcTime t) {
  return formatIso(fromSysSeconds(t)) + "Z";
}

}  // namespace patrond
