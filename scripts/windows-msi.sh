#!/usr/bin/env bash
# Builds patrond.msi with wixl (Debian's msitools) from the Windows build (preset `windows`):
# patrond.exe, the IANA time zone database that scripts/windows-deps.sh fetched, and the
# starter configuration (conf/windows/patrond.yaml + the example students mapping).
# Usage: scripts/windows-msi.sh [BUILD_WINDOWS] [OUT.msi]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
wbuild=$(realpath "${1:-$root/build-windows}")
out=$(realpath -m "${2:-$wbuild/patrond.msi}")
deps=${PATROND_WINDEPS:-/opt/patrond-windeps}
version=${PATROND_MSI_VERSION:-$(sed -n 's/^project(patrond VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/conf"
cp "$wbuild/bin/patrond.exe" "$stage/"
x86_64-w64-mingw32-strip "$stage/patrond.exe"
cp "$root/conf/windows/patrond.yaml" "$root/conf/examples/students.mapping.yaml" "$stage/conf/"
cp -r "$deps/share/tzdata" "$stage/tzdata"
cd "$stage"
find tzdata -type f | sort |
  wixl-heat --directory-ref TZDATADIR --component-group TzData --var var.TzDir -p tzdata/ \
    --win64 >tzdata.wxs
# wixl warns on GLib stderr for attributes it does not know; the MSI is checked below.
wixl -a x64 -D Version="$version" -D TzDir=tzdata -D Win64=yes -o "$out" \
  "$root/windows-service/patrond.wxs" tzdata.wxs 2> >(grep -v -e '^$' -e 'GLib' >&2)
msiinfo export "$out" ServiceInstall | grep -q 'NT SERVICE\\patrond'
echo "built $out ($(du -h "$out" | cut -f1), version $version)"
