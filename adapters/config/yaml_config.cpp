#include "adapters/config/yaml_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "adapters/regex/re2_pattern.h"
#include "adapters/timezone/tz_zone.h"
#include "engine/monitoring.h"
#include "engine/oneroster.h"
#include "engine/text.h"

namespace patrond::config {

namespace fs = std::filesystem;

std::string Diagnostic::format() const {
  std::ostringstream o;
  o << file;
  if (line > 0) {
    o << ':' << line << ':' << column;
  }
  o << ": ";
  if (warning) {
    o << "warning: ";
  }
  if (!path.empty()) {
    o << path << ": ";
  }
  o << message;
  // Diagnostics go to stderr, check-config's JSON and the service log: never a credential.
  return redactSecrets(o.str());
}

namespace {
// A secret is a password or a passphrase: anything larger is the wrong file.
constexpr off_t kMaxSecretBytes = 64 * 1024;
// patrond.yaml and mapping files: far above any real one, far below a mistake like /dev/zero.
constexpr off_t kMaxConfigBytes = 4 * 1024 * 1024;
}  // namespace

Result<std::string> readSecret(const SecretRef& ref) {
  if (!ref.env.empty()) {
    const char* v = std::getenv(ref.env.c_str());
    if (!v) {
      return Error{"SECRET", "environment variable " + ref.env + " is not set", ""};
    }
    if (!*v) {
      return Error{"SECRET", "environment variable " + ref.env + " is empty", ""};
    }
    return std::string(v);
  }
  if (ref.file.empty()) {
    return Error{"SECRET", "no secret file named", ""};
  }
  // Never an exception (a directory used to throw out of the stream and end the process), and
  // O_NONBLOCK so that a FIFO named as the secret cannot hang the open.
  int fd = ::open(ref.file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return Error{"SECRET", "cannot read secret file: " + std::string(std::strerror(errno)),
                 ref.file};
  }
  struct stat st {};
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = "cannot read secret file: " + std::string(std::strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    problem = "the secret file is a directory; name the file that holds the secret";
  } else if (!S_ISREG(st.st_mode)) {
    problem = "the secret file is not a regular file";
  } else if (st.st_size > kMaxSecretBytes) {
    problem = "the secret file is larger than 64 KiB; is it the right file?";
  }
  std::string s;
  while (problem.empty()) {
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      problem = "cannot read secret file: " + std::string(std::strerror(errno));
    } else if (n == 0) {
      break;
    } else if (s.size() + static_cast<size_t>(n) > static_cast<size_t>(kMaxSecretBytes)) {
      problem = "the secret file is larger than 64 KiB; is it the right file?";
    } else {
      s.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  if (!problem.empty()) {
    return Error{"SECRET", problem, ref.file};
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  if (s.empty()) {
    return Error{"SECRET", "the secret file is empty", ref.file};
  }
  return s;
}

namespace {

using Keys = std::vector<std::string>;

const std::vector<std::pair<std::string, int>> kWeekdays{
    {"sunday", 0},   {"monday", 1}, {"tuesday", 2}, {"wednesday", 3},
    {"thursday", 4}, {"friday", 5}, {"saturday", 6}};
const std::vector<std::pair<std::string, int>> kMonths{
    {"january", 1},   {"february", 2}, {"march", 3},     {"april", 4},
    {"may", 5},       {"june", 6},     {"july", 7},      {"august", 8},
    {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12}};

class Loader {
 public:
  Loader(std::string file, std::vector<Diagnostic>& diags) : file_(std::move(file)), diags_(diags) {
    dir_ = fs::path(file_).parent_path();
  }

  const std::string& file() const { return file_; }
  fs::path dir() const { return dir_; }
  // check-config: read every secret now (errors), not only look at its file (warnings).
  void setReadSecrets(bool on) { readSecrets_ = on; }

  void error(const YAML::Node& at, const std::string& path, const std::string& msg) {
    add(at.Mark(), path, msg, false);
  }
  void warn(const YAML::Node& at, const std::string& path, const std::string& msg) {
    add(at.Mark(), path, msg, true);
  }
  void add(const YAML::Mark& m, const std::string& path, const std::string& msg, bool warning) {
    Diagnostic d{file_,  m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, path, msg,
                 warning};
    diags_.push_back(std::move(d));
  }
  void remember(const std::string& path, const YAML::Mark& m) { marks_[path] = m; }
  std::optional<YAML::Mark> markOf(const std::string& path) const {
    // The longest known prefix of the path locates the problem.
    std::string p = path;
    while (!p.empty()) {
      auto it = marks_.find(p);
      if (it != marks_.end()) {
        return it->second;
      }
      size_t cut = p.find_last_of(".[");
      if (cut == std::string::npos) {
        break;
      }
      p.resize(cut);
    }
    return std::nullopt;
  }

  // A mapping whose keys must all be in `allowed`.
  bool mapping(const YAML::Node& n, const std::string& path, const Keys& allowed) {
    if (!n.IsMap()) {
      error(n, path, std::string("expected a mapping of keys, got ") + kind(n));
      return false;
    }
    remember(path, n.Mark());
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) {
        continue;  // checkKeys() reported it
      }
      std::string key = it->first.Scalar();
      std::string kp = join(path, key);
      remember(kp, it->second.IsNull() ? it->first.Mark() : it->second.Mark());
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string msg = "unknown key '" + key + "'";
        if (key == "password") {
          msg += ": secrets never sit in the YAML; use password_file or password_env";
        } else if (auto near = closestMatch(key, allowed)) {
          msg += " (did you mean '" + *near + "'?)";
        }
        add(it->first.Mark(), kp, msg, false);
      }
    }
    return true;
  }

  static const char* kind(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Map:
        return "a mapping";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Null:
        return "nothing";
      default:
        return "a scalar";
    }
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  bool scalar(const YAML::Node& v, const std::string& path) {
    if (!v.IsScalar()) {
      error(v, path, std::string("expected a value, got ") + kind(v));
      return false;
    }
    return true;
  }

  void str(const YAML::Node& n, const std::string& key, const std::string& path, std::string& out,
           bool required = false) {
    YAML::Node v = n[key];
    if (!v) {
      if (required) {
        error(n, join(path, key), "required key '" + key + "' is missing");
      }
      return;
    }
    if (scalar(v, join(path, key))) {
      out = v.Scalar();
      if (required && out.empty()) {
        error(v, join(path, key), "must not be empty");
      }
    }
  }

  void filePath(const YAML::Node& n, const std::string& key, const std::string& path,
                std::string& out, bool required = false) {
    str(n, key, path, out, required);
    if (!out.empty()) {
      out = resolve(out);
    }
  }

  std::string resolve(const std::string& p) const {
    fs::path fp(p);
    return fp.is_absolute() ? p : (dir_ / fp).lexically_normal().string();
  }

  template <typename Int>
  void integer(const YAML::Node& n, const std::string& key, const std::string& path, Int& out,
               long long min, long long max) {
    YAML::Node v = n[key];
    if (!v) {
      return;
    }
    std::string kp = join(path, key);
    if (!scalar(v, kp)) {
      return;
    }
    long long x = 0;
    try {
      x = v.as<long long>();
    } catch (const YAML::Exception&) {
      std::string t = v.Scalar();
      size_t digits = t.find_first_not_of("0123456789", t.empty() || t[0] != '-' ? 0 : 1);
      if (!t.empty() && digits == std::string::npos && t != "-") {
        error(v, kp,
              "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", got a number too large to hold");
      } else {
        error(v, kp, "expected a whole number, got '" + t.substr(0, 64) + "'");
      }
      return;
    }
    if (x < min || x > max) {
      error(v, kp,
            "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                std::to_string(x));
      return;
    }
    out = static_cast<Int>(x);
  }

  template <typename Int>
  void optInteger(const YAML::Node& n, const std::string& key, const std::string& path,
                  std::optional<Int>& out, long long min, long long max) {
    if (n[key]) {
      Int v{};
      size_t before = diags_.size();
      integer(n, key, path, v, min, max);
      if (diags_.size() == before) {
        out = v;
      }
    }
  }

  void boolean(const YAML::Node& n, const std::string& key, const std::string& path, bool& out) {
    YAML::Node v = n[key];
    if (!v) {
      return;
    }
    std::string kp = join(path, key);
    if (!scalar(v, kp)) {
      return;
    }
    try {
      out = v.as<bool>();
    } catch (const YAML::Exception&) {
      error(v, kp, "expected true or false, got '" + v.Scalar() + "'");
    }
  }

  void optBoolean(const YAML::Node& n, const std::string& key, const std::string& path,
                  std::optional<bool>& out) {
    if (n[key]) {
      bool b = false;
      size_t before = diags_.size();
      boolean(n, key, path, b);
      if (diags_.size() == before) {
        out = b;
      }
    }
  }

  // A duration in [min, max]: a huge one is a range error, never a wrapped-around count.
  void duration(const YAML::Node& n, const std::string& key, const std::string& path,
                std::chrono::seconds& out, std::chrono::seconds min, std::chrono::seconds max) {
    YAML::Node v = n[key];
    if (!v || !scalar(v, join(path, key))) {
      return;
    }
    std::string t(trim(v.Scalar()));
    std::string range = "must be between " + formatDuration(min) + " and " + formatDuration(max);
    auto d = parseDuration(t);
    size_t digits = t.find_first_not_of("0123456789");
    bool shaped =
        !t.empty() && digits != 0 &&
        (digits == std::string::npos ||
         (digits + 1 == t.size() && std::string("smhd").find(t[digits]) != std::string::npos));
    if (!d && shaped) {
      error(v, join(path, key), range + ", got '" + t.substr(0, 64) + "' (too large)");
    } else if (!d) {
      error(v, join(path, key),
            "expected a duration like 30s, 15m, 2h or 1d, got '" + t.substr(0, 64) + "'");
    } else if (*d < min || *d > max) {
      error(v, join(path, key), range + ", got '" + t.substr(0, 64) + "'");
    } else {
      out = *d;
    }
  }

  template <typename E>
  void choice(const YAML::Node& n, const std::string& key, const std::string& path, E& out,
              const std::vector<std::pair<std::string, E>>& options) {
    YAML::Node v = n[key];
    if (!v || !scalar(v, join(path, key))) {
      return;
    }
    // YAML 1.1 reads bare on/off as booleans; accept their spelling as the word.
    std::string s = toLower(v.Scalar());
    Keys names;
    for (const auto& [name, value] : options) {
      if (name == s) {
        out = value;
        return;
      }
      names.push_back(name);
    }
    std::string msg = "'" + v.Scalar() + "' is not one of";
    for (const auto& nm : names) {
      msg += " " + nm;
    }
    if (auto near = closestMatch(s, names)) {
      msg += " (did you mean '" + *near + "'?)";
    }
    error(v, join(path, key), msg);
  }

  void strList(const YAML::Node& n, const std::string& key, const std::string& path,
               std::vector<std::string>& out) {
    YAML::Node v = n[key];
    if (!v) {
      return;
    }
    std::string kp = join(path, key);
    out.clear();
    if (v.IsScalar()) {
      out.push_back(v.Scalar());
      return;
    }
    if (!v.IsSequence()) {
      error(v, kp, std::string("expected a list, got ") + kind(v));
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (scalar(v[i], kp + "[" + std::to_string(i) + "]")) {
        out.push_back(v[i].Scalar());
      }
    }
  }

  void secret(const YAML::Node& n, const std::string& path, SecretRef& out,
              const std::string& fileKey = "password_file",
              const std::string& envKey = "password_env") {
    filePath(n, fileKey, path, out.file);
    str(n, envKey, path, out.env);
    if (!out.file.empty() && !out.env.empty()) {
      error(n, path, "give " + fileKey + " or " + envKey + ", not both");
    } else if (!out.file.empty()) {
      checkSecret(n[fileKey], join(path, fileKey), SecretRef{out.file, ""});
    } else if (!out.env.empty()) {
      checkSecret(n[envKey], join(path, envKey), SecretRef{"", out.env});
    }
  }

  // Loading for the service only looks at a secret file (warnings: it may appear later);
  // check-config reads every secret, and what cannot be read is an error naming key and file.
  void checkSecret(const YAML::Node& at, const std::string& path, const SecretRef& ref) {
    if (readSecrets_) {
      if (auto s = readSecret(ref); !s) {
        error(
            at, path,
            s.error().describe() + (ref.env.empty() ? "" : " (as the user running this command)"));
        return;
      }
    }
    if (ref.file.empty()) {
      return;
    }
    const std::string& file = ref.file;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        warn(at, path, "secret file " + file + " does not exist (yet)");
      } else {
        warn(at, path, "secret file " + file + " cannot be checked: " + std::strerror(errno));
      }
    } else if (S_ISDIR(st.st_mode)) {
      warn(at, path, "secret file " + file + " is a directory, not a file");
    } else if (st.st_mode & S_IROTH) {
      warn(at, path,
           "secret file " + file + " is readable by everyone; chown root:patrond " + file +
               " && chmod 640 " + file);
    }
  }

  // A password written into a connection string or URL (password=, pwd=, pass=,
  // scheme://user:password@): refused, as the password key is.
  void noCredential(const YAML::Node& v, const std::string& path, const std::string& text,
                    const std::string& secretKeys) {
    if (redactSecrets(text) == text) {
      return;
    }
    bool url = text.find("://") != std::string::npos &&
               redactSecrets(text).find(":***@") != std::string::npos;
    error(v, path,
          std::string(url ? "a password in the URL (user:password@)"
                          : "a password in the connection string") +
              ": secrets never sit in the YAML; remove it and use " + secretKeys);
  }

  std::map<std::string, YAML::Mark> marks_;

 private:
  std::string file_;
  fs::path dir_;
  std::vector<Diagnostic>& diags_;
  bool readSecrets_ = false;
};

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

// Reads one YAML file (patrond.yaml or a mapping file) as text, never an exception: only a
// regular file of sane size, valid UTF-8, one document, keys checked.
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

std::optional<YAML::Node> parseFile(const std::string& path, std::vector<Diagnostic>& diags) {
  auto fail = [&](int line, int col, const std::string& msg) -> std::optional<YAML::Node> {
    diags.push_back({path, line, col, "", msg, false});
    return std::nullopt;
  };
  // O_NONBLOCK: a FIFO named as the file must not hang the open.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return fail(0, 0, "cannot open file: " + std::string(std::strerror(errno)));
  }
  struct stat st {};
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = "cannot read file: " + std::string(std::strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    problem = "is a directory, not a YAML file";
  } else if (!S_ISREG(st.st_mode)) {
    problem = "is not a regular file (a FIFO or a device cannot be a configuration file)";
  } else if (st.st_size > kMaxConfigBytes) {
    problem = "is larger than 4 MiB; is it the right file?";
  }
  std::string text;
  while (problem.empty()) {
    char buf[65536];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      problem = "cannot read file: " + std::string(std::strerror(errno));
    } else if (n == 0) {
      break;
    } else if (text.size() + static_cast<size_t>(n) > static_cast<size_t>(kMaxConfigBytes)) {
      problem = "is larger than 4 MiB; is it the right file?";
    } else {
      text.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  if (!problem.empty()) {
    return fail(0, 0, problem);
  }
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

// ---- mapping files ----

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
      L.boolean(v, "empty", path, m.empty);
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
  std::string name = keyNode.Scalar();
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

void loadMapping(const std::string& file, Mapping& m, std::vector<Diagnostic>& diags,
                 bool oneRoster) {
  auto root = parseFile(file, diags);
  if (!root) {
    return;
  }
  Loader L(file, diags);
  m.path = file;
  if (!L.mapping(*root, "",
                 {"header", "delimiter", "match_on", "fields", "defaults", "rules",
                  "on_barcode_conflict", "preserve"})) {
    return;
  }
  const YAML::Node& r = *root;
  L.boolean(r, "header", "", m.header);
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
  L.choice(r, "match_on", "", m.matchOn,
           {{"district_id", MatchOn::kDistrictId},
            {"barcode", MatchOn::kBarcode},
            {"username", MatchOn::kUsername}});
  L.choice(r, "on_barcode_conflict", "", m.onBarcodeConflict,
           {{"skip", BarcodeConflict::kSkip},
            {"take_from_inactive", BarcodeConflict::kTakeFromInactive}});
  if (YAML::Node f = r["fields"]) {
    if (!f.IsMap()) {
      L.error(f, "fields", "expected a mapping of patron fields to columns");
    } else {
      for (auto it = f.begin(); it != f.end(); ++it) {
        std::string kp = "fields." + it->first.Scalar();
        auto pf = field(L, it->first, kp);
        if (!pf) {
          continue;
        }
        FieldSource src;
        const YAML::Node v = it->second;
        // yaml-cpp's Node::operator= rebinds the shared node, so never assign over `v`.
        const YAML::Node col = v.IsMap() ? v["column"] : v;
        if (v.IsMap()) {
          if (!L.mapping(v, kp, {"column", "format"})) {
            continue;
          }
          L.str(v, "format", kp, src.dateFormat);
          if (!col) {
            L.error(v, kp, "required key 'column' is missing");
            continue;
          }
        }
        if (!L.scalar(col, kp)) {
          continue;
        }
        if (m.header) {
          src.column = col.Scalar();
          if (oneRoster && !oneroster::isColumn(src.column)) {
            std::vector<std::string> names = oneroster::userColumns();
            const auto& derived = oneroster::derivedColumns();
            names.insert(names.end(), derived.begin(), derived.end());
            auto near = closestMatch(src.column, names);
            L.error(col, kp,
                    "'" + src.column +
                        "' is not a OneRoster column (users.csv's columns, metadata.*, or the "
                        "derived grade, persona, org.*, homeroom.*, demographics.*; see "
                        "docs/imports.md)" +
                        (near ? "; did you mean '" + *near + "'?" : ""));
            continue;
          }
        } else {
          try {
            src.columnNumber = col.as<int>();
          } catch (const YAML::Exception&) {
            src.columnNumber = 0;
          }
          if (src.columnNumber < 1 || src.columnNumber > 100000) {
            L.error(col, kp, "with header: false, give a 1-based column number (1 to 100000)");
            continue;
          }
        }
        m.fields.emplace_back(*pf, src);
      }
    }
  }
  if (oneRoster) {
    checkOneRosterMapping(L, r, m);
  }
  if (r["defaults"]) {
    m.defaults = fieldValues(L, r["defaults"], "defaults");
  }
  if (YAML::Node p = r["preserve"]) {
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
  if (YAML::Node rules = r["rules"]) {
    if (!rules.IsSequence()) {
      L.error(rules, "rules", "expected a list of rules");
      return;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string rp = "rules[" + std::to_string(i) + "]";
      const YAML::Node& rn = rules[i];
      if (!L.mapping(rn, rp, {"when", "set", "map", "skip", "reject"})) {
        continue;
      }
      Rule rule;
      rule.line = rn.Mark().line + 1;
      if (YAML::Node w = rn["when"]) {
        if (!w.IsMap()) {
          L.error(w, rp + ".when", "expected a mapping of patron fields to matchers");
        } else {
          for (auto it = w.begin(); it != w.end(); ++it) {
            std::string kp = rp + ".when." + it->first.Scalar();
            if (auto f = field(L, it->first, kp)) {
              rule.when.emplace_back(*f, loadMatcher(L, it->second, kp));
            }
          }
        }
      }
      if (rn["set"]) {
        rule.set = fieldValues(L, rn["set"], rp + ".set");
      }
      if (YAML::Node mp = rn["map"]) {
        if (!mp.IsMap()) {
          L.error(mp, rp + ".map", "expected {field: {from: to, ...}}");
        } else {
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
      }
      if (rn["skip"]) {
        rule.skip.emplace();
        L.str(rn, "skip", rp, *rule.skip);
      }
      if (rn["reject"]) {
        rule.reject.emplace();
        L.str(rn, "reject", rp, *rule.reject);
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
}

// ---- patrond.yaml ----

void loadPolicyLevel(Loader& L, const YAML::Node& n, const std::string& path, PolicyLevel& p) {
  if (!L.mapping(n, path,
                 {"loan_days", "max_checkouts", "overdue_to_lost_days",
                  "block_on_fines_or_overdues", "charge_lost", "conditioning"})) {
    return;
  }
  L.optInteger(n, "loan_days", path, p.loanDays, 1, 3650);
  L.optInteger(n, "max_checkouts", path, p.maxCheckouts, 1, 999);
  L.optInteger(n, "overdue_to_lost_days", path, p.overdueToLostDays, 1, 3650);
  L.optBoolean(n, "block_on_fines_or_overdues", path, p.blockOnFinesOrOverdues);
  L.optBoolean(n, "charge_lost", path, p.chargeLost);
  if (YAML::Node c = n["conditioning"]) {
    std::string cp = path + ".conditioning";
    if (L.mapping(c, cp, {"enabled", "demote_after"})) {
      L.optBoolean(c, "enabled", cp, p.conditioningEnabled);
      if (YAML::Node d = c["demote_after"]) {
        if (d.IsMap()) {
          L.remember(cp + ".demote_after", d.Mark());
          for (auto it = d.begin(); it != d.end(); ++it) {
            int v = 0;
            L.integer(d, it->first.Scalar(), cp + ".demote_after", v, 1, 25);
            L.remember(cp + ".demote_after." + it->first.Scalar(), it->first.Mark());
            if (v > 0) {
              p.demoteAfter[it->first.Scalar()] = v;
            }
          }
        } else {
          L.error(d, cp + ".demote_after", "expected {condition: count}");
        }
      }
    }
  }
}

void loadPolicyTree(Loader& L, const YAML::Node& n, const std::string& path, PolicyTree& t) {
  if (!L.mapping(n, path, {"district", "site_types", "sites"})) {
    return;
  }
  if (n["district"]) {
    loadPolicyLevel(L, n["district"], path + ".district", t.district);
  }
  for (auto [key, target] : {std::pair{"site_types", &t.siteTypes}, std::pair{"sites", &t.sites}}) {
    YAML::Node m = n[key];
    if (!m) {
      continue;
    }
    std::string mp = path + "." + key;
    if (!m.IsMap()) {
      L.error(m, mp, "expected a mapping");
      continue;
    }
    for (auto it = m.begin(); it != m.end(); ++it) {
      std::string kp = mp + "." + it->first.Scalar();
      L.remember(kp, it->first.Mark());
      loadPolicyLevel(L, it->second, kp, (*target)[it->first.Scalar()]);
    }
  }
}

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

// An unknown day name: the error, with the closest of `names`.
void unknownDay(Loader& L, const YAML::Node& at, const std::string& path, const std::string& name,
                Keys names, const std::string& what) {
  std::string msg = "'" + name + "' is not " + what;
  if (auto near = closestMatch(name, names)) {
    msg += " (did you mean '" + *near + "'?)";
  }
  L.error(at, path, msg);
}

int weekdayByName(Loader& L, const YAML::Node& at, const std::string& path,
                  const std::string& name) {
  Keys names;
  for (const auto& [n, d] : kWeekdays) {
    if (n == toLower(name)) {
      return d;
    }
    names.push_back(n);
  }
  unknownDay(L, at, path, name, names, "a weekday");
  return -1;
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
  Keys names{"daily", "weekdays"};
  for (const auto& [wn, d] : kWeekdays) {
    names.push_back(wn);
  }
  unknownDay(L, at, path, name, names, "a weekday, daily or weekdays");
  return {};
}

void loadSource(Loader& L, const YAML::Node& n, const std::string& path, SourceConfig& s) {
  if (!L.mapping(n, path,
                 {"directory", "sftp", "file", "encoding", "settle", "keep_copies", "format",
                  "watch", "poll_every"})) {
    return;
  }
  L.filePath(n, "directory", path, s.directory);
  L.str(n, "file", path, s.file, true);
  L.choice(n, "encoding", path, s.encoding,
           std::vector<std::pair<std::string, std::string>>{{"utf-8", "utf-8"},
                                                            {"utf8", "utf-8"},
                                                            {"windows-1252", "windows-1252"},
                                                            {"cp1252", "windows-1252"},
                                                            {"iso-8859-1", "iso-8859-1"},
                                                            {"latin1", "iso-8859-1"},
                                                            {"macroman", "macroman"},
                                                            {"utf-16", "utf-16"}});
  L.duration(n, "settle", path, s.settle, std::chrono::seconds(0), std::chrono::hours(24));
  L.integer(n, "keep_copies", path, s.keepCopies, 0, 10000);
  L.choice(n, "format", path, s.format,
           {{"csv", SourceFormat::kCsv}, {"oneroster", SourceFormat::kOneRoster}});
  L.choice(n, "watch", path, s.watch, {{"notify", WatchMode::kNotify}, {"poll", WatchMode::kPoll}});
  L.duration(n, "poll_every", path, s.pollEvery, std::chrono::seconds(1), std::chrono::hours(24));
  if (YAML::Node sf = n["sftp"]) {
    std::string sp = path + ".sftp";
    SftpConfig c;
    if (L.mapping(sf, sp,
                  {"url", "username", "password_file", "password_env", "private_key",
                   "passphrase_file", "known_hosts", "poll_every", "max_size"})) {
      L.str(sf, "url", sp, c.url, true);
      if (!c.url.empty()) {
        L.noCredential(sf["url"], sp + ".url", c.url,
                       "username with password_file or password_env");
      }
      L.str(sf, "username", sp, c.username, true);
      L.secret(sf, sp, c.password);
      L.filePath(sf, "private_key", sp, c.privateKey);
      L.filePath(sf, "passphrase_file", sp, c.passphraseFile);
      if (!c.passphraseFile.empty()) {
        L.checkSecret(sf["passphrase_file"], sp + ".passphrase_file",
                      SecretRef{c.passphraseFile, ""});
      }
      L.filePath(sf, "known_hosts", sp, c.knownHosts);
      L.duration(sf, "poll_every", sp, c.pollEvery, std::chrono::seconds(1),
                 std::chrono::hours(24 * 7));
      if (YAML::Node m = sf["max_size"]) {
        auto b = L.scalar(m, sp + ".max_size") ? parseByteSize(m.Scalar()) : std::nullopt;
        if (!b || *b < 1 || *b > (1ull << 40)) {
          L.error(m, sp + ".max_size", "expected a size like 500MB or 2GB (1B to 1024GB)");
        } else {
          c.maxSize = *b;
        }
      }
    }
    s.sftp = c;
  }
}

void loadLifecycle(Loader& L, const YAML::Node& n, const std::string& path, LifecycleConfig& l) {
  if (!L.mapping(
          n, path,
          {"min_records_read", "max_skipped", "scope", "inactivate", "delete_graduated_seniors",
           "delete_inactive", "delete_with_transactions", "max_percent"})) {
    return;
  }
  L.integer(n, "min_records_read", path, l.minRecordsRead, 0, 999999);
  L.integer(n, "max_skipped", path, l.maxSkipped, 0, 999999);
  L.integer(n, "max_percent", path, l.maxPercent, 0, 100);
  L.boolean(n, "delete_graduated_seniors", path, l.deleteGraduatedSeniors);
  if (YAML::Node s = n["scope"]) {
    std::string sp = path + ".scope";
    if (L.mapping(s, sp, {"patron_types", "access_levels", "personas"})) {
      L.strList(s, "patron_types", sp, l.scope.patronTypes);
      L.strList(s, "access_levels", sp, l.scope.accessLevels);
      L.strList(s, "personas", sp, l.scope.personas);
    }
  }
  if (YAML::Node s = n["inactivate"]) {
    std::string sp = path + ".inactivate";
    Inactivate in;
    if (L.mapping(s, sp, {"not_updated_days", "clear_homeroom", "prefix_username"})) {
      L.integer(s, "not_updated_days", sp, in.notUpdatedDays, 0, 3650);
      L.boolean(s, "clear_homeroom", sp, in.clearHomeroom);
      L.boolean(s, "prefix_username", sp, in.prefixUsername);
    }
    l.inactivate = in;
  }
  if (YAML::Node s = n["delete_inactive"]) {
    std::string sp = path + ".delete_inactive";
    DeleteInactive d;
    if (L.mapping(s, sp, {"after_days", "when", "amount"})) {
      L.integer(s, "after_days", sp, d.afterDays, 0, 36500);
      L.choice(s, "when", sp, d.when,
               {{"no_checkouts_no_fines", DeleteInactiveWhen::kNoCheckoutsNoFines},
                {"fines_below", DeleteInactiveWhen::kFinesBelow},
                {"unrestricted", DeleteInactiveWhen::kUnrestricted}});
      if (YAML::Node a = s["amount"]) {
        auto cents = L.scalar(a, sp + ".amount") ? parseCents(a.Scalar()) : std::nullopt;
        if (!cents || *cents < 0) {
          L.error(a, sp + ".amount", "expected an amount like 5.00");
        } else {
          d.amountCents = *cents;
        }
      } else if (d.when == DeleteInactiveWhen::kFinesBelow) {
        L.error(s, sp, "when: fines_below needs amount");
      }
    }
    l.deleteInactive = d;
  }
  if (YAML::Node s = n["delete_with_transactions"]) {
    std::string sp = path + ".delete_with_transactions";
    DeleteWithTransactions d;
    if (L.mapping(s, sp, {"inactive_days", "grad_year_years_ago", "age"})) {
      L.optInteger(s, "inactive_days", sp, d.inactiveDays, 0, 36500);
      L.optInteger(s, "grad_year_years_ago", sp, d.gradYearYearsAgo, 0, 99);
      L.optInteger(s, "age", sp, d.age, 0, 99);
      if (s.size() != 1) {
        L.error(s, sp, "give exactly one of inactive_days, grad_year_years_ago, age");
      }
    }
    l.deleteWithTransactions = d;
  }
}

void loadImport(Loader& L, const YAML::Node& n, const std::string& path, ImportJob& j,
                std::vector<Diagnostic>& diags) {
  if (!L.mapping(
          n, path,
          {"name", "source", "mapping", "schedule", "on_new_file", "options", "lifecycle"})) {
    return;
  }
  L.str(n, "name", path, j.name, true);
  if (!j.name.empty()) {
    // The name becomes folder and file names (archive copies, downloads, leases).
    bool safe = j.name.size() <= 64 && std::isalnum(static_cast<unsigned char>(j.name[0])) &&
                std::all_of(j.name.begin(), j.name.end(), [](char ch) {
                  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' ||
                         ch == '-';
                });
    if (!safe) {
      L.error(n["name"], path + ".name",
              "a job name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
              "digit (it names folders and files), got '" +
                  redactSecrets(j.name.substr(0, 64)) + "'");
    }
  }
  if (n["source"]) {
    loadSource(L, n["source"], path + ".source", j.source);
  } else {
    L.error(n, path + ".source", "required key 'source' is missing");
  }
  std::string mappingFile;
  L.filePath(n, "mapping", path, mappingFile, true);
  if (!mappingFile.empty()) {
    loadMapping(mappingFile, j.mapping, diags, j.source.format == SourceFormat::kOneRoster);
  }
  L.choice(n, "on_new_file", path, j.onNewFile,
           {{"none", OnNewFile::kNone},
            {"incremental", OnNewFile::kIncremental},
            {"full", OnNewFile::kFull},
            {"false", OnNewFile::kNone}});
  if (YAML::Node s = n["schedule"]) {
    std::string sp = path + ".schedule";
    Keys days{"daily", "weekdays"};
    for (const auto& [d, i] : kWeekdays) {
      days.push_back(d);
    }
    if (L.mapping(s, sp, days)) {
      // `daily` and `weekdays` are shorthands; a day named on its own wins over them.
      std::map<int, DaySchedule> byDay;
      for (int pass = 0; pass < 2; ++pass) {
        for (auto it = s.begin(); it != s.end(); ++it) {
          std::string key = toLower(it->first.Scalar());
          bool shorthand = key == "daily" || key == "weekdays";
          if (shorthand != (pass == 0)) {
            continue;
          }
          std::string dp = sp + "." + it->first.Scalar();
          std::vector<int> weekdays = daysByName(L, it->first, dp, it->first.Scalar());
          if (weekdays.empty()) {
            continue;  // named an unknown day: said so once
          }
          DaySchedule ds;
          if (L.mapping(it->second, dp, {"update", "at"})) {
            L.choice(it->second, "update", dp, ds.update,
                     {{"full", UpdateType::kFull}, {"incremental", UpdateType::kIncremental}});
            loadTimes(L, it->second, dp, ds.at);
          }
          for (int wd : weekdays) {
            ds.weekday = wd;
            byDay[wd] = ds;
          }
        }
      }
      for (auto& [wd, ds] : byDay) {
        j.schedule.push_back(ds);
      }
    }
  }
  if (YAML::Node o = n["options"]) {
    std::string op = path + ".options";
    if (L.mapping(o, op, {"allow_delete_with_transactions", "summary", "keep_runs"})) {
      L.boolean(o, "allow_delete_with_transactions", op, j.options.allowDeleteWithTransactions);
      L.choice(
          o, "summary", op, j.options.summary,
          {{"all", SummaryMode::kAll}, {"errors_and_warnings", SummaryMode::kErrorsAndWarnings}});
      L.integer(o, "keep_runs", op, j.options.keepRuns, 1, 100000);
    }
  }
  if (YAML::Node l = n["lifecycle"]) {
    LifecycleConfig lc;
    loadLifecycle(L, l, path + ".lifecycle", lc);
    j.lifecycle = lc;
  }
}

void loadNotice(Loader& L, const YAML::Node& n, const std::string& path, NoticeConfig& c) {
  if (!L.mapping(
          n, path,
          {"name", "report", "schedule", "deliver", "print_dir", "sites", "exclude_homerooms",
           "copy_to", "fallback_to", "min_days_overdue", "max_days_overdue", "due_within_days",
           "materials", "send_to", "subject", "template"})) {
    return;
  }
  L.str(n, "name", path, c.name, true);
  L.choice(n, "report", path, c.report,
           {{"overdue", NoticeReport::kOverdue},
            {"due_soon", NoticeReport::kDueSoon},
            {"checked_out", NoticeReport::kCheckedOut},
            {"fines", NoticeReport::kFines}});
  L.choice(n, "deliver", path, c.deliver,
           {{"email", Delivery::kEmail}, {"print", Delivery::kPrint}});
  L.filePath(n, "print_dir", path, c.printDir);
  L.strList(n, "sites", path, c.sites);
  L.strList(n, "exclude_homerooms", path, c.excludeHomerooms);
  L.strList(n, "copy_to", path, c.copyTo);
  L.str(n, "fallback_to", path, c.fallbackTo);
  L.optInteger(n, "min_days_overdue", path, c.minDaysOverdue, 0, 3650);
  L.optInteger(n, "max_days_overdue", path, c.maxDaysOverdue, 0, 3650);
  L.optInteger(n, "due_within_days", path, c.dueWithinDays, 0, 365);
  if (n["materials"]) {
    L.strList(n, "materials", path, c.materials);
    for (const auto& m : c.materials) {
      if (m != "textbook" && m != "library") {
        L.error(n["materials"], path + ".materials", "'" + m + "' is not one of textbook library");
      }
    }
  }
  L.choice(n, "send_to", path, c.sendTo,
           {{"homeroom_teacher", SendTo::kHomeroomTeacher}, {"patron", SendTo::kPatron}});
  L.str(n, "subject", path, c.subject);
  L.filePath(n, "template", path, c.templatePath);
  std::error_code templateError;
  if (!c.templatePath.empty() && !fs::exists(c.templatePath, templateError)) {
    L.error(n["template"], path + ".template",
            "template file " + c.templatePath + " does not exist");
  }
  if (YAML::Node s = n["schedule"]) {
    std::string sp = path + ".schedule";
    NoticeSchedule ns;
    if (L.mapping(s, sp, {"days", "at", "before_library_day"})) {
      std::vector<std::string> days;
      L.strList(s, "days", sp, days);
      for (const auto& d : days) {
        for (int wd : daysByName(L, s["days"], sp + ".days", d)) {
          if (std::find(ns.days.begin(), ns.days.end(), wd) == ns.days.end()) {
            ns.days.push_back(wd);
          }
        }
      }
      L.optInteger(s, "before_library_day", sp, ns.beforeLibraryDay, 0, 6);
      loadTimes(L, s, sp, ns.at);
      if (ns.days.empty() == !ns.beforeLibraryDay.has_value()) {
        L.error(s, sp, "give days or before_library_day");
      }
    }
    c.schedule = ns;
  }
}

void loadMonitoring(Loader& L, const YAML::Node& m, MonitoringConfig& c) {
  if (!L.mapping(m, "monitoring", {"grace", "metrics", "alerts"})) {
    return;
  }
  L.duration(m, "grace", "monitoring", c.grace, std::chrono::seconds(0),
             std::chrono::hours(24 * 7));
  L.str(m, "metrics", "monitoring", c.metrics);
  YAML::Node a = m["alerts"];
  if (!a || !L.mapping(a, "monitoring.alerts", {"to", "on", "repeat_after"})) {
    return;
  }
  AlertsConfig alerts;
  L.strList(a, "to", "monitoring.alerts", alerts.to);
  if (!a["to"]) {
    L.error(a, "monitoring.alerts.to", "required key 'to' is missing");
  }
  if (YAML::Node on = a["on"]) {
    std::vector<std::string> names;
    L.strList(a, "on", "monitoring.alerts", names);
    alerts.on.clear();
    for (size_t i = 0; i < names.size(); ++i) {
      if (auto k = alertKindByName(names[i])) {
        alerts.on.push_back(*k);
      } else {
        L.error(on.IsSequence() ? on[i] : on, "monitoring.alerts.on",
                "unknown alert '" + names[i].substr(0, 64) +
                    "' (one of run_failed, guard_stopped, source_unreachable, delivery_failed)");
      }
    }
  }
  L.duration(a, "repeat_after", "monitoring.alerts", alerts.repeatAfter, std::chrono::minutes(5),
             std::chrono::hours(24 * 30));
  c.alerts = std::move(alerts);
}

Config loadRoot(Loader& L, const YAML::Node& r, std::vector<Diagnostic>& diags) {
  Config c;
  c.path = L.file();
  if (!L.mapping(
          r, "",
          {"district", "database", "logging", "sites", "smtp", "imports", "homerooms", "notices",
           "textbook_policies", "library_policies", "conditions", "circulation", "monitoring"})) {
    return c;
  }
  if (YAML::Node d = r["district"]) {
    if (L.mapping(d, "district", {"name", "timezone", "statistical_year_starts"})) {
      L.str(d, "name", "district", c.district.name);
      L.str(d, "timezone", "district", c.district.timezone);
      if (!c.district.timezone.empty() && !tz::zoneExists(c.district.timezone)) {
        L.error(d["timezone"], "district.timezone",
                "unknown time zone '" + c.district.timezone +
                    "' (use an IANA name like America/Chicago)");
      }
      L.choice(d, "statistical_year_starts", "district", c.district.statisticalYearStartMonth,
               kMonths);
    }
  }
  c.database.connection = "db=" + (L.dir() / "patrond.db").string();
  if (YAML::Node d = r["database"]) {
    if (L.mapping(d, "database", {"backend", "connection", "password_file", "password_env"})) {
      L.choice(d, "backend", "database", c.database.backend,
               {{"sqlite3", DbBackend::kSqlite3},
                {"sqlite", DbBackend::kSqlite3},
                {"postgresql", DbBackend::kPostgresql},
                {"mysql", DbBackend::kMysql},
                {"mariadb", DbBackend::kMysql}});
      if (d["connection"]) {
        L.str(d, "connection", "database", c.database.connection);
        if (c.database.backend == DbBackend::kSqlite3) {
          // A relative SQLite file is relative to the config, like every other path.
          std::string& cs = c.database.connection;
          std::string file = cs.rfind("db=", 0) == 0 ? cs.substr(3) : cs;
          std::string rest;
          if (size_t sp = file.find(' '); sp != std::string::npos) {
            rest = file.substr(sp);
            file.resize(sp);
          }
          cs = "db=" + L.resolve(file) + rest;
        }
        L.noCredential(d["connection"], "database.connection", c.database.connection,
                       "database.password_file or database.password_env");
      } else if (c.database.backend != DbBackend::kSqlite3) {
        L.error(d, "database.connection", "required key 'connection' is missing");
      }
      L.secret(d, "database", c.database.password);
    }
  }
  if (YAML::Node l = r["logging"]) {
    if (L.mapping(l, "logging", {"level", "file", "rotate_size", "keep_files", "system"})) {
      L.choice(l, "level", "logging", c.logging.level,
               {{"trace", LogLevel::kTrace},
                {"debug", LogLevel::kDebug},
                {"info", LogLevel::kInfo},
                {"warning", LogLevel::kWarning},
                {"error", LogLevel::kError}});
      L.filePath(l, "file", "logging", c.logging.file);
      if (YAML::Node s = l["rotate_size"]) {
        auto b = L.scalar(s, "logging.rotate_size") ? parseByteSize(s.Scalar()) : std::nullopt;
        if (!b || *b < 1024 || *b > (1ull << 40)) {
          L.error(s, "logging.rotate_size", "expected a size like 10MB (1KB to 1024GB)");
        } else {
          c.logging.rotateSize = *b;
        }
      }
      L.integer(l, "keep_files", "logging", c.logging.keepFiles, 1, 1000);
      L.boolean(l, "system", "logging", c.logging.system);
    }
  }
  if (YAML::Node s = r["sites"]) {
    if (!s.IsSequence()) {
      L.error(s, "sites", "expected a list of sites");
    } else {
      for (size_t i = 0; i < s.size(); ++i) {
        std::string sp = "sites[" + std::to_string(i) + "]";
        Site site;
        if (L.mapping(s[i], sp, {"code", "name", "type"})) {
          L.str(s[i], "code", sp, site.code, true);
          L.str(s[i], "name", sp, site.name);
          L.str(s[i], "type", sp, site.type);
        }
        c.sites.push_back(site);
      }
    }
  }
  if (YAML::Node s = r["smtp"]) {
    SmtpConfig m;
    if (L.mapping(s, "smtp",
                  {"host", "port", "security", "username", "password_file", "password_env", "from",
                   "verify_certificate", "ca_file"})) {
      L.str(s, "host", "smtp", m.host, true);
      L.integer(s, "port", "smtp", m.port, 1, 65535);
      L.choice(s, "security", "smtp", m.security,
               {{"none", SmtpSecurity::kNone},
                {"starttls", SmtpSecurity::kStarttls},
                {"tls", SmtpSecurity::kTls}});
      L.str(s, "username", "smtp", m.username);
      L.secret(s, "smtp", m.password);
      L.str(s, "from", "smtp", m.from, true);
      L.boolean(s, "verify_certificate", "smtp", m.verifyCertificate);
      L.filePath(s, "ca_file", "smtp", m.caFile);
      if (m.security == SmtpSecurity::kNone && !m.password.empty()) {
        L.warn(s["security"], "smtp.security",
               "security: none sends the SMTP password in clear text; use starttls or tls");
      }
      if (!m.verifyCertificate) {
        L.warn(s["verify_certificate"], "smtp.verify_certificate",
               "the mail server's certificate is not checked: anyone on the way can read the mail "
               "and the password; for a private CA give ca_file instead");
      }
    }
    c.smtp = m;
  }
  if (YAML::Node s = r["imports"]) {
    if (!s.IsSequence()) {
      L.error(s, "imports", "expected a list of import jobs");
    } else {
      for (size_t i = 0; i < s.size(); ++i) {
        ImportJob j;
        loadImport(L, s[i], "imports[" + std::to_string(i) + "]", j, diags);
        c.imports.push_back(std::move(j));
      }
    }
  }
  if (YAML::Node s = r["homerooms"]) {
    if (!s.IsSequence()) {
      L.error(s, "homerooms", "expected a list of homerooms");
    } else {
      for (size_t i = 0; i < s.size(); ++i) {
        std::string hp = "homerooms[" + std::to_string(i) + "]";
        HomeroomConfig h;
        if (L.mapping(
                s[i], hp,
                {"site", "name", "teacher_email", "teacher_name", "library_day", "notices"})) {
          L.str(s[i], "site", hp, h.site, true);
          L.str(s[i], "name", hp, h.name, true);
          L.str(s[i], "teacher_email", hp, h.teacherEmail);
          L.str(s[i], "teacher_name", hp, h.teacherName);
          if (YAML::Node d = s[i]["library_day"]; d && L.scalar(d, hp + ".library_day")) {
            int wd = weekdayByName(L, d, hp + ".library_day", d.Scalar());
            if (wd >= 0) {
              h.libraryDay = wd;
            }
          }
          L.boolean(s[i], "notices", hp, h.notices);
        }
        c.homerooms.push_back(h);
      }
    }
  }
  if (YAML::Node s = r["notices"]) {
    if (!s.IsSequence()) {
      L.error(s, "notices", "expected a list of notices");
    } else {
      for (size_t i = 0; i < s.size(); ++i) {
        NoticeConfig nc;
        loadNotice(L, s[i], "notices[" + std::to_string(i) + "]", nc);
        c.notices.push_back(std::move(nc));
      }
    }
  }
  if (r["textbook_policies"]) {
    loadPolicyTree(L, r["textbook_policies"], "textbook_policies", c.textbookPolicies);
  }
  if (r["library_policies"]) {
    loadPolicyTree(L, r["library_policies"], "library_policies", c.libraryPolicies);
  }
  if (YAML::Node circ = r["circulation"]) {
    if (L.mapping(circ, "circulation", {"sweep_at"})) {
      if (YAML::Node at = circ["sweep_at"]; at && L.scalar(at, "circulation.sweep_at")) {
        if (auto t = parseTimeOfDay(at.Scalar())) {
          c.circulation.sweepAt = *t;
        } else {
          L.error(at, "circulation.sweep_at", "expected a time HH:MM, got '" + at.Scalar() + "'");
        }
      }
    }
  }
  if (YAML::Node m = r["monitoring"]) {
    loadMonitoring(L, m, c.monitoring);
  }
  c.conditions = defaultConditions();
  if (YAML::Node s = r["conditions"]) {
    if (s.IsMap()) {
      L.remember("conditions", s.Mark());
      std::vector<Condition> conds;
      for (auto it = s.begin(); it != s.end(); ++it) {
        int pct = 0;
        L.integer(s, it->first.Scalar(), "conditions", pct, 0, 100);
        conds.push_back({it->first.Scalar(), pct});
      }
      // Keep the hand-set conditions the SPEC names even when the file leaves them out.
      for (const auto& d : defaultConditions()) {
        if (std::none_of(conds.begin(), conds.end(), [&](auto& x) { return x.name == d.name; })) {
          conds.push_back(d);
        }
      }
      c.conditions = conds;
    } else {
      L.error(s, "conditions", "expected {condition: percent}");
    }
  }
  return c;
}

}  // namespace

LoadResult loadConfig(const std::string& path, const LoadOptions& options) {
  LoadResult out;
  try {
    auto root = parseFile(path, out.diagnostics);
    if (!root) {
      return out;
    }
    Loader L(path, out.diagnostics);
    L.setReadSecrets(options.readSecrets);
    Config c;
    try {
      c = loadRoot(L, *root, out.diagnostics);
    } catch (const YAML::Exception& e) {
      // A shape the walker did not expect: report it where it is rather than crash.
      out.diagnostics.push_back({path, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                 e.mark.column >= 0 ? e.mark.column + 1 : 0, "", e.msg, false});
      return out;
    }
    for (const auto& issue : validateConfig(c)) {
      auto mark = L.markOf(issue.path);
      out.diagnostics.push_back({path, mark ? mark->line + 1 : 0, mark ? mark->column + 1 : 0,
                                 issue.path, issue.message, issue.warning});
    }
    bool errors = std::any_of(out.diagnostics.begin(), out.diagnostics.end(),
                              [](const Diagnostic& d) { return !d.warning; });
    if (!errors) {
      out.config = std::move(c);
    }
  } catch (const std::exception& e) {
    // The last line of defence: no exception leaves the loader (the service would abort).
    out.config.reset();
    out.diagnostics.push_back(
        {path, 0, 0, "", std::string("cannot load the configuration: ") + e.what(), false});
  }
  return out;
}

}  // namespace patrond::config
