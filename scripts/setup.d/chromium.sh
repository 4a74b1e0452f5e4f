#!/usr/bin/env bash
# Headless Chromium for the report's browser tests (tests/report/): Debian's chromium and
# chromium-driver, plus a font so text renders in screenshots. Idempotent; installs only what
# is missing, and waits for another apt run to finish instead of failing on its lock.
set -euo pipefail

packages=(chromium chromium-driver fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/setup.d/chromium.sh: need root to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
if ! apt_get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt_get update -qq
    apt_get install -y --no-install-recommends "${missing[@]}"
fi
