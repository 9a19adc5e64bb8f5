#!/usr/bin/env bash
# Set up what the kiosk needs: a virtual environment with the project installed.
#   scripts/setup.sh          the kiosk app only
#   scripts/setup.sh test     plus test extras and, as root, the Debian packages
#                             for headless UI tests (Xvfb, Mesa) and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
PY="${PYTHON:-python3}"

debs=(libgl1 libegl1 libgl1-mesa-dri libmtdev1 libgles2 fonts-dejavu-core)
if [ "$mode" = test ]; then
  debs+=(xvfb xauth chromium postgresql)
fi
if ! "$PY" -c "import ensurepip, venv" 2>/dev/null; then
  debs+=(python3-venv)  # Debian splits venv/ensurepip out of python3
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  for d in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || missing+=("$d")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$mode" = test ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
# The project's own modules compiled to bytecode now: an editable install
# leaves them as sources, and a kiosk whose Python does not write bytecode
# (a read-only install, PYTHONDONTWRITEBYTECODE) would compile them again at
# every start (~20-35 ms of its cold start here; docs/benchmarks-ui.md).
.venv/bin/python -m compileall -q -j 0 kiosk screens main.py >/dev/null
