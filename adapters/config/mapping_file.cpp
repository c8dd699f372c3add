// A job's mapping file (docs/mapping.md): which columns fill which patron fields, defaults,
// preserved fields and rules.
#include <map>
#include <memory>

#include "adapters/config/sections.h"
#include "adapters/config/yaml_file.h"
#include "adapters/regex/re2_pattern.h"
#include "engine/oneroster.h"
#include "engine/text.h"

namespace patrond::config {
namespace {

Matcher loadMatcher(Loader& L, const YAML::Node& v, const std::string& path, int depth = 0) {
  Matcher m;
  if (depth > 8) {
    // `not` inside `not`: an alias can even make one contain itself.
    L.error(v, path, "matchers nest at most 8 levels deep");
    return m;
  }
  if (v.IsScalar()) {
    m.kind = Matcher::Kind::kEqual;
    m.value = v.Scalar();
  } else if (v.IsSequence()) {
    m.kind = Matcher::Kind::kAnyOf;
    for (size_t i = 0; i < v.size(); ++i) {
      if (L.scalar(v[i], path + "[" + std::to_string(i) + "]")) {
        m.values.push_back(v[i].Scalar());
      }
    }
  } else if (v.IsMap() && L.mapping(v, path, {"regex", "empty", "not"})) {
    if (v.size() != 1) {
      L.error(v, path, "a matcher has exactly one of regex, empty, not");
      return m;
    }
    if (v["regex"]) {
      m.kind = Matcher::Kind::kRegex;
      L.str(v, "regex", path, m.value);
      // RE2 syntax (docs/configuration.md): linear-time matching; what RE2 cannot take
      // (backreferences, lookaround, a pattern too large) is refused here, with its reason.
      if (auto re = regex::compile(m.value)) {
        m.regex = *re;
      } else {
        L.error(v["regex"], path + ".regex",
                "regular expression does not compile (RE2 syntax, see docs/configuration.md): " +
                    re.error().message);
      }
    } else if (v["empty"]) {
      m.kind = Matcher::Kind::kEmpty;
      L.get(v, "empty", path, m.empty, Flag{});
    } else if (v["not"]) {
      m.kind = Matcher::Kind::kNot;
      m.inner = std::make_shared<const Matcher>(loadMatcher(L, v["not"], path + ".not", depth + 1));
    }
  } else if (!v.IsMap()) {
    L.error(v, path, "expected a value, a list, or {regex|empty|not: ...}");
  }
  return m;
}

std::optional<PatronField> field(Loader& L, const YAML::Node& keyNode, const std::string& path) {
  const std::string& name = keyNode.Scalar();
  if (auto f = fieldByName(name)) {
    return f;
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < kPatronFieldCount; ++i) {
    names.emplace_back(fieldInfo(static_cast<PatronField>(i)).name);
  }
  std::string msg = "unknown patron field '" + name + "'";
  if (auto near = closestMatch(name, names)) {
    msg += " (did you mean '" + *near + "'?)";
  }
  L.add(keyNode.Mark(), path, msg, false);
  return std::nullopt;
}

std::vector<std::pair<PatronField, std::string>> fieldValues(Loader& L, const YAML::Node& n,
                                                             const std::string& path) {
  std::vector<std::pair<PatronField, std::string>> out;
  if (!n.IsMap()) {
    L.error(n, path, "expected a mapping of patron fields to values");
    return out;
  }
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string kp = path + "." + it->first.Scalar();
    auto f = field(L, it->first, kp);
    if (f && L.scalar(it->second, kp)) {
      out.emplace_back(*f, it->second.Scalar());
    }
  }
  return out;
}

// A OneRoster job's mapping names the columns of the rows a bundle gives (SPEC section 9).
void checkOneRosterMapping(Loader& L, const YAML::Node& r, const Mapping& m) {
  if (!m.header) {
    L.error(r["header"] ? r["header"] : r, "header",
            "a OneRoster job's mapping names columns: header must be true (or left out)");
  }
  if (m.delimiter != ',') {
    L.error(r["delimiter"] ? r["delimiter"] : r, "delimiter",
            "OneRoster files are comma-separated: leave delimiter out");
  }
}

// A column name a OneRoster bundle gives, or false after saying it is none.
bool oneRosterColumn(Loader& L, const YAML::Node& col, const std::string& kp,
                     const std::string& column) {
  if (oneroster::isColumn(column)) {
    return true;
  }
  std::vector<std::string> names = oneroster::userColumns();
  const auto& derived = oneroster::derivedColumns();
  names.insert(names.end(), derived.begin(), derived.end());
  auto near = closestMatch(column, names);
  L.error(col, kp,
          "'" + column +
              "' is not a OneRoster column (users.csv's columns, metadata.*, or the "
              "derived grade, persona, org.*, homeroom.*, demographics.*; see "
              "docs/imports.md)" +
              (near ? "; did you mean '" + *near + "'?" : ""));
  return false;
}

// One entry of `fields`: a column (name, or number when header: false), or {column, format}.
std::optional<FieldSource> fieldSource(Loader& L, const YAML::Node& v, const std::string& kp,
                                       const Mapping& m, bool oneRoster) {
  FieldSource src;
  // yaml-cpp's Node::operator= rebinds the shared node, so never assign over `v`.
  const YAML::Node col = v.IsMap() ? v["column"] : v;
  if (v.IsMap()) {
    if (!L.mapping(v, kp, {"column", "format"})) {
      return std::nullopt;
    }
    L.str(v, "format", kp, src.dateFormat);
    if (!col) {
      L.error(v, kp, "required key 'column' is missing");
      return std::nullopt;
    }
  }
  if (!L.scalar(col, kp)) {
    return std::nullopt;
  }
  if (m.header) {
    src.column = col.Scalar();
    if (oneRoster && !oneRosterColumn(L, col, kp, src.column)) {
      return std::nullopt;
    }
    return src;
  }
  try {
    src.columnNumber = col.as<int>();
  } catch (const YAML::Exception&) {
    src.columnNumber = 0;
  }
  if (src.columnNumber < 1 || src.columnNumber > 100000) {
    L.error(col, kp, "with header: false, give a 1-based column number (1 to 100000)");
    return std::nullopt;
  }
  return src;
}

void loadFields(Loader& L, const YAML::Node& f, Mapping& m, bool oneRoster) {
  if (!f.IsMap()) {
    L.error(f, "fields", "expected a mapping of patron fields to columns");
    return;
  }
  for (auto it = f.begin(); it != f.end(); ++it) {
    std::string kp = "fields." + it->first.Scalar();
    auto pf = field(L, it->first, kp);
    if (!pf) {
      continue;
    }
    if (auto src = fieldSource(L, it->second, kp, m, oneRoster)) {
      m.fields.emplace_back(*pf, *src);
    }
  }
}

void loadPreserve(Loader& L, const YAML::Node& r, Mapping& m) {
  YAML::Node p = r["preserve"];
  std::vector<std::string> names;
  L.strList(r, "preserve", "", names);
  for (size_t i = 0; i < names.size(); ++i) {
    if (auto f = fieldByName(names[i])) {
      m.preserve.push_back(*f);
    } else {
      L.error(p.IsSequence() ? p[i] : p, "preserve", "unknown patron field '" + names[i] + "'");
    }
  }
}

void loadWhen(Loader& L, const YAML::Node& w, const std::string& rp, Rule& rule) {
  if (!w.IsMap()) {
    L.error(w, rp + ".when", "expected a mapping of patron fields to matchers");
    return;
  }
  for (auto it = w.begin(); it != w.end(); ++it) {
    std::string kp = rp + ".when." + it->first.Scalar();
    if (auto f = field(L, it->first, kp)) {
      rule.when.emplace_back(*f, loadMatcher(L, it->second, kp));
    }
  }
}

void loadRuleMap(Loader& L, const YAML::Node& mp, const std::string& rp, Rule& rule) {
  if (!mp.IsMap()) {
    L.error(mp, rp + ".map", "expected {field: {from: to, ...}}");
    return;
  }
  for (auto it = mp.begin(); it != mp.end(); ++it) {
    std::string kp = rp + ".map." + it->first.Scalar();
    auto f = field(L, it->first, kp);
    if (!f) {
      continue;
    }
    if (!it->second.IsMap()) {
      L.error(it->second, kp, "expected a table of from: to values");
      continue;
    }
    std::map<std::string, std::string> table;
    for (auto t = it->second.begin(); t != it->second.end(); ++t) {
      if (L.scalar(t->second, kp + "." + t->first.Scalar())) {
        table[t->first.Scalar()] = t->second.Scalar();
      }
    }
    rule.map.emplace_back(*f, std::move(table));
  }
}

const Keys<Rule>& ruleKeys() {
  static const Keys<Rule> keys{
      custom<Rule>("when", "patron fields and the matchers they must all meet",
                   [](Loader& L, const YAML::Node& rn, const std::string& rp, Rule& rule) {
                     if (YAML::Node w = rn["when"]) {
                       loadWhen(L, w, rp, rule);
                     }
                   }),
      custom<Rule>("set", "patron fields set to fixed values",
                   [](Loader& L, const YAML::Node& rn, const std::string& rp, Rule& rule) {
                     if (rn["set"]) {
                       rule.set = fieldValues(L, rn["set"], rp + ".set");
                     }
                   }),
      custom<Rule>("map", "patron fields translated through a from: to table",
                   [](Loader& L, const YAML::Node& rn, const std::string& rp, Rule& rule) {
                     if (YAML::Node mp = rn["map"]) {
                       loadRuleMap(L, mp, rp, rule);
                     }
                   }),
      custom<Rule>("skip", "the row is skipped, with this reason",
                   [](Loader& L, const YAML::Node& rn, const std::string& rp, Rule& rule) {
                     if (rn["skip"]) {
                       rule.skip.emplace();
                       L.str(rn, "skip", rp, *rule.skip);
                     }
                   }),
      custom<Rule>("reject", "the row is rejected (an error), with this reason",
                   [](Loader& L, const YAML::Node& rn, const std::string& rp, Rule& rule) {
                     if (rn["reject"]) {
                       rule.reject.emplace();
                       L.str(rn, "reject", rp, *rule.reject);
                     }
                   }),
  };
  return keys;
}

void loadRules(Loader& L, const YAML::Node& rules, Mapping& m) {
  if (!rules.IsSequence()) {
    L.error(rules, "rules", "expected a list of rules");
    return;
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string rp = "rules[" + std::to_string(i) + "]";
    const YAML::Node& rn = rules[i];
    Rule rule;
    rule.line = rn.Mark().line + 1;
    if (!L.section(rn, rp, ruleKeys(), rule)) {
      continue;
    }
    int actions = (rule.set.empty() ? 0 : 1) + (rule.map.empty() ? 0 : 1) + (rule.skip ? 1 : 0) +
                  (rule.reject ? 1 : 0);
    if (actions == 0) {
      L.error(rn, rp, "a rule needs an action: set, map, skip or reject");
    } else if ((rule.skip || rule.reject) && actions > 1) {
      L.error(rn, rp, "skip and reject stand alone in a rule");
    }
    m.rules.push_back(std::move(rule));
  }
}

void loadDelimiter(Loader& L, const YAML::Node& r, const std::string&, Mapping& m) {
  if (r["delimiter"] && L.scalar(r["delimiter"], "delimiter")) {
    std::string d = r["delimiter"].Scalar();
    if (d == "\\t" || d == "\t" || d == "tab") {
      m.delimiter = '\t';
    } else if (d == "," || d == ";" || d == "|") {
      m.delimiter = d[0];
    } else {
      L.error(r["delimiter"], "delimiter", "delimiter must be one of , ; \\t |");
    }
  }
}

const Keys<Mapping>& mappingKeys() {
  static const Keys<Mapping> keys{
      key("header", &Mapping::header, Flag{}, "the first line names the columns (default true)"),
      custom<Mapping>("delimiter", "one of , ; \\t | (default ,)", loadDelimiter),
      key("match_on", &Mapping::matchOn,
          OneOf<MatchOn>{{{"district_id", MatchOn::kDistrictId},
                          {"barcode", MatchOn::kBarcode},
                          {"username", MatchOn::kUsername}}},
          "the field that matches a row to a stored patron"),
      later<Mapping>("fields", "patron field: column, or {column, format}"),
      later<Mapping>("defaults", "patron field: value, for fields a row leaves empty"),
      later<Mapping>("rules", "rules applied to each row in order"),
      key("on_barcode_conflict", &Mapping::onBarcodeConflict,
          OneOf<BarcodeConflict>{{{"skip", BarcodeConflict::kSkip},
                                  {"take_from_inactive", BarcodeConflict::kTakeFromInactive}}},
          "a barcode held by another patron: skip the row, or take it from an inactive one"),
      later<Mapping>("preserve", "fields whose stored value is kept when not empty"),
  };
  return keys;
}

}  // namespace

void loadMapping(const std::string& file, Mapping& m, std::vector<Diagnostic>& diags,
                 bool oneRoster) {
  auto root = parseFile(file, diags);
  if (!root) {
    return;
  }
  Loader L(file, diags);
  m.path = file;
  const YAML::Node& r = *root;
  if (!L.section(r, "", mappingKeys(), m)) {
    return;
  }
  if (YAML::Node f = r["fields"]) {
    loadFields(L, f, m, oneRoster);
  }
  if (oneRoster) {
    checkOneRosterMapping(L, r, m);
  }
  if (r["defaults"]) {
    m.defaults = fieldValues(L, r["defaults"], "defaults");
  }
  if (r["preserve"]) {
    loadPreserve(L, r, m);
  }
  if (YAML::Node rules = r["rules"]) {
    loadRules(L, rules, m);
  }
}

void describeMappingKeys(std::vector<KeyDoc>& out) {
  describeKeys(out, "mapping:", mappingKeys());
  describeKeys(out, "mapping:rules[]", ruleKeys());
}

}  // namespace patrond::config
