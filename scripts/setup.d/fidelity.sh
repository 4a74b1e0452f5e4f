#!/usr/bin/env bash
# Python venv with Microsoft's own clients (msgraph-sdk + azure-identity,
# Office365-REST-Python-Client) and pytest, used by the emulator fidelity suite
# (tests/emulator/fidelity, run from tests/emulator/tests/fidelity.rs).
# Idempotent: reinstalls only when the pinned requirements change. Needs python3 + PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/fidelity-venv
REQ=tests/emulator/fidelity/requirements.txt
STAMP="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    echo "fidelity venv up to date ($VENV)" >&2
    exit 0
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    else
        echo "error: python3 with the venv module is required (apt-get install python3-venv)" >&2
        exit 1
    fi
fi
# The shared wheel copies beside the project, when present, come first: a machine-wide
# PIP_FIND_LINKS (seen pointing at an empty folder) overrides pip.conf, so name them here.
wheels=../shared/offline/wheels
if [ -d "$wheels" ]; then
    export PIP_FIND_LINKS="$(cd "$wheels" && pwd) ${PIP_FIND_LINKS:-}"
fi
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r "$REQ"
echo "$want" > "$STAMP"
echo "fidelity venv ready ($VENV)" >&2
