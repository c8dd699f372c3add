#!/usr/bin/env bash
# Builds the Debian package patrond (debhelper, debian/) from this checkout:
#   bash scripts/package.sh [OUT]      (OUT default: build-deb/)
# leaves OUT/patrond_VERSION_ARCH.deb and patrond-dbgsym_VERSION_ARCH.deb, plus .buildinfo
# and .changes. The build runs on a copy of the tracked (and new, not ignored) files in
# OUT/src, so the checkout gets no debian/ build debris. Only the patrond binary is built
# (no tests, no benchmarks), with every core; ccache is used when installed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build-deb}")
bash scripts/setup.sh --package

version=$(dpkg-parsechangelog -S Version)
src="$out/src/patrond-${version%-*}"
rm -rf "$out/src" "$out"/patrond*_"$version"_*.deb "$out"/patrond_"$version"_*.{buildinfo,changes}
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$src"

export DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}"
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache  # CMake reads it as the launcher's default
fi
start=$SECONDS
(cd "$src" && dpkg-buildpackage -us -uc -b)
# dpkg-buildpackage writes next to the source folder.
mv "$out"/src/patrond*_"$version"_* "$out"/
echo "package: built in $((SECONDS - start)) s:"
ls -1 "$out"/patrond*_"$version"_*.deb
