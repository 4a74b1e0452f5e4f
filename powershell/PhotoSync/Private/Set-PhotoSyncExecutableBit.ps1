# Zip archives, NuGet packages (Install-PSResource) and Azure Automation imports drop the Unix
# execute bit of bin/<rid>/photosync: restore it.

function Set-PhotoSyncExecutableBit {
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
    $chmod = Get-Command -Name 'chmod' -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($null -eq $chmod) {
        Write-Warning "PhotoSync: cannot restore the execute bit on '$Path' (no chmod found); run 'chmod +x' on it."
        return
    }
    & $chmod.Source '+x' $Path 2>$null
    if ($LASTEXITCODE -ne 0) {
        Write-Warning "PhotoSync: 'chmod +x $Path' failed; make the file executable or set PHOTOSYNC_BINARY."
    }
}
