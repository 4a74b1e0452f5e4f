# Measures the module's streaming (docs/powershell.md, "Streaming and memory"): pipes -Count
# Get-ADUser-like objects, each with a 9 KB thumbnailPhoto, through Get-PhotoSyncStatus with a
# folder store, and reports time per 10,000 users and the PowerShell process's memory as the
# run goes. Not a test (no assertions); run it after `cargo build -p photosync`:
#   pwsh -File tests/pester/Measure-Streaming.ps1 -Count 100000
param(
    [int]$Count = 10000,
    [string]$Binary
)

$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../..')).ProviderPath
if (-not $Binary) { $Binary = Join-Path $repo 'target/debug/photosync' }
$env:PHOTOSYNC_BINARY = $Binary
$env:PHOTOSYNC_NO_PROGRESS = '1'
Import-Module (Join-Path $repo 'powershell/PhotoSync/PhotoSync.psd1') -Force

$work = Join-Path ([System.IO.Path]::GetTempPath()) ('photosync-measure-' + [guid]::NewGuid().ToString('N'))
$folder = Join-Path $work 'store'
New-Item -ItemType Directory -Path $folder | Out-Null
try {
    $tiny = Join-Path $work 'tiny.jpg'
    $null = & $Binary photo prepare (Join-Path $repo 'examples/hr/ann.lee.jpg') --target ad --ad-size 32 --out $tiny
    $bytes = [System.IO.File]::ReadAllBytes($tiny)
    $photo = [byte[]](@(0xFF, 0xD8, 0xFF, 0xFE, 0x1F, 0x42) + (New-Object -TypeName byte[] -ArgumentList 8000) + $bytes[2..($bytes.Length - 1)])

    $self = Get-Process -Id $PID
    $samples = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $state = @{ Outputs = 0; FirstOutputAt = 0; Produced = 0 }
    $step = [Math]::Max(1, [int]($Count / 10))
    & {
        for ($i = 1; $i -le $Count; $i++) {
            $state.Produced = $i
            if ($i % $step -eq 0) {
                $self.Refresh()
                $samples.Add([pscustomobject]@{
                        Users        = $i
                        Seconds      = [math]::Round($clock.Elapsed.TotalSeconds, 1)
                        WorkingSetMB = [math]::Round($self.WorkingSet64 / 1048576, 1)
                        ManagedMB    = [math]::Round([GC]::GetTotalMemory($false) / 1048576, 1)
                    })
            }
            [pscustomobject]@{ SamAccountName = "user$i"; ObjectGUID = [guid]::NewGuid(); ThumbnailPhoto = $photo }
        }
    } | Get-PhotoSyncStatus -Store "folder:$folder" | ForEach-Object {
        $state.Outputs++
        if ($state.FirstOutputAt -eq 0) { $state.FirstOutputAt = $state.Produced }
    }
    $clock.Stop()
    $self.Refresh()
    $samples | Format-Table -AutoSize | Out-String | Write-Output
    'PowerShell {0}; {1} users, {2} status objects; first object after {3} users were piped' -f $PSVersionTable.PSVersion, $Count, $state.Outputs, $state.FirstOutputAt
    'total {0:N1} s = {1:N1} s per 10,000 users; peak working set {2:N0} MB' -f $clock.Elapsed.TotalSeconds, ($clock.Elapsed.TotalSeconds * 10000 / $Count), ($self.PeakWorkingSet64 / 1048576)
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
