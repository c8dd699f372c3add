#include "engine/monitoring.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace patrond {
namespace {
constexpr std::array<std::pair<std::string_view, AlertKind>, 4> kKinds{{
    {"run_failed", AlertKind::kRunFailed},
    {"guard_stopped", AlertKind::kGuardStopped},
    {"source_unreachable", AlertKind::kSourceUnreachable},
    {"delivery_failed", AlertKind::kDeliveryFailed},
}};
}  // namespace

bool AlertsConfig::wants(AlertKind k) const {
  return std::find(on.begin(), on.end(), k) != on.end();
}

std::string_view alertKindName(AlertKind k) {
  for (const auto& [name, kind] : kKinds) {
    if (kind == k) {
      return name;
    }
  }
  return "unknown";
}

std::optional<AlertKind> alertKindByName(std::string_view name) {
  for (const auto& [n, kind] : kKinds) {
    if (n == name) {
      return kind;
    }
  }
  return std::nullopt;
}

std::optional<ListenAddress> parseListenAddress(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return std::nullopt;
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address needs its brackets
  }
  if (host.find_first_of(" \t/") != std::string_view::npos) {
    return std::nullopt;
  }
  int p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535) {
    return std::nullopt;
  }
  return ListenAddress{std::string(host), p};
}

bool isLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace patrond
