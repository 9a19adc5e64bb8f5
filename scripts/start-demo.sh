#!/usr/bin/env bash
# Set up and start the kiosk on the bundled demo catalog.
# Extra arguments go to main.py (e.g. --windowed, --portrait).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app
export KIOSK_DB="${KIOSK_DB:-$PWD/.demo/kiosk.sqlite3}"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  # No screen (a server or CI box): run on a virtual one.
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python main.py --demo "$@"
fi
exec .venv/bin/python main.py --demo "$@"
