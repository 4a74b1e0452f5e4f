# Finds the photosync binary for this machine. The module ships one binary per platform under
# bin/<rid>/; the right one is picked once at import. PHOTOSYNC_BINARY overrides the choice
# (development builds, custom paths).

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
