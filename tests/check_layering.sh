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
echo "layering OK"
