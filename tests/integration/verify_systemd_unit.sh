#!/usr/bin/env bash
# Verifies systemd/patrond.service with systemd-analyze (no running systemd needed), pointing
# ExecStart at the freshly built binary, and checks the hardening the unit promises: the
# keys below and `systemd-analyze security` at 1.4 or better.
set -euo pipefail
unit=$1 bin=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: run scripts/setup.sh --tests"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/bin/patrond#$bin#g" "$unit" > "$tmp/patrond.service"
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$tmp/patrond.service" 2>&1 || echo "VERIFY FAILED")
# User= may not exist on a build machine; everything else is an error.
problems=$(echo "$out" | grep -v -e "^$" -e "Failed to resolve user" -e "patrond.*user.*not found" || true)
if [[ -n "$problems" ]]; then echo "$problems"; exit 1; fi
for key in Type=notify User=patrond NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
           ReadWritePaths= WatchdogSec= CapabilityBoundingSet= RestartPreventExitStatus=2 \
           "ExecStart=/usr/bin/patrond run --config /etc/patrond/patrond.yaml" \
           "Documentation=man:patrond(8)" "Environment=GLIBC_TUNABLES=glibc.malloc.hugetlb=1"; do
  grep -qF -- "$key" <(grep -v '^#' "$unit") || { echo "missing $key"; exit 1; }
done
# The reload checks the configuration before it signals: check-config first, then HUP.
reloads=$(grep '^ExecReload=' "$unit")
[[ "$(sed -n 1p <<<"$reloads")" == "ExecReload=/usr/bin/patrond check-config --config /etc/patrond/patrond.yaml" ]] ||
  { echo "the first ExecReload= must be check-config: $reloads"; exit 1; }
[[ "$(sed -n 2p <<<"$reloads")" == 'ExecReload=/bin/kill -HUP $MAINPID' ]] ||
  { echo "the second ExecReload= must send HUP: $reloads"; exit 1; }
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
  score=$(systemd-analyze security --offline=true "$tmp/patrond.service" 2>&1 |
          sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  [[ -n "$score" ]] || { echo "systemd-analyze security printed no score"; exit 1; }
  awk -v s="$score" 'BEGIN { exit !(s <= 1.4) }' || { echo "exposure $score is worse than 1.4"; exit 1; }
  echo "systemd-analyze security: $score"
fi
echo "systemd unit OK"
