# Finds the photosync binary for this machine. The module ships one binary per platform under
# bin/<rid>/ (rid = win-x64, linux-x64, linux-arm64, osx-x64, osx-arm64); the right one is picked
# once at import. PHOTOSYNC_BINARY overrides the choice (development builds, custom paths).

function Get-PhotoSyncRuntimeId {
    [CmdletBinding()]
    [OutputType([string])]
    param()

    # Windows PowerShell 5.1 has no $IsWindows; it only ever runs on Windows.
    $onWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or ((Test-Path -Path 'Variable:IsWindows') -and $IsWindows)
    $onMac = (-not $onWindows) -and (Test-Path -Path 'Variable:IsMacOS') -and $IsMacOS

    $architecture = $null
    try {
        $architecture = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()
    }
    catch {
        # .NET Framework before 4.7.1 lacks RuntimeInformation; Windows still says it here.
        $architecture = $env:PROCESSOR_ARCHITECTURE
    }
    $arch = switch -Regex ($architecture) {
        '^(X64|AMD64)$' { 'x64'; break }
        '^(Arm64|ARM64)$' { 'arm64'; break }
        default { [string]$architecture }
    }

    if ($onWindows) {
        # Windows on Arm runs x64 binaries under emulation; no native build is shipped.
        return 'win-x64'
    }
    if ($onMac) {
        return "osx-$arch"
    }
    return "linux-$arch"
}

function Resolve-PhotoSyncBinary {
    <#
    .SYNOPSIS
    Returns a hashtable: Path (the binary, or $null), RuntimeId, and Problem (why it is unusable).
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory)]
        [string]$ModuleRoot
    )

    $rid = Get-PhotoSyncRuntimeId
    if ($env:PHOTOSYNC_BINARY) {
        if (Test-Path -LiteralPath $env:PHOTOSYNC_BINARY -PathType Leaf) {
            return @{ Path = (Resolve-Path -LiteralPath $env:PHOTOSYNC_BINARY).ProviderPath; RuntimeId = $rid; Problem = $null }
        }
        return @{
            Path      = $null
            RuntimeId = $rid
            Problem   = "PHOTOSYNC_BINARY points to '$($env:PHOTOSYNC_BINARY)', which is not a file. Fix the path or remove the variable to use the binary shipped with the module."
        }
    }

    $name = if ($rid -like 'win-*') { 'photosync.exe' } else { 'photosync' }
    $path = Join-Path -Path (Join-Path -Path (Join-Path -Path $ModuleRoot -ChildPath 'bin') -ChildPath $rid) -ChildPath $name
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
        return @{
            Path      = $null
            RuntimeId = $rid
            Problem   = "This PhotoSync module has no photosync binary for this platform ($rid): expected '$path'. Install the module package built for $rid, build it with 'cargo build --release' and copy it there, or set PHOTOSYNC_BINARY to its path."
        }
    }

    if ($rid -notlike 'win-*') {
        Set-PhotoSyncExecutableBit -Path $path
    }
    return @{ Path = $path; RuntimeId = $rid; Problem = $null }
}

function Set-PhotoSyncExecutableBit {
    # Zip archives (and Save-Module, Azure Automation imports) drop the Unix execute bit.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]$Path
    )

    $item = Get-Item -LiteralPath $Path
    $mode = $item.PSObject.Properties['UnixMode']
    if ($null -ne $mode -and [string]$mode.Value -match '^-..x') {
        return
    }
    $chmod = Get-Command -Name 'chmod' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($null -eq $chmod) {
        Write-Warning "PhotoSync: cannot restore the execute bit on '$Path' (no chmod found); run 'chmod +x' on it."
        return
    }
    & $chmod.Source '+x' $Path 2>$null
    if ($LASTEXITCODE -ne 0) {
        Write-Warning "PhotoSync: 'chmod +x $Path' failed; make the file executable or set PHOTOSYNC_BINARY."
    }
}
