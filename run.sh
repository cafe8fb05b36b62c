#!/usr/bin/env bash
# The project's set-up in two commands, on a fresh Debian machine with Python 3.11:
#   bash run.sh map    install the package into .venv and build the default map (one file that works offline;
#                      basemap tiles when online; --offline for no request at all)
#   bash run.sh test   install the test tools (and headless Chromium, node, GDAL's ogrinfo) and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"
VENV=${VENV:-.venv}
PY=${PYTHON:-python3}

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "run.sh: need root (or sudo) to run: $*" >&2; exit 1; fi
}

apt_install() {
    echo "run.sh: installing Debian packages: $*" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        if ! "$PY" -m venv "$VENV" >/dev/null 2>&1; then
            rm -rf "$VENV"
            apt_install python3-venv
            "$PY" -m venv "$VENV"
        fi
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
}

# The outside programs the tests use to check our outputs independently: headless Chromium (the maps),
# node (the map's own scripts, geo/static/*.js), GDAL's ogrinfo (classify and export files), xmllint (the KML
# export against the OGC schema), QGIS's Python bindings (the GeoPackage export opened in QGIS itself).
ensure_test_tools() {
    local missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    command -v node >/dev/null || missing+=(nodejs)
    command -v ogrinfo >/dev/null || missing+=(gdal-bin)
    command -v xmllint >/dev/null || missing+=(libxml2-utils)
    /usr/bin/python3 -c "import qgis.core" 2>/dev/null || missing+=(python3-qgis)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

case "${1:-}" in
map)
    shift
    ensure_venv
    "$VENV/bin/python" -m pip install -q -e ".[notebooks]"
    out=${MAP_FILE:-idlib_corridor_map.html}
    for arg in "$@"; do [ "$arg" = --offline ] && out=${MAP_FILE:-idlib_corridor_map_offline.html}; done
    "$VENV/bin/idlib-corridor" map -o "$out" "$@"
    ;;
test)
    shift
    ensure_venv
    ensure_test_tools
    "$VENV/bin/python" -m pip install -q -e ".[test]"
    "$VENV/bin/ruff" check geo tests benchmarks
    "$VENV/bin/mypy" geo
    IDLIB_TEST_TOOLS=required "$VENV/bin/python" -m pytest "$@"
    ;;
*)
    echo "usage: bash run.sh map [--offline]   |   bash run.sh test [pytest args]" >&2
    exit 2
    ;;
esac
