#!/usr/bin/env bash
# engine/ is the pure domain: it may include only the standard library and engine headers.
set -euo pipefail
root=${1:-.}
bad=$(grep -rnE '#include <(boost|soci|yaml-cpp|curl|Poco|nlohmann|date|CLI|systemd|sqlite3|libpq|mysql)' \
  "$root/engine" || true)
bad+=$(grep -rnE '#include "(adapters|daemon)/' "$root/engine" || true)
if [[ -n "$bad" ]]; then
  echo "engine/ must not use I/O libraries or adapters:"; echo "$bad"; exit 1
fi
# adapters/memory is the store's ports in plain C++: the standard library and engine only.
bad=$(grep -rnE '#include ' "$root/adapters/memory" |
  grep -vE '#include (<[a-z_]+>|"(engine|adapters/memory)/)' || true)
if [[ -n "$bad" ]]; then
  echo "adapters/memory/ must use only the standard library and engine:"; echo "$bad"; exit 1
fi
# Secrets come through the engine's Secrets port (adapters/secrets, wired in daemon/wiring.cpp):
# the database, mail and SFTP adapters never reach into the configuration adapter for them.
bad=$(grep -rnE '#include "adapters/config/' "$root/adapters/sql" "$root/adapters/smtp" \
  "$root/adapters/sftp" || true)
if [ -n "$bad" ]; then
  echo "adapters/sql, smtp and sftp take their secrets through the Secrets port:"; echo "$bad"; exit 1
fi
# The daemon's composition root (daemon/wiring*.cpp) makes the adapters; with main.cpp it is
# the only daemon source that includes adapters/. The rest of the daemon sees engine ports and
# the small types of daemon/wiring.h.
bad=$(grep -lE '#include "adapters/' "$root"/daemon/*.cpp "$root"/daemon/*.h |
  grep -vE '/daemon/(wiring(_[a-z_]+)?\.cpp|main\.cpp)$' || true)
if [ -n "$bad" ]; then
  echo "daemon/: only wiring*.cpp and main.cpp may include adapters/ (ask daemon/wiring.h):"
  echo "$bad"; exit 1
fi
echo "layering OK"
