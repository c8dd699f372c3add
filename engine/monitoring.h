#pragma once
// The `monitoring` section's small rules (SPEC section 11): alert kinds by name and the
// metrics listen address. Pure; any thread.

#include <optional>
#include <string>
#include <string_view>

#include "engine/config.h"

namespace patrond {

std::string_view alertKindName(AlertKind k);
std::optional<AlertKind> alertKindByName(std::string_view name);

// `monitoring.metrics`: "127.0.0.1:9464", "[::1]:9464", "localhost:9464" or ":9464" (all
// addresses). The host is kept as written, without brackets.
struct ListenAddress {
  std::string host;
  int port = 0;
};
std::optional<ListenAddress> parseListenAddress(std::string_view text);
// 127.0.0.0/8, ::1 and "localhost": only this machine can connect.
bool isLoopbackHost(std::string_view host);

}  // namespace patrond
