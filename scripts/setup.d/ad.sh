#!/usr/bin/env bash
# Directory servers for the AD tests (tests/ad/) and benchmark (benches/ad.rs):
# Samba AD DC (a real AD implementation: schema limits, strong-auth rules) and OpenLDAP slapd
# (caps unpaged searches, like AD's MaxPageSize). Idempotent; installs only what is missing.
# The package services are never started here: the tests start their own throw-away servers.
set -euo pipefail

packages=(samba samba-ad-dc samba-ad-provision winbind ldb-tools krb5-user smbclient slapd ldap-utils openssl)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/setup.d/ad.sh: need root to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting daemons (slapd, samba) on this machine.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y --no-install-recommends "${missing[@]}"
fi
