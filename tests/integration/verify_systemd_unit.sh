#!/usr/bin/env bash
# Verifies systemd/patrond.service with systemd-analyze (no running systemd needed), pointing
# ExecStart at the freshly built binary, and checks the hardening the unit promises.
set -euo pipefail
unit=$1 bin=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: run scripts/setup.sh --tests"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/local/bin/patrond#$bin#g" "$unit" > "$tmp/patrond.service"
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/patrond.service" 2>&1 || echo "VERIFY FAILED")
# User= may not exist on a build machine; everything else is an error.
problems=$(echo "$out" | grep -v -e "^$" -e "Failed to resolve user" -e "patrond.*user.*not found" || true)
if [[ -n "$problems" ]]; then echo "$problems"; exit 1; fi
for key in Type=notify User=patrond NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
           ReadWritePaths= WatchdogSec= CapabilityBoundingSet= ; do
  grep -q "^$key" "$unit" || { echo "missing $key"; exit 1; }
done
echo "systemd unit OK"
