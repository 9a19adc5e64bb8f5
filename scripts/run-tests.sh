#!/usr/bin/env bash
# Set up and run the whole test suite headless (Xvfb + Mesa software GL).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# As root, setup.sh has installed PostgreSQL: its tests must run, not skip.
if [ "$(id -u)" = 0 ]; then export KIOSK_REQUIRE_PG="${KIOSK_REQUIRE_PG:-1}"; fi
kivy_home="$(mktemp -d)"
trap 'rm -rf "$kivy_home"' EXIT
export KIVY_NO_ARGS=1 KIVY_USE_DEFAULTCONFIG=1 KIVY_NO_FILELOG=1 KIVY_NO_CONSOLELOG=1 KIVY_HOME="$kivy_home"
exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m pytest "$@"
