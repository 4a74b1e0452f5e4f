# The PowerShell module against the photosync binary, side by side in one run
# (docs/performance.md, "The PowerShell module"): the same small user records (keys only, the
# module's per-record cost) go through the binary reading a JSON Lines file, through
# Get-PhotoSyncStatus and through Sync-UserPhoto -WhatIf, each against a folder store; then a
# run with a 9 KB thumbnailPhoto per user. Prints records/s, the CPU time PowerShell spent per
# record (what the module costs, whatever else the machine does) and memory; times belong here,
# not in the Pester suite. -BaselineModule runs the two cmdlets of another copy of the module
# too (an older release: git archive <commit> powershell/PhotoSync | tar -x -C /tmp/old).
# -FirstPipeline Sync times Sync-UserPhoto -WhatIf as the session's first pipeline instead of
# Get-PhotoSyncStatus. On Linux, Threads splits the CPU time by thread: the pipeline, the thread
# pool (where PowerShell compiles hot script blocks) and .NET's tiered compilation
# (docs/performance.md, "The first pipeline of a session").
# Run after `cargo build --release -p photosync` (the default binary; -Binary another one):
#   pwsh -NoProfile -File benches/module.ps1 -Count 20000
# Works on Windows PowerShell 5.1 too (powershell -File benches\module.ps1).
param(
    [int]$Count = 20000,
    [string]$Binary,
    [string]$BaselineModule,
    [ValidateSet('Status', 'Sync')]
    [string]$FirstPipeline = 'Status'
)

$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..')).ProviderPath
$exe = if ([System.IO.Path]::DirectorySeparatorChar -eq '\') { '.exe' } else { '' }
# The release build, as shipped: a debug core is slower than the module and would hide its cost.
if (-not $Binary) { $Binary = Join-Path $repo "target/release/photosync$exe" }
if (-not (Test-Path -LiteralPath $Binary -PathType Leaf)) { throw "No photosync binary at ${Binary}: run 'cargo build --release -p photosync' or pass -Binary." }
$env:PHOTOSYNC_BINARY = $Binary
$env:PHOTOSYNC_NO_PROGRESS = '1'
Import-Module (Join-Path $repo 'powershell/PhotoSync/PhotoSync.psd1') -Force

$work = Join-Path ([System.IO.Path]::GetTempPath()) ('photosync-bench-' + [guid]::NewGuid().ToString('N'))
$store = Join-Path $work 'store'
New-Item -ItemType Directory -Path $store | Out-Null
$self = Get-Process -Id $PID

function Get-ThreadCpu {
    # CPU seconds per kind of thread of this process, from /proc (Linux only; elsewhere empty).
    $seconds = @{}
    $tasks = "/proc/$PID/task"
    if (-not (Test-Path -LiteralPath $tasks)) { return $seconds }
    foreach ($task in [System.IO.Directory]::GetDirectories($tasks)) {
        try { $stat = [System.IO.File]::ReadAllText("$task/stat") } catch { continue }
        $name = $stat.Substring($stat.IndexOf('(') + 1, $stat.LastIndexOf(')') - $stat.IndexOf('(') - 1)
        $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        $kind = switch -Wildcard ($name) { 'Pipeline*' { 'pipeline' } '.NET TP*' { 'pool' } '.NET Tiered*' { 'tiering' } default { 'other' } }
        # utime + stime, in clock ticks (100 per second on Linux).
        $seconds[$kind] = $seconds[$kind] + ([double]$fields[11] + [double]$fields[12]) / 100
    }
    $seconds
}

function Measure-Run([string]$Name, [scriptblock]$Run) {
    # One timed run: elapsed, records/s, the CPU time this PowerShell spent (on a busy machine
    # wall time mostly measures the other processes; CPU time per record much less so), and
    # memory of this PowerShell process.
    [GC]::Collect()
    $self.Refresh()
    $before = $self.WorkingSet64
    $cpuBefore = $self.TotalProcessorTime
    $threadsBefore = Get-ThreadCpu
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $records = & $Run
    $clock.Stop()
    $self.Refresh()
    $pwshCpu = ($self.TotalProcessorTime - $cpuBefore).TotalSeconds
    $threadsAfter = Get-ThreadCpu
    [pscustomobject]@{
        Run                = $Name
        Records            = $records
        Seconds            = [math]::Round($clock.Elapsed.TotalSeconds, 2)
        RecordsPerS        = [math]::Round($records / $clock.Elapsed.TotalSeconds)
        PowerShellCpuS     = [math]::Round($pwshCpu, 2)
        RecordsPerPwshCpuS = if ($Name -notlike 'photosync *' -and $pwshCpu -gt 0.05) { [math]::Round($records / $pwshCpu) } else { $null }
        WorkingSetMB       = [math]::Round($self.WorkingSet64 / 1MB)
        # The process's peak so far (runs go in order: a run that raised it shows here).
        PeakMB             = [math]::Round($self.PeakWorkingSet64 / 1MB)
        GrowthMB           = [math]::Round(($self.WorkingSet64 - $before) / 1MB)
        HeapMB             = [math]::Round([GC]::GetTotalMemory($true) / 1MB, 1)
        Threads            = (@(foreach ($kind in 'pipeline', 'pool', 'tiering', 'other') {
                    if ($threadsAfter.ContainsKey($kind)) { '{0} {1:N1}' -f $kind, ($threadsAfter[$kind] - $threadsBefore[$kind]) }
                }) -join ', ')
    }
}

function Invoke-Binary([string[]]$Arguments) {
    # The binary alone, its output counted as it comes (what a script reading it would do).
    $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $info.FileName = $Binary
    $info.Arguments = $Arguments -join ' '
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $null = $process.StandardError.ReadToEndAsync()
    $lines = 0
    while ($null -ne $process.StandardOutput.ReadLine()) { $lines++ }
    $process.WaitForExit()
    $lines - 1
}

try {
    $file = Join-Path $work 'users.jsonl'
    $writer = New-Object -TypeName System.IO.StreamWriter -ArgumentList $file
    for ($i = 1; $i -le $Count; $i++) { $writer.WriteLine('{"userPrincipalName":"user' + $i + '@contoso.com","samAccountName":"user' + $i + '"}') }
    $writer.Close()
    # The objects exist before the clock starts: what is timed is the cmdlet, not the generator.
    $users = New-Object -TypeName 'System.Collections.Generic.List[object]'
    for ($i = 1; $i -le $Count; $i++) { $users.Add([pscustomobject]@{ UserPrincipalName = "user$i@contoso.com"; SamAccountName = "user$i" }) }
    $tiny = Join-Path $work 'tiny.jpg'
    $null = & $Binary photo prepare (Join-Path $repo 'examples/hr/ann.lee.jpg') --target ad --ad-size 32 --out $tiny
    $bytes = [System.IO.File]::ReadAllBytes($tiny)
    # A thumbnailPhoto as AD holds it, about 9 KB: a small rendition padded with a JPEG comment.
    $photo = [byte[]](@(0xFF, 0xD8, 0xFF, 0xFE, 0x1F, 0x42) + (New-Object -TypeName byte[] -ArgumentList 8000) + $bytes[2..($bytes.Length - 1)])
    $photoCount = [math]::Min($Count, 5000)
    $withPhotos = New-Object -TypeName 'System.Collections.Generic.List[object]'
    for ($i = 1; $i -le $photoCount; $i++) { $withPhotos.Add([pscustomobject]@{ UserPrincipalName = "user$i@contoso.com"; ThumbnailPhoto = $photo }) }
    # The same users and photos as a file, for the binary: what the photo work itself costs.
    $photoFile = Join-Path $work 'photos.jsonl'
    $writer = New-Object -TypeName System.IO.StreamWriter -ArgumentList $photoFile
    $base64 = [System.Convert]::ToBase64String($photo)
    for ($i = 1; $i -le $photoCount; $i++) { $writer.WriteLine('{"userPrincipalName":"user' + $i + '@contoso.com","thumbnailPhoto":"' + $base64 + '"}') }
    $writer.Close()

    # PowerShell runs a script block interpreted until it has compiled it (in the background), and
    # .NET compiles hot methods again once they are hot: the first pipelines of a session run
    # slower, the more so on a busy machine. The first run of each cmdlet is timed apart (what a
    # runbook with one pipeline sees); the rows after it are the steady state.
    $status = { $n = 0; $users | Get-PhotoSyncStatus -Store "folder:$store" | ForEach-Object { $n++ }; $n }
    $sync = { $n = 0; $users | Sync-UserPhoto -Target "folder:$store" -WhatIf | ForEach-Object { $n++ }; $n }
    $rows = @(
        if ($FirstPipeline -eq 'Sync') {
            Measure-Run 'Sync-UserPhoto -WhatIf, first run in the session' $sync
            Measure-Run 'Get-PhotoSyncStatus, first run in the session' $status
        }
        else {
            Measure-Run 'Get-PhotoSyncStatus, first run in the session' $status
            Measure-Run 'Sync-UserPhoto -WhatIf, first run in the session' $sync
        }
        Measure-Run 'photosync status --input FILE' { Invoke-Binary @('status', '--input', "`"$file`"", '--stores', "`"folder:$store`"", '--format', 'json', '--progress', 'none') }
        Measure-Run 'Get-PhotoSyncStatus' $status
        Measure-Run 'photosync sync --dry-run --input FILE' { Invoke-Binary @('sync', '--source', 'input', '--targets', "`"folder:$store`"", '--dry-run', '--input', "`"$file`"", '--format', 'json', '--progress', 'none') }
        Measure-Run 'Sync-UserPhoto -WhatIf' $sync
        Measure-Run "photosync status --input FILE, 9 KB thumbnailPhoto ($photoCount)" { Invoke-Binary @('status', '--input', "`"$photoFile`"", '--stores', "`"folder:$store`"", '--format', 'json', '--progress', 'none') }
        Measure-Run "Get-PhotoSyncStatus, 9 KB thumbnailPhoto ($photoCount)" { $n = 0; $withPhotos | Get-PhotoSyncStatus -Store "folder:$store" | ForEach-Object { $n++ }; $n }
        if ($BaselineModule) {
            Import-Module $BaselineModule -Force
            Measure-Run 'Get-PhotoSyncStatus, first run (baseline module)' $status
            Measure-Run 'Sync-UserPhoto -WhatIf, first run (baseline module)' $sync
            Measure-Run 'Get-PhotoSyncStatus (baseline module)' $status
            Measure-Run 'Sync-UserPhoto -WhatIf (baseline module)' $sync
        }
    )
    $rows | Select-Object -Property * -ExcludeProperty Threads | Format-Table -AutoSize | Out-String -Width 200 | Write-Output
    # Where each run's CPU time went, by thread (Linux).
    if ($rows[0].Threads) { $rows | Format-Table -Property Run, PowerShellCpuS, Threads -AutoSize | Out-String -Width 200 | Write-Output }
    'PowerShell {0} ({1}); binary {2}; {3} small records; {4} logical processors; load: {5}' -f $PSVersionTable.PSVersion, $PSVersionTable.PSEdition, $Binary, $Count,
    [Environment]::ProcessorCount, $(if (Test-Path -LiteralPath '/proc/loadavg') { (Get-Content -LiteralPath '/proc/loadavg').Split(' ')[0..2] -join ' ' } else { 'n/a' })
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
