#include "adapters/config/loader.h"

#include <algorithm>

#include "adapters/config/secret_file.h"
#include "engine/text.h"

namespace patrond::config {

namespace fs = std::filesystem;

Loader::Loader(std::string file, std::vector<Diagnostic>& diags)
    : file_(std::move(file)), diags_(diags) {
  dir_ = fs::path(file_).parent_path();
}

void Loader::error(const YAML::Node& at, const std::string& path, const std::string& msg) {
  add(at.Mark(), path, msg, false);
}

void Loader::warn(const YAML::Node& at, const std::string& path, const std::string& msg) {
  add(at.Mark(), path, msg, true);
}

void Loader::add(const YAML::Mark& m, const std::string& path, const std::string& msg,
                 bool warning) {
  Diagnostic d{file_,  m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, path, msg,
               warning};
  diags_.push_back(std::move(d));
}

std::optional<YAML::Mark> Loader::markOf(const std::string& path) const {
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

bool Loader::mapping(const YAML::Node& n, const std::string& path, const KeyNames& allowed) {
  if (!n.IsMap()) {
    error(n, path, std::string("expected a mapping of keys, got ") + kind(n));
    return false;
  }
  remember(path, n.Mark());
  bool anyKey = std::any_of(allowed.begin(), allowed.end(), placeholder);
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) {
      continue;  // checkKeys() reported it
    }
    std::string key = it->first.Scalar();
    std::string kp = join(path, key);
    remember(kp, it->second.IsNull() ? it->first.Mark() : it->second.Mark());
    if (!anyKey && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
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

const char* Loader::kind(const YAML::Node& n) {
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

std::string Loader::join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool Loader::scalar(const YAML::Node& v, const std::string& path) {
  if (!v.IsScalar()) {
    error(v, path, std::string("expected a value, got ") + kind(v));
    return false;
  }
  return true;
}

std::optional<std::string> Loader::parse(const YAML::Node& v, const std::string& kp,
                                         const Text& rule) {
  std::string out = v.Scalar();
  if (rule.required && out.empty()) {
    error(v, kp, "must not be empty");
  }
  return out;
}

std::optional<long long> Loader::parse(const YAML::Node& v, const std::string& kp,
                                       const Range& rule) {
  long long x = 0;
  try {
    x = v.as<long long>();
  } catch (const YAML::Exception&) {
    std::string t = v.Scalar();
    size_t digits = t.find_first_not_of("0123456789", t.empty() || t[0] != '-' ? 0 : 1);
    if (!t.empty() && digits == std::string::npos && t != "-") {
      error(v, kp,
            "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max) +
                ", got a number too large to hold");
    } else {
      error(v, kp, "expected a whole number, got '" + t.substr(0, 64) + "'");
    }
    return std::nullopt;
  }
  if (x < rule.min || x > rule.max) {
    error(v, kp,
          "must be between " + std::to_string(rule.min) + " and " + std::to_string(rule.max) +
              ", got " + std::to_string(x));
    return std::nullopt;
  }
  return x;
}

std::optional<bool> Loader::parse(const YAML::Node& v, const std::string& kp, const Flag&) {
  try {
    return v.as<bool>();
  } catch (const YAML::Exception&) {
    error(v, kp, "expected true or false, got '" + v.Scalar() + "'");
    return std::nullopt;
  }
}

// A duration in [min, max]: a huge one is a range error, never a wrapped-around count.
std::optional<std::chrono::seconds> Loader::parse(const YAML::Node& v, const std::string& kp,
                                                  const Span& rule) {
  std::string t(trim(v.Scalar()));
  std::string range =
      "must be between " + formatDuration(rule.min) + " and " + formatDuration(rule.max);
  auto d = parseDuration(t);
  size_t digits = t.find_first_not_of("0123456789");
  bool shaped =
      !t.empty() && digits != 0 &&
      (digits == std::string::npos ||
       (digits + 1 == t.size() && std::string("smhd").find(t[digits]) != std::string::npos));
  if (!d && shaped) {
    error(v, kp, range + ", got '" + t.substr(0, 64) + "' (too large)");
  } else if (!d) {
    error(v, kp, "expected a duration like 30s, 15m, 2h or 1d, got '" + t.substr(0, 64) + "'");
  } else if (*d < rule.min || *d > rule.max) {
    error(v, kp, range + ", got '" + t.substr(0, 64) + "'");
  } else {
    return *d;
  }
  return std::nullopt;
}

bool Loader::oneOf(const YAML::Node& v, const std::string& kp, const KeyNames& names,
                   std::size_t& at) {
  // YAML 1.1 reads bare on/off as booleans; accept their spelling as the word.
  std::string s = toLower(v.Scalar());
  for (at = 0; at < names.size(); ++at) {
    if (names[at] == s) {
      return true;
    }
  }
  std::string msg = "'" + v.Scalar() + "' is not one of";
  for (const auto& nm : names) {
    msg += " " + nm;
  }
  if (auto near = closestMatch(s, names)) {
    msg += " (did you mean '" + *near + "'?)";
  }
  error(v, kp, msg);
  return false;
}

void Loader::filePath(const YAML::Node& n, const std::string& key, const std::string& path,
                      std::string& out, bool required) {
  str(n, key, path, out, required);
  if (!out.empty()) {
    out = resolve(out);
  }
}

std::string Loader::resolve(const std::string& p) const {
  fs::path fp(p);
  return fp.is_absolute() ? p : (dir_ / fp).lexically_normal().string();
}

void Loader::strList(const YAML::Node& n, const std::string& key, const std::string& path,
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

void Loader::secret(const YAML::Node& n, const std::string& path, SecretRef& out,
                    const std::string& fileKey, const std::string& envKey) {
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

void Loader::checkSecret(const YAML::Node& at, const std::string& path, const SecretRef& ref) {
  if (readSecrets_) {
    if (auto s = readSecret(ref); !s) {
      error(at, path,
            s.error().describe() + (ref.env.empty() ? "" : " (as the user running this command)"));
      return;
    }
  }
  if (ref.file.empty()) {
    return;
  }
  if (std::string w = secretFileWarning(ref.file); !w.empty()) {
    warn(at, path, w);
  }
}

void Loader::noCredential(const YAML::Node& v, const std::string& path, const std::string& text,
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

}  // namespace patrond::config
