#!/usr/bin/env bash
# The PowerShell module's tests (tests/powershell.rs) run scripts/package-module, which writes
# the zip with Python's zipfile. pwsh itself cannot be installed here (docs/powershell.md).
set -euo pipefail
if ! command -v python3 >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: python3 is missing; install it (apt-get install python3) or run scripts/test as root" >&2
        exit 1
    fi
    apt-get update
    apt-get install -y --no-install-recommends python3
fi
