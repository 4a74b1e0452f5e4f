# PhotoSync: a thin PowerShell face on the photosync binary. The cmdlets turn pipeline objects
# into JSON Lines, run one photosync process per pipeline, and turn its JSON Lines back into
# objects and ErrorRecords; all photo logic lives in the binary (DESIGN.md section 8).

# Strict mode off for the module's own scope: the core's records leave optional JSON fields out,
# and reading them as $null keeps the per-record code short and fast whatever the caller's mode.
Set-StrictMode -Off

$script:PhotoSyncModuleRoot = $PSScriptRoot
$script:PhotoSyncConnection = $null

foreach ($folder in 'Private', 'Public') {
    $folderPath = Join-Path -Path $PSScriptRoot -ChildPath $folder
    foreach ($file in (Get-ChildItem -LiteralPath $folderPath -Filter '*.ps1' | Sort-Object -Property Name)) {
        . $file.FullName
    }
}

# Chosen once at import (and again at call time if PHOTOSYNC_BINARY is set later). A missing
# binary does not stop the import, so Get-Help works; the cmdlets then fail naming the platform.
$script:PhotoSyncBinary = Resolve-PhotoSyncBinary -ModuleRoot $PSScriptRoot
if (-not $script:PhotoSyncBinary.Path) {
    Write-Verbose "PhotoSync: $($script:PhotoSyncBinary.Problem)"
}

Export-ModuleMember -Function 'Connect-PhotoSync', 'Disconnect-PhotoSync', 'Get-PhotoSyncStatus', 'Sync-UserPhoto'
