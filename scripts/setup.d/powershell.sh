#!/usr/bin/env bash
# PowerShell for the module's tests: python3 (scripts/package-module writes the zip with it),
# PowerShell 7 as a .NET global tool (~/.dotnet/tools/pwsh) and Pester 5, restored from the
# NuGet feed the machine's dotnet uses and copied into pwsh's user module path, where
# `Import-Module Pester` finds it. Idempotent: installs only what is missing.
# Without dotnet (or without a NuGet feed) PowerShell is skipped, and .ci/run prints
# "Pester suite: NOT RUN"; the Rust tests (tests/powershell/) still check the module.
set -euo pipefail

PWSH_VERSION=7.6.9
PESTER_VERSION=5.7.1

if ! command -v python3 >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: python3 is missing; install it (apt-get install python3) or run scripts/test as root" >&2
        exit 1
    fi
    apt-get update
    apt-get install -y --no-install-recommends python3
fi

if ! command -v dotnet >/dev/null 2>&1; then
    echo "scripts/setup.d/powershell.sh: no dotnet SDK; pwsh and Pester not installed (Pester suite will be NOT RUN)" >&2
    exit 0
fi

tools="$HOME/.dotnet/tools"
pwsh="$tools/pwsh"
if [ ! -x "$pwsh" ] || ! "$pwsh" -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null | grep -qx "$PWSH_VERSION"; then
    echo "==> installing PowerShell $PWSH_VERSION (dotnet global tool)" >&2
    if [ -x "$pwsh" ]; then
        dotnet tool update --global PowerShell --version "$PWSH_VERSION" >&2 || true
    else
        dotnet tool install --global PowerShell --version "$PWSH_VERSION" >&2 || true
    fi
fi
if [ ! -x "$pwsh" ]; then
    echo "scripts/setup.d/powershell.sh: could not install PowerShell (no NuGet feed?); Pester suite will be NOT RUN" >&2
    exit 0
fi

# pwsh's user module path (PSModulePath on Linux) holds Pester/<version>/Pester.psd1.
modules="$HOME/.local/share/powershell/Modules"
pester="$modules/Pester/$PESTER_VERSION"
if [ ! -f "$pester/Pester.psd1" ]; then
    echo "==> restoring Pester $PESTER_VERSION from the NuGet feed" >&2
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    # A throw-away project is the dotnet CLI's way to fetch a package; Pester's module sits in tools/.
    (cd "$scratch" && dotnet new classlib --output restore >/dev/null &&
        dotnet add restore/restore.csproj package Pester --version "$PESTER_VERSION" >/dev/null) || {
        echo "scripts/setup.d/powershell.sh: could not restore Pester $PESTER_VERSION; Pester suite will be NOT RUN" >&2
        exit 0
    }
    packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
    mkdir -p "$modules/Pester"
    rm -rf "$pester.tmp"
    cp -R "$packages/pester/$PESTER_VERSION/tools" "$pester.tmp"
    mv "$pester.tmp" "$pester"
fi
echo "pwsh $PWSH_VERSION and Pester $PESTER_VERSION ready ($pwsh)" >&2
