#include "engine/glob.h"

#include <cstddef>

namespace patrond {
namespace {

constexpr std::size_t kNone = std::string_view::npos;

char fold(char c, bool caseless) {
  return caseless && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool inClass(std::string_view cls, unsigned char c) {
  auto is = [&](std::string_view n) { return cls == n; };
  bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
  if (is("alpha"))
    return upper || lower;
  if (is("digit"))
    return digit;
  if (is("alnum"))
    return upper || lower || digit;
  if (is("upper"))
    return upper;
  if (is("lower"))
    return lower;
  if (is("xdigit"))
    return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  if (is("space"))
    return c == ' ' || (c >= '\t' && c <= '\r');
  if (is("blank"))
    return c == ' ' || c == '\t';
  if (is("punct"))
    return c > 32 && c < 127 && !(upper || lower || digit);
  if (is("print"))
    return c >= 32 && c < 127;
  if (is("graph"))
    return c > 32 && c < 127;
  if (is("cntrl"))
    return c < 32 || c == 127;
  return false;
}

// Matches the set starting at pattern[at] == '['. Returns the index after its ']' and sets
// `hit`; kNone when the set is not closed (then '[' is an ordinary character).
std::size_t matchSet(std::string_view p, std::size_t at, char c, const GlobOptions& o, bool& hit) {
  std::size_t i = at + 1;
  bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) {
    ++i;
  }
  bool found = false;
  bool first = true;
  char fc = fold(c, o.caseless);
  while (i < p.size() && (first || p[i] != ']')) {
    first = false;
    if (p[i] == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      std::size_t end = p.find(":]", i + 2);
      if (end != kNone) {
        std::string_view cls = p.substr(i + 2, end - i - 2);
        found = found || inClass(cls, static_cast<unsigned char>(c)) ||
                (o.caseless && (cls == "upper" || cls == "lower") &&
                 (inClass("upper", static_cast<unsigned char>(c)) ||
                  inClass("lower", static_cast<unsigned char>(c))));
        i = end + 2;
        continue;
      }
    }
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) {
      lo = p[++i];
    }
    ++i;
    char hi = lo;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      hi = p[i + 1];
      i += 2;
      if (hi == '\\' && i < p.size()) {
        hi = p[i++];
      }
    }
    auto uc = static_cast<unsigned char>(c);
    if ((uc >= static_cast<unsigned char>(lo) && uc <= static_cast<unsigned char>(hi)) ||
        (o.caseless &&
         static_cast<unsigned char>(fc) >= static_cast<unsigned char>(fold(lo, true)) &&
         static_cast<unsigned char>(fc) <= static_cast<unsigned char>(fold(hi, true)))) {
      found = true;
    }
  }
  if (i >= p.size()) {
    return kNone;
  }
  hit = found != negate;
  return i + 1;
}

}  // namespace

bool globMatch(std::string_view p, std::string_view n, GlobOptions o) {
  std::size_t pi = 0, ni = 0;
  std::size_t starP = kNone, starN = 0;
  auto leadingPeriod = [&](std::size_t at) {
    return o.period && n[at] == '.' && (at == 0 || (o.pathname && n[at - 1] == '/'));
  };
  for (;;) {
    if (pi < p.size() || ni < n.size()) {
      bool step = false;
      if (pi < p.size()) {
        char c = p[pi];
        // A '*' cannot stand where a leading period is, not even for nothing (as fnmatch).
        if (c == '*' && !(ni < n.size() && leadingPeriod(ni))) {
          while (pi < p.size() && p[pi] == '*') {
            ++pi;
          }
          starP = pi;
          starN = ni;
          continue;
        }
        if (c != '*' && ni < n.size()) {
          char ch = n[ni];
          bool special = (o.pathname && ch == '/') || leadingPeriod(ni);
          if (c == '?') {
            step = !special;
            if (step) {
              ++pi;
            }
          } else if (c == '[') {
            bool hit = false;
            std::size_t next = matchSet(p, pi, ch, o, hit);
            if (next == kNone) {
              step = ch == '[';
              if (step) {
                ++pi;
              }
            } else if (hit && !special) {
              step = true;
              pi = next;
            }
          } else {
            char lit = c;
            std::size_t len = 1;
            if (c == '\\' && pi + 1 < p.size()) {
              lit = p[pi + 1];
              len = 2;
            }
            step = fold(lit, o.caseless) == fold(ch, o.caseless);
            if (step) {
              pi += len;
            }
          }
          if (step) {
            ++ni;
            continue;
          }
        }
      }
      // Mismatch: let the last '*' take one more character, if it may.
      if (starP != kNone && starN < n.size() && !(o.pathname && n[starN] == '/') &&
          !leadingPeriod(starN)) {
        ++starN;
        pi = starP;
        ni = starN;
        continue;
      }
      return false;
    }
    return true;
  }
}

bool isGlobPattern(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

}  // namespace patrond
