#!/usr/bin/env bash
# shellcheck disable=SC2034  # pkg_<lib> and deps_<lib> are read indirectly (stamp_of)
# Cross-builds patrond's Windows dependencies from Debian 12's own source packages with
# Debian's mingw-w64 toolchain (posix threads), as static libraries with headers, CMake
# configs and pkg-config files, into a prefix outside the work tree.
#
# Usage: scripts/windows-deps.sh [--prefix DIR] [--keep-build] [--check] [LIB...]
#   --prefix DIR   where everything goes (default /opt/patrond-windeps)
#   --keep-build   keep each library's build tree in <prefix>/build (default: removed)
#   --check        build nothing: exit 0 when every library (or each LIB) is built in the
#                  prefix from the newest Debian source version that can be fetched now, 1
#                  when one is not (CI uses it to choose its stage). It still fetches the
#                  source packages' descriptions (apt-get source --download-only) to know the
#                  versions: "could not be fetched, trying an older one" means a newer version
#                  is listed but not downloadable, and the older one is what counts
#   LIB...         build only these (and nothing else); default: all, in order
#
# Idempotent and resumable: <prefix>/stamps/<lib> records the Debian source version, a hash
# of the library's recipe below and the stamps of what it links; a library whose stamp
# still matches is skipped. Times go to <prefix>/build-times.txt, logs to <prefix>/logs/.
# docs/windows-deps.md says what each library is built with and how a consumer links it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
recipes="$here/windows-deps"
prefix=/opt/patrond-windeps
keep_build=0
check_only=0
only=()
while (($#)); do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --keep-build) keep_build=1; shift ;;
    --check) check_only=1; shift ;;
    -h|--help) sed -n '3,21p' "$0"; exit 0 ;;
    -*) echo "windows-deps: unknown option '$1'" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"

host=x86_64-w64-mingw32
export CC="$host-gcc-posix" CXX="$host-g++-posix" AR="$host-ar" RANLIB="$host-ranlib"
export RC="$host-windres" WINDRES="$host-windres" STRIP="$host-strip"
jobs="$(nproc)"
src_dir="$prefix/src"
build_root="$prefix/build"
log_dir="$prefix/logs"
stamp_dir="$prefix/stamps"
times_file="$prefix/build-times.txt"
mkdir -p "$src_dir" "$build_root" "$log_dir" "$stamp_dir" "$prefix/lib/pkgconfig" "$prefix/include"

# Every CMake-built library gets the same toolchain and a static, release, no-extras build.
cmake_args=(
  -G Ninja
  -DCMAKE_TOOLCHAIN_FILE="$recipes/cross.cmake" -DWINDEPS_PREFIX="$prefix"
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_PREFIX_PATH="$prefix"
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF
  -DCMAKE_POSITION_INDEPENDENT_CODE=OFF -DCMAKE_INSTALL_LIBDIR=lib
)

# ---------------------------------------------------------------------------------------
# Host packages (like scripts/setup.sh: dpkg-query first, apt only when something is missing)

host_pkgs=(
  g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
  cmake ninja-build make pkg-config dpkg-dev perl tcl bison xz-utils
  wine wine64 msitools unicode-cldr-core libkainjow-mustache-dev unicode-data python3 python3-six
)

ensure_host_packages() {
  local missing=() p
  for p in "${host_pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  echo "windows-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$log_dir/apt-install.log"
}

# apt-get source needs deb-src entries for the suites the machine installs from.
ensure_deb_src() {
  if grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # (Not `| grep -q`: with pipefail, apt-cache's SIGPIPE would count as no source.)
    if [[ "$(apt-cache showsrc zlib 2>/dev/null)" == *"Package: zlib"* ]]; then
      return 0
    fi
  else
    echo "windows-deps: adding /etc/apt/sources.list.d/debian-src.sources"
    cat > /etc/apt/sources.list.d/debian-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  apt-get update -qq
}

# ---------------------------------------------------------------------------------------
# Source packages: fetched once into <prefix>/src/<package>/, unpacked (with Debian's
# patches applied) into a fresh build tree per build.

# The versions apt knows of a source package, newest first.
src_versions() {
  apt-cache showsrc --only-source "$1" 2>/dev/null | sed -n 's/^Version: //p' | sort -Vru
}

# dsc_complete DSC: the .dsc and every file it lists are there.
dsc_complete() {
  [[ -f "$1" ]] || return 1
  local f
  for f in $(awk '/^Files:/ {on = 1; next} /^[^ ]/ {on = 0} on && NF == 3 {print $3}' "$1"); do
    [[ -f "${1%/*}/$f" ]] || return 1
  done
}

# fetch PKG: prints the .dsc of PKG's newest source that can be had, downloading it into
# src/PKG once. A version listed by the index but missing from its pool (seen with
# bookworm-security here) falls back to the next older one.
fetch() {
  local pkg="$1" ver dsc
  for ver in $(src_versions "$pkg"); do
    dsc="$src_dir/$pkg/${pkg}_${ver#*:}.dsc"
    if ! dsc_complete "$dsc"; then
      mkdir -p "$src_dir/$pkg"
      # A .dsc whose tarball failed to download is not kept.
      (cd "$src_dir/$pkg" && apt-get source --download-only -qq "$pkg=$ver") > /dev/null 2>&1 ||
        rm -f "$dsc"
    fi
    if dsc_complete "$dsc"; then
      echo "$dsc"
      return 0
    fi
    echo "windows-deps: $pkg $ver could not be fetched, trying an older one" >&2
  done
  echo "windows-deps: no source of '$pkg' could be fetched" >&2
  return 1
}

# fetch_first "PKG [ALT...]": the first of these source packages that can be had.
fetch_first() {
  local p alternatives
  read -ra alternatives <<< "$1"
  for p in "${alternatives[@]:0:${#alternatives[@]}-1}"; do
    fetch "$p" 2> /dev/null && return 0
  done
  fetch "${alternatives[-1]}"
}

# unpack "PKG [ALT...]" DIR: a fresh tree of the source (Debian patches applied) in DIR.
unpack() {
  local dsc
  dsc="$(fetch_first "$1")"
  rm -rf "$2"
  dpkg-source --no-check -x "$dsc" "$2" > /dev/null
}

# ---------------------------------------------------------------------------------------
# Helpers used by the recipes

cmake_build() {  # cmake_build SRC BUILD [args...]: configure, build and install
  local s="$1" b="$2"
  shift 2
  cmake -S "$s" -B "$b" "${cmake_args[@]}" "$@"
  cmake --build "$b" -j "$jobs"
  cmake --install "$b"
}

write_pc() {  # write_pc NAME VERSION LIBS [CFLAGS] [REQUIRES] [LIBS_PRIVATE]
  cat > "$prefix/lib/pkgconfig/$1.pc" <<PC
prefix=$prefix
exec_prefix=\${prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $1
Description: $1 (static, mingw-w64, built by patrond's windows-deps.sh)
Version: $2
Requires.private: ${5:-}
Libs: -L\${libdir} $3
Libs.private: ${6:-}
Cflags: -I\${includedir} ${4:-}
PC
}

upstream_version() { local v="${1#*:}"; v="${v%-*}"; echo "${v%+*}"; }

# ---------------------------------------------------------------------------------------
# Recipes: build_<lib> runs in an empty build directory ($b) with $v the Debian version.
# deps_<lib> names what a library links, so that a rebuilt dependency rebuilds it too.

pkg_zlib=zlib
build_zlib() {
  unpack zlib "$b/src"
  cd "$b/src"
  # Debian's dfsg tarball has no win32/ makefiles: compile the library's sources directly.
  local f objs=()
  for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate \
    inftrees trees uncompr zutil; do
    "$CC" -O2 -D_LARGEFILE64_SOURCE=1 -c "$f.c" -o "$f.o"
    objs+=("$f.o")
  done
  rm -f libz.a && "$AR" crs libz.a "${objs[@]}"
  install -m 644 zlib.h zconf.h "$prefix/include/"
  install -m 644 libz.a "$prefix/lib/"
  write_pc zlib "$(upstream_version "$v")" "-lz"
}

pkg_openssl=openssl
deps_openssl=()
build_openssl() {
  unpack openssl "$b/src"
  cd "$b/src"
  # CC is prefixed by Configure itself.
  CC=gcc-posix AR=ar RANLIB=ranlib RC=windres \
    ./Configure mingw64 no-shared no-tests no-module no-legacy \
    --cross-compile-prefix="$host-" --prefix="$prefix" --libdir=lib --openssldir="$prefix/ssl"
  make -j "$jobs" build_libs
  make install_dev
  rm -f "$prefix"/lib/libcrypto.dll.a "$prefix"/lib/libssl.dll.a
}

pkg_libssh2=libssh2
deps_libssh2=(zlib openssl)
build_libssh2() {
  unpack libssh2 "$b/src"
  cmake_build "$b/src" "$b/build" -DCRYPTO_BACKEND=OpenSSL -DENABLE_ZLIB_COMPRESSION=ON \
    -DBUILD_EXAMPLES=OFF -DBUILD_TESTING=OFF -DOPENSSL_USE_STATIC_LIBS=ON
}

pkg_curl=curl
deps_curl=(zlib openssl libssh2)
build_curl() {
  unpack curl "$b/src"
  local off=(DICT FTP GOPHER IMAP LDAP LDAPS MQTT POP3 RTSP SMB SMTP TELNET TFTP)
  local disable=()
  for p in "${off[@]}"; do disable+=("-DCURL_DISABLE_$p=ON"); done
  cmake_build "$b/src" "$b/build" -DBUILD_CURL_EXE=OFF -DENABLE_MANUAL=OFF \
    -DCURL_USE_OPENSSL=ON -DCURL_USE_LIBSSH2=ON -DCURL_USE_LIBSSH=OFF -DCURL_ZLIB=ON \
    -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF -DUSE_LIBIDN2=OFF -DUSE_WIN32_IDN=OFF \
    -DCURL_USE_SCHANNEL=OFF -DENABLE_UNIX_SOCKETS=OFF -DCURL_CA_FALLBACK=OFF \
    -DOPENSSL_USE_STATIC_LIBS=ON "${disable[@]}"
}

pkg_sqlite3=sqlite3
build_sqlite3() {
  unpack sqlite3 "$b/src"
  cd "$b/src"
  # Debian's source is the full tree: make the amalgamation with the host compiler and tclsh.
  mkdir -p "$b/amalg" && cd "$b/amalg"
  CC=gcc "$b/src/configure" --disable-tcl > /dev/null
  make -j "$jobs" sqlite3.c
  # The same compile-time options as Debian's libsqlite3 (debian/rules), where cheap.
  local defs=(
    -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_FTS3
    -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1
    -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB
    -DSQLITE_ALLOW_ROWID_IN_VIEW -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1
    -DSQLITE_ENABLE_LOAD_EXTENSION -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
    -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS3_TOKENIZER=1 -DSQLITE_USE_URI=1
    -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION
    -DSQLITE_ENABLE_STMTVTAB -DSQLITE_MAX_VARIABLE_NUMBER=250000
    -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5
  )
  "$CC" -O2 -fno-strict-aliasing "${defs[@]}" -c sqlite3.c -o sqlite3.o
  rm -f libsqlite3.a && "$AR" crs libsqlite3.a sqlite3.o
  install -m 644 sqlite3.h sqlite3ext.h "$prefix/include/"
  install -m 644 libsqlite3.a "$prefix/lib/"
  write_pc sqlite3 "$(upstream_version "$v")" "-lsqlite3"
}

pkg_libpq=postgresql-15
deps_libpq=(openssl)
build_libpq() {
  unpack postgresql-15 "$b/src"
  cd "$b/src"
  ./configure --host="$host" --prefix="$prefix" --without-readline --without-icu \
    --without-zlib --with-ssl=openssl --disable-nls \
    CPPFLAGS="-I$prefix/include" LDFLAGS="-L$prefix/lib" \
    LIBS="-lws2_32 -lcrypt32 -lbcrypt -lgdi32 -luser32 -ladvapi32" > /dev/null
  # On win32 PostgreSQL's libpq.a is the DLL's import library: build as usual (that makes
  # pgcommon/pgport too), then archive libpq's own objects with the pgcommon/pgport ones.
  make -C src/interfaces/libpq -j "$jobs"
  local objs=()
  for o in src/interfaces/libpq/*.o; do
    [[ "$o" == *rc.o ]] || objs+=("$o")
  done
  rm -f libpq-objs.a && "$AR" crs libpq-objs.a "${objs[@]}"
  cat > merge.mri <<MRI
create $prefix/lib/libpq.a
addlib libpq-objs.a
addlib src/common/libpgcommon_shlib.a
addlib src/port/libpgport_shlib.a
save
end
MRI
  rm -f "$prefix/lib/libpq.a"
  "$AR" -M < merge.mri
  # libpq brings its own small pthread emulation for Windows (pthread-win32.c), whose
  # symbols clash with mingw-w64's winpthreads in a static link: rename them in libpq.
  local f
  for f in self setspecific getspecific mutex_init mutex_lock mutex_unlock; do
    echo "pthread_$f pq_pthread_$f"
  done > pthread-syms.txt
  "$host-objcopy" --redefine-syms=pthread-syms.txt "$prefix/lib/libpq.a"
  "$RANLIB" "$prefix/lib/libpq.a"
  make -C src/include install > /dev/null
  install -m 644 src/interfaces/libpq/libpq-fe.h src/interfaces/libpq/libpq-events.h \
    src/include/postgres_ext.h src/include/pg_config_ext.h "$prefix/include/"
  write_pc libpq "$(upstream_version "$v")" "-lpq" "" "libssl libcrypto" \
    "-lsecur32 -lws2_32 -lshell32 -ladvapi32 -lcrypt32 -lwldap32"
}

pkg_mariadb=mariadb
deps_mariadb=(zlib openssl)
build_mariadb() {
  local dsc
  dsc="$(fetch mariadb)"
  # Only Connector/C (libmariadb/) is needed: extract just that folder of the big tarball.
  local orig="" f
  for f in "${dsc%/*}/mariadb_$(upstream_version "$v")".orig.tar.{gz,xz}; do
    [[ -f "$f" ]] && orig="$f"
  done
  mkdir -p "$b/src"
  tar -xf "$orig" -C "$b/src" --strip-components=1 --wildcards '*/libmariadb/*'
  local s="$b/src/libmariadb"
  # Plugins are STATIC (inside libmariadb.a) or DYNAMIC (their own DLL, which building
  # only the mariadbclient target never makes): the ones patrond can use are static.
  cmake -S "$s" -B "$b/build" "${cmake_args[@]}" -DWITH_SSL=OPENSSL -DWITH_EXTERNAL_ZLIB=ON \
    -DWITH_UNIT_TESTS=OFF -DWITH_CURL=OFF -DWITH_DOCS=OFF -DWITH_MYSQLCOMPAT=OFF \
    -DCLIENT_PLUGIN_DIALOG=STATIC -DCLIENT_PLUGIN_SHA256_PASSWORD=STATIC \
    -DCLIENT_PLUGIN_CACHING_SHA2_PASSWORD=STATIC -DCLIENT_PLUGIN_MYSQL_CLEAR_PASSWORD=STATIC \
    -DCLIENT_PLUGIN_PVIO_NPIPE=STATIC -DCLIENT_PLUGIN_CLIENT_ED25519=DYNAMIC \
    -DCLIENT_PLUGIN_AUTH_GSSAPI_CLIENT=DYNAMIC -DCLIENT_PLUGIN_REMOTE_IO=DYNAMIC \
    -DCLIENT_PLUGIN_PVIO_SHMEM=DYNAMIC -DCLIENT_PLUGIN_MYSQL_OLD_PASSWORD=DYNAMIC
  cmake --build "$b/build" -j "$jobs" --target mariadbclient
  mkdir -p "$prefix/include/mariadb"
  cp -r "$s"/include/*.h "$prefix/include/mariadb/"
  cp -r "$s"/include/mariadb "$prefix/include/mariadb/" 2>/dev/null || true
  cp "$b"/build/include/*.h "$prefix/include/mariadb/"
  install -m 644 "$b/build/libmariadb/libmariadbclient.a" "$prefix/lib/libmariadb.a"
  write_pc libmariadb "$(upstream_version "$v")" "-lmariadb" "-I\${includedir}/mariadb" \
    "libssl libcrypto zlib" "-lws2_32 -lsecur32 -lshlwapi -lcrypt32 -lbcrypt"
}

pkg_boost=boost1.81
deps_boost=()
build_boost() {
  unpack boost1.81 "$b/src"
  cd "$b/src"
  # Debian's tarball drops b2's generated parser: make it as debian/rules does.
  (cd tools/build && bison -y -d -o src/engine/jamgram.cpp src/engine/jamgram.y)
  ./bootstrap.sh --with-toolset=gcc > /dev/null
  # b2 runs a plain `mc` for Boost.Log's event log messages (the Windows Event Log sink):
  # binutils' windmc takes the same options.
  mkdir -p "$b/bin"
  printf '#!/bin/sh\nexec %s "$@"\n' "$host-windmc" > "$b/bin/mc"
  chmod +x "$b/bin/mc"
  export PATH="$b/bin:$PATH"
  echo "using gcc : mingw : $CXX : <rc>$RC <archiver>$AR <ranlib>$RANLIB ;" > "$b/user-config.jam"
  local libs=(log locale program_options filesystem thread date_time atomic chrono regex)
  local with=()
  for l in "${libs[@]}"; do with+=("--with-$l"); done
  ./b2 -q -j "$jobs" -d1 --user-config="$b/user-config.jam" --prefix="$prefix" \
    --build-dir="$b/b2" toolset=gcc-mingw target-os=windows link=static runtime-link=static \
    threading=multi variant=release address-model=64 architecture=x86 binary-format=pe \
    abi=ms threadapi=win32 boost.locale.icu=off boost.locale.iconv=off \
    boost.locale.winapi=on boost.locale.std=on --layout=system "${with[@]}" install
}

pkg_yaml_cpp=yaml-cpp
build_yaml_cpp() {
  unpack yaml-cpp "$b/src"
  cmake_build "$b/src" "$b/build" -DYAML_CPP_BUILD_TESTS=OFF -DYAML_CPP_BUILD_TOOLS=OFF \
    -DYAML_CPP_BUILD_CONTRIB=ON -DYAML_BUILD_SHARED_LIBS=OFF -DYAML_CPP_INSTALL=ON
}

pkg_soci=soci
deps_soci=(sqlite3 libpq mariadb boost)
build_soci() {
  unpack soci "$b/src"
  local mysql=OFF
  [[ -f "$prefix/lib/libmariadb.a" ]] && mysql=ON
  cmake_build "$b/src" "$b/build" -DSOCI_SHARED=OFF -DSOCI_STATIC=ON -DSOCI_TESTS=OFF \
    -DSOCI_CXX11=ON -DWITH_BOOST=ON -DWITH_SQLITE3=ON -DWITH_POSTGRESQL=ON -DWITH_MYSQL="$mysql" \
    -DWITH_ODBC=OFF -DWITH_FIREBIRD=OFF -DWITH_DB2=OFF -DWITH_ORACLE=OFF -DSOCI_EMPTY=OFF \
    -DSQLITE3_INCLUDE_DIR="$prefix/include" -DSQLITE3_LIBRARIES="$prefix/lib/libsqlite3.a" \
    -DPOSTGRESQL_INCLUDE_DIR="$prefix/include" -DPOSTGRESQL_LIBRARY="$prefix/lib/libpq.a" \
    -DMYSQL_INCLUDE_DIR="$prefix/include/mariadb" -DMYSQL_LIBRARIES="$prefix/lib/libmariadb.a" \
    -DBoost_USE_STATIC_LIBS=ON -DBoost_USE_STATIC_RUNTIME=ON
  # The Linux names (libsoci_core.a ...) that cmake/FindSOCI.cmake looks for.
  local f
  for f in "$prefix"/lib/libsoci_*_4_0.a; do
    [[ -e "$f" ]] && mv -f "$f" "${f%_4_0.a}.a"
  done
}

pkg_poco=poco
deps_poco=(zlib openssl)
build_poco() {
  unpack poco "$b/src"
  local off=(ENCODINGS ENCODINGS_COMPILER MONGODB REDIS PDF DATA DATA_SQLITE DATA_MYSQL
    DATA_POSTGRESQL DATA_ODBC ZIP PAGECOMPILER PAGECOMPILER_FILE2PAGE APACHECONNECTOR
    CPPPARSER POCODOC NETSSL_WIN JWT SEVENZIP ACTIVERECORD ACTIVERECORD_COMPILER PROMETHEUS
    TESTS SAMPLES)
  local on=(FOUNDATION XML JSON UTIL NET CRYPTO NETSSL)
  local opts=()
  for m in "${off[@]}"; do opts+=("-DENABLE_$m=OFF"); done
  for m in "${on[@]}"; do opts+=("-DENABLE_$m=ON"); done
  # Poco includes <Winsock2.h> and <Iphlpapi.h>; mingw-w64's headers are lower case. The
  # two forwarding headers go into the prefix: Poco's installed headers include them too.
  local h
  mkdir -p "$b/wincase"
  for h in Winsock2 Iphlpapi; do
    printf '#pragma once\n#include <%s.h>\n' "${h,,}" > "$b/wincase/$h.h"
    install -m 644 "$b/wincase/$h.h" "$prefix/include/"
  done
  # On WIN32 Poco puts its CMake configs in <prefix>/cmake: use lib/cmake/Poco as elsewhere.
  sed -i 's|set(PocoConfigPackageLocation "cmake")|set(PocoConfigPackageLocation "lib/cmake/Poco")|' \
    "$b/src/CMakeLists.txt" "$b/src/cmake/PocoMacros.cmake"
  # windows.h defines TIMESTAMP_REQUEST, one of Poco's ICMP enumerators.
  sed -i 's/^\([[:space:]]*\)TIMESTAMP_REQUEST,/#undef TIMESTAMP_REQUEST\n\1TIMESTAMP_REQUEST,/' \
    "$b/src/Net/include/Poco/Net/ICMPv4PacketImpl.h"
  # windmc stands in for the Windows SDK's mc.exe (Foundation's event-log messages). -O2 as
  # Debian builds it, not Poco's -O3: Poco is the longest C++ build here after Boost. (A
  # unity build does not work: Poco's files clash, e.g. each has an anonymous `sh`.)
  cmake_build "$b/src" "$b/build" "${opts[@]}" -DCMAKE_MC_COMPILER="$(command -v "$host-windmc")" \
    -DCMAKE_CXX_FLAGS="-I$b/wincase" -DCMAKE_C_FLAGS="-I$b/wincase" \
    -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
    -DOPENSSL_USE_STATIC_LIBS=ON -DPOCO_UNBUNDLED=OFF
  # Poco's bundled zlib (1.2.11, unprefixed) would stand in for the prefix's zlib in every
  # program that links Poco first. Keep one zlib: drop Poco's copy, link the prefix's.
  "$AR" d "$prefix/lib/libPocoFoundation.a" adler32.c.obj compress.c.obj crc32.c.obj \
    deflate.c.obj infback.c.obj inffast.c.obj inflate.c.obj inftrees.c.obj trees.c.obj \
    zutil.c.obj
  sed -i 's|^  INTERFACE_LINK_LIBRARIES "iphlpapi"$|  INTERFACE_LINK_LIBRARIES "iphlpapi;${_IMPORT_PREFIX}/lib/libz.a"|' \
    "$prefix/lib/cmake/Poco/PocoFoundationTargets.cmake"
  grep -q 'lib/libz.a' "$prefix/lib/cmake/Poco/PocoFoundationTargets.cmake"
}

pkg_re2=re2
build_re2() {
  unpack re2 "$b/src"
  # Debian's dfsg tarball drops the generated Unicode tables: make them from Debian's
  # unicode-data, as its build does (re2's Makefile rules).
  cd "$b/src"
  perl re2/make_perl_groups.pl > re2/perl_groups.cc
  python3 re2/make_unicode_groups.py > re2/unicode_groups.cc
  python3 re2/make_unicode_casefold.py > re2/unicode_casefold.cc
  cmake_build "$b/src" "$b/build" -DRE2_BUILD_TESTING=OFF
}

# argon2's own orig tarball is missing from the mirror this was written on (its .dsc is
# there): then the same reference code, vendored by cryptsetup, is used.
pkg_argon2="argon2 cryptsetup"
build_argon2() {
  unpack "$pkg_argon2" "$b/src"
  local dir="$b/src/src" inc="$b/src/include"
  if [[ ! -f "$dir/argon2.c" ]]; then
    dir="$b/src/lib/crypto_backend/argon2"
    inc="$dir"
  fi
  cd "$b"
  # Debian builds the portable reference code (ref.c), not the SSE one.
  local f objs=()
  for f in argon2 core blake2/blake2b thread encoding ref; do
    "$CC" -O2 -I"$inc" -I"$dir" -c "$dir/$f.c" -o "${f//\//_}.o"
    objs+=("${f//\//_}.o")
  done
  rm -f libargon2.a && "$AR" crs libargon2.a "${objs[@]}"
  install -m 644 "$inc/argon2.h" "$prefix/include/"
  install -m 644 libargon2.a "$prefix/lib/"
  write_pc libargon2 "$(upstream_version "$v")" "-largon2"
}

pkg_libzip=libzip
deps_libzip=(zlib)
build_libzip() {
  unpack libzip "$b/src"
  cmake_build "$b/src" "$b/build" -DENABLE_BZIP2=OFF -DENABLE_LZMA=OFF -DENABLE_ZSTD=OFF \
    -DENABLE_OPENSSL=OFF -DENABLE_GNUTLS=OFF -DENABLE_MBEDTLS=OFF -DENABLE_COMMONCRYPTO=OFF \
    -DENABLE_WINDOWS_CRYPTO=OFF -DBUILD_TOOLS=OFF -DBUILD_REGRESS=OFF -DBUILD_EXAMPLES=OFF \
    -DBUILD_DOC=OFF
  # A static libzip needs ZIP_STATIC in its users (else zip.h declares dllimport).
  sed -i 's/^Cflags: \(.*\)$/Cflags: \1 -DZIP_STATIC/' "$prefix/lib/pkgconfig/libzip.pc"
}

pkg_date=howardhinnant-date
build_date() {
  unpack howardhinnant-date "$b/src"
  # MANUAL_TZ_DB: USE_OS_TZDB=0 and HAS_REMOTE_API=0; the program calls date::set_install().
  cmake_build "$b/src" "$b/build" -DBUILD_TZ_LIB=ON -DUSE_SYSTEM_TZ_DB=OFF -DMANUAL_TZ_DB=ON \
    -DUSE_TZ_DB_IN_DOT=OFF -DENABLE_DATE_TESTING=OFF -DENABLE_DATE_INSTALL=ON
}

pkg_tzdata=tzdata
build_tzdata() {
  unpack tzdata "$b/src"
  local dest="$prefix/share/tzdata" f
  rm -rf "$dest" && mkdir -p "$dest"
  # Indented comments (#STDOFF ...) are dropped: tz.cpp prints every such line to stderr.
  for f in africa antarctica asia australasia europe northamerica southamerica etcetera \
    backward factory backzone version leapseconds iso3166.tab zone.tab zone1970.tab; do
    [[ -f "$b/src/$f" ]] || continue
    sed -E '/^[[:space:]]+#/d' "$b/src/$f" > "$dest/$f"
  done
  # date's tz.cpp on Windows maps Windows zone names with CLDR's windowsZones.xml.
  install -m 644 /usr/share/unicode/cldr/common/supplemental/windowsZones.xml "$dest/"
}

pkg_json=nlohmann-json3
build_json() {
  unpack nlohmann-json3 "$b/src"
  cmake_build "$b/src" "$b/build" -DJSON_BuildTests=OFF -DJSON_Install=ON \
    -DJSON_MultipleHeaders=ON
}

# libkainjow-mustache's debian.tar.xz is missing from the mirror (404): the one header is
# copied from Debian's installed libkainjow-mustache-dev instead (same version, same file).
version_mustache() { dpkg-query -W -f='${Version}' libkainjow-mustache-dev; }
build_mustache() {
  mkdir -p "$prefix/include/kainjow"
  install -m 644 /usr/include/kainjow/mustache.hpp "$prefix/include/kainjow/mustache.hpp"
}

pkg_cli11=cli11
build_cli11() {
  unpack cli11 "$b/src"
  cmake_build "$b/src" "$b/build" -DCLI11_BUILD_TESTS=OFF -DCLI11_BUILD_EXAMPLES=OFF \
    -DCLI11_BUILD_DOCS=OFF -DCLI11_INSTALL=ON -DCLI11_PRECOMPILED=OFF
}

pkg_googletest=googletest
build_googletest() {
  unpack googletest "$b/src"
  cmake_build "$b/src" "$b/build" -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON \
    -Dgtest_force_shared_crt=OFF
}

all_libs=(zlib openssl libssh2 curl sqlite3 libpq mariadb boost yaml_cpp soci poco re2 argon2
  libzip date tzdata json mustache cli11 googletest)
# Libraries whose failure is reported but does not stop the rest (issue 19: optional).
optional_libs=" mariadb "

# ---------------------------------------------------------------------------------------

stamp_of() {  # the stamp a library would have now: version, recipe hash, dependency stamps
  local lib="$1" pkgvar="pkg_$1" depsvar="deps_$1[@]" d
  local dsc
  if declare -F "version_$lib" > /dev/null; then
    echo "version $("version_$lib")"
  else
    dsc="$(fetch_first "${!pkgvar}")" || return 1
    dsc="${dsc##*/}"
    dsc="${dsc%.dsc}"
    echo "version ${dsc#*_}"
  fi
  echo "recipe $( (declare -f "build_$lib"; cat "$recipes/cross.cmake") | sha256sum | cut -c1-16)"
  for d in ${!depsvar+"${!depsvar}"}; do
    if [[ -f "$stamp_dir/$d" ]]; then
      echo "dep $d $(sha256sum < "$stamp_dir/$d" | cut -c1-16)"
    fi
  done
}

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

run_lib() {
  local lib="$1" want log start secs
  if ! want="$(stamp_of "$lib")"; then
    printf '%-12s FAILED: no source\n' "$lib"
    echo "- FAILED(no source)" > "$stamp_dir/$lib.time"
    return 1
  fi
  if [[ -f "$stamp_dir/$lib" && "$(cat "$stamp_dir/$lib")" == "$want" ]]; then
    printf '%-12s up to date (%s)\n' "$lib" "$(head -1 "$stamp_dir/$lib" | cut -d' ' -f2)"
    return 0
  fi
  if ((check_only)); then
    printf '%-12s not built or out of date\n' "$lib"
    return 1
  fi
  log="$log_dir/$lib.log"
  b="$build_root/$lib"
  v="$(head -1 <<< "$want" | cut -d' ' -f2)"
  rm -rf "$b" && mkdir -p "$b"
  printf '%-12s building %s ... ' "$lib" "$v"
  start=$SECONDS
  (set -euo pipefail; cd "$b"; "build_$lib") > "$log" 2>&1
  local rc=$?
  if ((rc == 0)); then
    secs=$((SECONDS - start))
    echo "$want" > "$stamp_dir/$lib"
    printf '%s\n' "$(fmt_time "$secs")"
    echo "$v $secs" > "$stamp_dir/$lib.time"
    ((keep_build)) || rm -rf "$b"
    total=$((total + secs))
    return 0
  fi
  secs=$((SECONDS - start))
  printf 'FAILED after %s; the end of %s:\n' "$(fmt_time "$secs")" "$log"
  tail -n 40 "$log" | sed 's/^/    /'
  echo "$v FAILED" > "$stamp_dir/$lib.time"
  return 1
}

main() {
  # One run at a time per prefix: two would unpack into the same build trees.
  exec 9> "$prefix/.lock"
  if ! flock -n 9; then
    echo "windows-deps: another run is using $prefix" >&2
    exit 1
  fi
  ensure_host_packages
  ensure_deb_src
  local libs=("${all_libs[@]}") failed=() lib
  ((${#only[@]})) && libs=("${only[@]}")
  total=0
  local t0=$SECONDS
  for lib in "${libs[@]}"; do
    declare -F "build_$lib" > /dev/null || { echo "windows-deps: no library '$lib'" >&2; exit 2; }
    # Not `if ! run_lib`: inside an `if`, bash ignores errexit even where a recipe sets it.
    set +e
    run_lib "$lib"
    local rc=$?
    set -e
    if ((rc != 0 && check_only)); then
      echo "windows-deps: $prefix is not complete (run scripts/windows-deps.sh)"
      exit 1
    fi
    if ((rc != 0)); then
      failed+=("$lib")
      [[ "$optional_libs" == *" $lib "* ]] || break
    fi
  done
  if ((check_only)); then
    echo "windows-deps: $prefix is complete: every library built from the newest source that could be fetched"
    return 0
  fi
  local wall=$((SECONDS - t0))
  echo "total: $(fmt_time "$total") building, $(fmt_time "$wall") wall"
  # Every library's last build (this run's or an earlier one's): their sum is a cold build.
  local sum=0 ver secs
  {
    echo "# windows-deps.sh, last build of each library (seconds, $(nproc) cores)"
    for lib in "${all_libs[@]}"; do
      [[ -f "$stamp_dir/$lib.time" ]] || continue
      read -r ver secs < "$stamp_dir/$lib.time"
      printf '%-12s %-28s %s\n' "$lib" "$ver" "$secs"
      [[ "$secs" =~ ^[0-9]+$ ]] && sum=$((sum + secs))
    done
    echo "sum-of-libraries $sum"
    echo "this-run $(date -u +%Y-%m-%dT%H:%MZ) built ${total}s wall ${wall}s"
  } > "$times_file"
  echo "every library's last build adds up to $(fmt_time "$sum") (see $times_file)"
  if ((${#failed[@]})); then
    echo "windows-deps: failed: ${failed[*]} (logs in $log_dir)" >&2
    for lib in "${failed[@]}"; do
      [[ "$optional_libs" == *" $lib "* ]] || exit 1
    done
  fi
}

# One line: bash has parsed `exit` before main runs, so editing this file mid-run is safe.
main "$@"; exit 0
