#pragma once
// The configuration loader's reading of YAML nodes (adapters/config internal): every problem
// becomes a Diagnostic with file:line:col and the key path, collected, never thrown.
//
// A section is read through its key table (`Keys<S>`): one entry a key, in the order the
// section reads them, with a line of documentation and how the value lands in the section's
// struct. The table gives the allowed keys (an unknown one is an error with a "did you mean")
// and the reading; the defaults are the engine structs' own (engine/config.h). A key whose
// value needs the section's other keys is listed with no reader and read by the section's
// code after the table. A key named `<like_this>` stands for names the file chooses (a
// map-valued section such as `conditions.<name>`): its table takes any key, and its reader
// reads them all.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "adapters/config/yaml_config.h"

namespace patrond::config {

using KeyNames = std::vector<std::string>;

// How a scalar is read, by the type it is read into: each reader checks its own shape.
struct Text {             // a string
  bool required = false;  // missing or empty is an error
};
struct Range {  // a whole number in [min, max]
  long long min = 0, max = 0;
};
struct Flag {};  // true or false
struct Span {    // a duration like 30s, 15m, 2h or 1d in [min, max]
  std::chrono::seconds min{0}, max{0};
};
template <typename E>
struct OneOf {  // one of the names, case-insensitive; an unknown one gets a "did you mean"
  std::vector<std::pair<std::string, E>> options;
};

class Loader;

// One key of a section: the name, a line for the documentation, and its reader (null: read by
// the section's code after the table).
template <typename S>
struct Key {
  std::string name;
  std::string doc;
  std::function<void(Loader&, const YAML::Node& section, const std::string& path, S& out)> read;
};
template <typename S>
using Keys = std::vector<Key<S>>;

class Loader {
 public:
  Loader(std::string file, std::vector<Diagnostic>& diags);

  const std::string& file() const { return file_; }
  // Where every problem goes (a mapping file's loader adds to the same list).
  std::vector<Diagnostic>& diagnostics() { return diags_; }
  std::filesystem::path dir() const { return dir_; }
  // check-config: read every secret now (errors), not only look at its file (warnings).
  void setReadSecrets(bool on) { readSecrets_ = on; }

  void error(const YAML::Node& at, const std::string& path, const std::string& msg);
  void warn(const YAML::Node& at, const std::string& path, const std::string& msg);
  void add(const YAML::Mark& m, const std::string& path, const std::string& msg, bool warning);
  void remember(const std::string& path, const YAML::Mark& m) { marks_[path] = m; }
  // Where a path is: the mark of its longest known prefix.
  std::optional<YAML::Mark> markOf(const std::string& path) const;

  // A mapping whose keys must all be in `allowed` (any key, when one of them is a
  // placeholder).
  bool mapping(const YAML::Node& n, const std::string& path, const KeyNames& allowed);
  // A key name like `<name>`: it stands for the names the file chooses.
  static bool placeholder(const std::string& name) {
    return name.size() > 2 && name.front() == '<' && name.back() == '>';
  }
  // A mapping read through its key table: false (and nothing read) when it is no mapping.
  template <typename S>
  bool section(const YAML::Node& n, const std::string& path, const Keys<S>& keys, S& out) {
    KeyNames names;
    for (const auto& k : keys) {
      names.push_back(k.name);
    }
    if (!mapping(n, path, names)) {
      return false;
    }
    for (const auto& k : keys) {
      if (k.read) {
        k.read(*this, n, path, out);
      }
    }
    return true;
  }

  static const char* kind(const YAML::Node& n);
  static std::string join(const std::string& path, const std::string& key);
  bool scalar(const YAML::Node& v, const std::string& path);

  // The scalar at `key` of `n` into `out` (a std::optional is set only when the value is
  // good); a missing key leaves `out` as it is. `rule` says the shape: Text, Range, Flag,
  // Span or OneOf.
  template <typename T, typename Rule>
  void get(const YAML::Node& n, const std::string& key, const std::string& path, T& out,
           const Rule& rule) {
    YAML::Node v = n[key];
    std::string kp = join(path, key);
    if (!v) {
      if constexpr (std::is_same_v<Rule, Text>) {
        if (rule.required) {
          error(n, kp, "required key '" + key + "' is missing");
        }
      }
      return;
    }
    if (!scalar(v, kp)) {
      return;
    }
    if (auto x = parse(v, kp, rule)) {
      assign(out, std::move(*x));
    }
  }
  void str(const YAML::Node& n, const std::string& key, const std::string& path, std::string& out,
           bool required = false) {
    get(n, key, path, out, Text{required});
  }
  // A path, relative to the configuration file's folder (as is the value already in `out`).
  void filePath(const YAML::Node& n, const std::string& key, const std::string& path,
                std::string& out, bool required = false);
  std::string resolve(const std::string& p) const;
  // A list of strings; a single scalar is a list of one.
  void strList(const YAML::Node& n, const std::string& key, const std::string& path,
               std::vector<std::string>& out);

  // password_file or password_env (or other names for the two), checked (checkSecret).
  void secret(const YAML::Node& n, const std::string& path, SecretRef& out,
              const std::string& fileKey = "password_file",
              const std::string& envKey = "password_env");
  // Loading for the service only looks at a secret file (warnings: it may appear later);
  // check-config reads every secret, and what cannot be read is an error naming key and file.
  void checkSecret(const YAML::Node& at, const std::string& path, const SecretRef& ref);
  // A password written into a connection string or URL (password=, pwd=, pass=,
  // scheme://user:password@): refused, as the password key is.
  void noCredential(const YAML::Node& v, const std::string& path, const std::string& text,
                    const std::string& secretKeys);

 private:
  std::optional<std::string> parse(const YAML::Node& v, const std::string& kp, const Text& rule);
  std::optional<long long> parse(const YAML::Node& v, const std::string& kp, const Range& rule);
  std::optional<bool> parse(const YAML::Node& v, const std::string& kp, const Flag& rule);
  std::optional<std::chrono::seconds> parse(const YAML::Node& v, const std::string& kp,
                                            const Span& rule);
  template <typename E>
  std::optional<E> parse(const YAML::Node& v, const std::string& kp, const OneOf<E>& rule) {
    std::size_t at = 0;
    if (oneOf(v, kp, names(rule.options), at)) {
      return rule.options[at].second;
    }
    return std::nullopt;
  }
  template <typename E>
  static KeyNames names(const std::vector<std::pair<std::string, E>>& options) {
    KeyNames out;
    for (const auto& [name, value] : options) {
      out.push_back(name);
    }
    return out;
  }
  // Finds the scalar among `names` (its index in `at`), or says it is not one of them.
  bool oneOf(const YAML::Node& v, const std::string& kp, const KeyNames& names, std::size_t& at);

  template <typename T, typename V>
  static void assign(T& out, V&& x) {
    out = static_cast<T>(std::forward<V>(x));
  }
  template <typename T, typename V>
  static void assign(std::optional<T>& out, V&& x) {
    out = static_cast<T>(std::forward<V>(x));
  }

  std::map<std::string, YAML::Mark> marks_;
  std::string file_;
  std::filesystem::path dir_;
  std::vector<Diagnostic>& diags_;
  bool readSecrets_ = false;
};

// Adds a table's keys to the key reference, under `prefix` ("" for the root).
template <typename S>
void describeKeys(std::vector<KeyDoc>& out, const std::string& prefix, const Keys<S>& keys) {
  for (const auto& k : keys) {
    out.push_back(
        {prefix.empty() || prefix.back() == ':' ? prefix + k.name : prefix + "." + k.name, k.doc});
  }
}

// Table entries. `key(name, &S::member, rule, doc)` reads a scalar into a member; `custom`
// runs its own reader; `later` is read by the section's code.
template <typename S, typename T, typename Rule>
Key<S> key(std::string name, T S::*member, Rule rule, std::string doc) {
  return {name, std::move(doc),
          [name, member, rule](Loader& L, const YAML::Node& n, const std::string& path, S& s) {
            L.get(n, name, path, s.*member, rule);
          }};
}
template <typename S, typename F>
Key<S> custom(std::string name, std::string doc, F read) {
  return {std::move(name), std::move(doc), std::move(read)};
}
template <typename S>
Key<S> later(std::string name, std::string doc) {
  return {std::move(name), std::move(doc), nullptr};
}

}  // namespace patrond::config
