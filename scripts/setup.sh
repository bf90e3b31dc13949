#!/usr/bin/env bash
# One-time set-up for a fresh Debian 12 machine (run as root; a no-op when done):
#  1. Debian packages for building and testing Strata;
#  2. the pinned DuckDB 1.4.4 library and headers from npm into third_party/duckdb/;
#  3. the pinned npm packages used by interop tests (icebird, iceberg-js).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DEB_PACKAGES=(
  cmake ninja-build g++ ccache pkg-config git ca-certificates
  libsimdjson-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev zlib1g-dev libzstd-dev libssl-dev libcurl4-openssl-dev
  libcpp-httplib-dev prometheus-cpp-dev curl
  python3 python3-avro nodejs npm
)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
# nodejs/npm may come from elsewhere on the image; only ask apt when the commands are absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for pkg in "${missing[@]}"; do [[ $pkg == nodejs || $pkg == npm ]] || tmp+=("$pkg"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

DUCKDB_VERSION=1.4.4
DUCKDB_DIR="$ROOT/third_party/duckdb"
if [[ ! -f "$DUCKDB_DIR/lib/libduckdb.so" || ! -f "$DUCKDB_DIR/include/duckdb.hpp" || "$(cat "$DUCKDB_DIR/VERSION" 2>/dev/null)" != "v$DUCKDB_VERSION" ]]; then
  echo "setup: fetching DuckDB $DUCKDB_VERSION from npm"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "@duckdb/node-bindings-linux-x64@${DUCKDB_VERSION}-r.4" "duckdb@${DUCKDB_VERSION}" >/dev/null)
  rm -rf "$DUCKDB_DIR" && mkdir -p "$DUCKDB_DIR/lib" "$DUCKDB_DIR/include"
  tar -xzf "$work"/duckdb-node-bindings-linux-x64-*.tgz -C "$work" package/libduckdb.so
  mv "$work/package/libduckdb.so" "$DUCKDB_DIR/lib/"
  tar -xzf "$work"/duckdb-${DUCKDB_VERSION}.tgz -C "$work" package/src/duckdb/src/include
  cp -r "$work"/package/src/duckdb/src/include/. "$DUCKDB_DIR/include/"
  got=$(/usr/bin/python3 -c 'import ctypes,sys; f=ctypes.CDLL(sys.argv[1]).duckdb_library_version; f.restype=ctypes.c_char_p; print(f().decode())' "$DUCKDB_DIR/lib/libduckdb.so")
  if [[ "$got" != "v$DUCKDB_VERSION" ]]; then
    echo "setup: expected DuckDB v$DUCKDB_VERSION, the package holds $got" >&2
    rm -rf "$DUCKDB_DIR"; exit 1
  fi
  echo "$got" > "$DUCKDB_DIR/VERSION"
fi

if [[ ! -d tests/interop/node_modules/icebird || ! -d tests/interop/node_modules/iceberg-js ]]; then
  echo "setup: installing interop test packages (npm ci)"
  (cd tests/interop && npm ci --silent --no-audit --no-fund)
fi
echo "setup: ready (DuckDB $(cat "$DUCKDB_DIR/VERSION"))"
