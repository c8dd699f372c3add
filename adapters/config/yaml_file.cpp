#include "adapters/config/yaml_file.h"

#include <yaml-cpp/eventhandler.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "adapters/config/loader.h"
#include "adapters/config/secret_file.h"
#include "engine/text.h"

namespace patrond::config {
namespace {

constexpr int kMaxDepth = 64;

// The first byte that is not UTF-8 text YAML can hold (invalid UTF-8, or a control character
// other than tab and line breaks), with its 1-based line and column (in characters).
std::optional<Diagnostic> badText(const std::string& path, const std::string& text) {
  int line = 1, col = 1;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  char hex[8];
  while (i < text.size()) {
    unsigned char c = p[i];
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    if (len == 0 || i + len > text.size() || !validUtf8(text.substr(i, len))) {
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      return Diagnostic{path,
                        line,
                        col,
                        "",
                        std::string("invalid UTF-8 (byte ") + hex + "): save the file as UTF-8",
                        false};
    }
    if (len == 1 && ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)) {
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      return Diagnostic{
          path,
          line,
          col,
          "",
          std::string("control character ") + hex + " in the file: a YAML file holds text only",
          false};
    }
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
    i += len;
  }
  return std::nullopt;
}

// What yaml-cpp lets through: duplicate keys (it keeps both and a lookup finds the first),
// keys that are lists or mappings, and nesting past any real configuration. Each node is
// walked once, so aliases, even one that contains itself, cost nothing more.
void checkKeys(Loader& L, const YAML::Node& n, const std::string& path, std::set<size_t>& seen,
               int depth) {
  if (!n.IsMap() && !n.IsSequence()) {
    return;
  }
  if (!seen.insert(n.Mark().pos).second) {
    return;
  }
  if (depth > kMaxDepth) {
    L.error(n, path, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    return;
  }
  if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i) {
      checkKeys(L, n[i], path + "[" + std::to_string(i) + "]", seen, depth + 1);
    }
    return;
  }
  std::map<std::string, YAML::Mark> keys;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      L.error(it->first, path,
              std::string("a key must be a plain name, not ") + Loader::kind(it->first));
      continue;
    }
    std::string key = it->first.Scalar();
    std::string kp = Loader::join(path, key);
    if (auto [first, fresh] = keys.emplace(key, it->first.Mark()); !fresh) {
      L.add(it->first.Mark(), kp,
            "duplicate key '" + key.substr(0, 64) + "' (first at line " +
                std::to_string(first->second.line + 1) + ", column " +
                std::to_string(first->second.column + 1) + "): keep one",
            false);
    }
    checkKeys(L, it->second, kp, seen, depth + 1);
  }
}

// Records where each document's first node is; the rest of the events are not needed.
struct SecondDocument final : YAML::EventHandler {
  std::vector<YAML::Mark> starts;
  bool fresh = false;
  void at(const YAML::Mark& mark) {
    if (fresh) {
      starts.push_back(mark);
      fresh = false;
    }
  }
  void OnDocumentStart(const YAML::Mark&) override { fresh = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { at(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { at(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    at(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    at(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    at(mark);
  }
  void OnMapEnd() override {}
};

}  // namespace

std::optional<YAML::Node> parseFile(const std::string& path, std::vector<Diagnostic>& diags) {
  auto fail = [&](int line, int col, const std::string& msg) -> std::optional<YAML::Node> {
    diags.push_back({path, line, col, "", msg, false});
    return std::nullopt;
  };
  TextFile file = readConfigText(path);
  if (!file.problem.empty()) {
    return fail(0, 0, file.problem);
  }
  const std::string& text = file.text;
  if (auto bad = badText(path, text)) {
    diags.push_back(*bad);
    return std::nullopt;
  }
  // Not YAML::LoadAll: yaml-cpp 0.7 (Debian 12) loops for ever, eating memory, on a stream it
  // cannot place a first token of, such as a leading ',' (jbeder/yaml-cpp#1040, fixed upstream
  // by #1319). The first document comes from Load; the event parser then walks at most two
  // documents to find a second one.
  YAML::Node root;
  SecondDocument second;
  try {
    root = YAML::Load(text);
    std::istringstream in(text);
    YAML::Parser parser(in);
    for (int i = 0; i < 2 && parser.HandleNextDocument(second); ++i) {
    }
  } catch (const YAML::ParserException& e) {
    return fail(e.mark.line + 1, e.mark.column + 1, "YAML syntax: " + e.msg);
  } catch (const YAML::Exception& e) {
    return fail(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0,
                "YAML: " + e.msg);
  } catch (const std::exception& e) {
    return fail(0, 0, std::string("cannot parse the file: ") + e.what());
  }
  if (root.IsNull()) {
    return fail(0, 0, "the file is empty: expected a mapping of keys");
  }
  if (second.starts.size() > 1) {
    return fail(second.starts[1].line + 1, second.starts[1].column + 1,
                "a second YAML document ('---'): a file holds one document");
  }
  Loader L(path, diags);
  std::set<size_t> seen;
  checkKeys(L, root, "", seen, 0);
  return root;
}

}  // namespace patrond::config
