#!/usr/bin/env bash
# Installs the Debian 12 packages patrond needs to build and test. Idempotent: packages
# already present are skipped, and apt is not touched at all when nothing is missing.
# Usage: scripts/setup.sh [--tests] [--package]
#   --tests    adds the servers the integration tests start
#   --package  adds what scripts/package.sh needs (debhelper, pandoc for the man pages,
#              lintian): about 250 MB, so not in the default set
set -euo pipefail

build_pkgs=(
  cmake ninja-build g++ pkg-config git
  libboost-dev libboost-log-dev libboost-locale-dev libboost-program-options-dev
  libsoci-dev libsqlite3-dev libpq-dev libmariadb-dev sqlite3
  libcurl4-openssl-dev libyaml-cpp-dev libpoco-dev libssl-dev
  nlohmann-json3-dev libkainjow-mustache-dev libsystemd-dev libcli11-dev libhowardhinnant-date-dev
  libre2-dev libargon2-dev libzip-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_pkgs=(
  clang libclang-rt-14-dev clang-format clang-tidy
  postgresql-15 mariadb-server openssh-server openssh-client python3-aiosmtpd openssl
  python3-prometheus-client
  g++-mingw-w64-x86-64-posix systemd
)

package_pkgs=(debhelper dpkg-dev pandoc lintian)

want=("${build_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --tests) want+=("${test_pkgs[@]}") ;;
    --package) want+=("${package_pkgs[@]}") ;;
    *) echo "setup: unknown option '$arg' (use --tests, --package)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#want[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package installs from starting system daemons (mariadb, sshd, postgresql) on a
# machine without an init system; the tests start their own servers on loopback.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
