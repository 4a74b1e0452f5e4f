# One photosync process per pipeline, fed as the pipeline runs: the cmdlets start it in begin{},
# write each user's JSON line to its stdin in process{}, and turn the records that are ready into
# objects as they go; end{} closes stdin and drains the rest. Nothing is collected, so memory stays
# flat however many users are piped. Reads are polled (Task.IsCompleted) on the pipeline thread:
# no script block runs as a .NET event handler on another thread, which Windows PowerShell 5.1
# does not allow. Works on Windows PowerShell 5.1 (.NET Framework) and PowerShell 7 (.NET 6+).

# The schema version of the JSON contract this module understands (src/schema.rs SCHEMA_VERSION).
$script:PhotoSyncSchemaVersion = 1
# Binaries whose `photosync schema` already matched, so the check runs once per session.
$script:PhotoSyncCheckedBinaries = @{}
# Input items kept to map records back to their pipeline objects, at most this many at a time.
$script:PhotoSyncItemWindow = 2048

function ConvertTo-PhotoSyncArgumentString([string[]]$ArgumentList) {
    # ProcessStartInfo.ArgumentList does not exist on .NET Framework, so arguments are joined
    # with the quoting rules both Windows (CommandLineToArgvW) and .NET on Unix parse back.
    $parts = foreach ($argument in $ArgumentList) {
        if ($argument.Length -gt 0 -and $argument -notmatch '[\s"]') {
            $argument
            continue
        }
        $escaped = $argument -replace '(\\*)"', '$1$1\"'
        $escaped = $escaped -replace '(\\+)$', '$1$1'
        '"' + $escaped + '"'
    }
    return ($parts -join ' ')
}

function Test-PhotoSyncCloudSandbox {
    # Azure Automation runs cloud jobs in a sandbox that cannot start child processes; it sets
    # AUTOMATION_ASSET_SANDBOX_ID there (Hybrid Runbook Workers run jobs as ordinary processes).
    return [bool]$env:AUTOMATION_ASSET_SANDBOX_ID
}

function Test-PhotoSyncProgressWanted {
    # Azure Automation stores every progress record with the job, which slows jobs down and fills
    # the job log, so progress is shown only in interactive-style hosts.
    if ($env:AUTOMATION_ASSET_ACCOUNTID -or $env:AUTOMATION_ASSET_SANDBOX_ID) { return $false }
    if ($PSPrivateData -and $PSPrivateData.PSObject.Properties['AutomationJobId']) { return $false }
    if ($env:PHOTOSYNC_NO_PROGRESS) { return $false }
    return $true
}

function New-PhotoSyncSetupError([string]$Code, [string]$Message, [string]$Hint) {
    # A failure around the run (no binary, bad settings, no result at all): terminating.
    return New-PhotoSyncErrorRecord -Code $Code -Message $Message -Hint $Hint -TargetObject $null
}

function Get-PhotoSyncBinaryPath([System.Management.Automation.PSCmdlet]$Cmdlet) {
    if (Test-PhotoSyncCloudSandbox) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'cloud-sandbox' `
                    -Message 'This runbook runs in an Azure Automation cloud sandbox, which cannot start the photosync program.' `
                    -Hint 'Run this runbook on a Hybrid Runbook Worker (Start-AzAutomationRunbook -RunOn <worker group>); see docs/powershell.md, "Azure Automation".'))
    }
    # PHOTOSYNC_BINARY may be set after import (development, tests): honour it at call time.
    if ($env:PHOTOSYNC_BINARY -or -not $script:PhotoSyncBinary -or -not $script:PhotoSyncBinary.Path) {
        $script:PhotoSyncBinary = Resolve-PhotoSyncBinary -ModuleRoot $script:PhotoSyncModuleRoot
    }
    if (-not $script:PhotoSyncBinary.Path) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-missing' -Message $script:PhotoSyncBinary.Problem `
                    -Hint "Platform: $($script:PhotoSyncBinary.RuntimeId). See docs/powershell.md, section 'Installing'."))
    }
    return $script:PhotoSyncBinary.Path
}

function Assert-PhotoSyncSchemaVersion([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Binary) {
    # A module and binary from different releases would misread each other's records: refuse early.
    if ($script:PhotoSyncCheckedBinaries.ContainsKey($Binary)) { return }
    $version = $null
    try {
        $text = (& $Binary 'schema' 2>$null) -join "`n"
        # Only the top-level number is needed; a regex avoids parsing the whole JSON Schema.
        if ($text -match '"schemaVersion"\s*:\s*(\d+)') { $version = [int]$Matches[1] }
    }
    catch {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-unusable' `
                    -Message "'$Binary schema' failed: $($_.Exception.Message)" `
                    -Hint 'Check that the binary matches this platform and is executable, or set PHOTOSYNC_BINARY to a working build.'))
    }
    if ($version -ne $script:PhotoSyncSchemaVersion) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'schema-mismatch' `
                    -Message "This PhotoSync module reads JSON schema version $($script:PhotoSyncSchemaVersion), but '$Binary' writes version '$version'." `
                    -Hint 'Install the module and the photosync binary from the same release (the module zip ships a matching binary).'))
    }
    $script:PhotoSyncCheckedBinaries[$Binary] = $true
}

function Start-PhotoSyncCore {
    <#
    .SYNOPSIS
    Starts photosync with the given arguments and returns the core session (a hashtable) that
    Send-PhotoSyncCoreItem, Complete-PhotoSyncCore and Stop-PhotoSyncCore take.
    #>
    param(
        [System.Management.Automation.PSCmdlet]$Cmdlet,
        [string[]]$ArgumentList,
        [hashtable]$Connection,
        [string]$Activity,
        # Records that end one user: 1 status, or one result per sync target.
        [int]$RecordsPerUser
    )

    $binary = Get-PhotoSyncBinaryPath -Cmdlet $Cmdlet
    Assert-PhotoSyncSchemaVersion -Cmdlet $Cmdlet -Binary $binary
    try {
        $childEnvironment = Get-PhotoSyncChildEnvironment -Connection $Connection
    }
    catch {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message $_.Exception.Message -Hint 'Check the connection parameters (Connect-PhotoSync).'))
    }

    $showProgress = Test-PhotoSyncProgressWanted
    # `json`: progress records on stderr, turned into Write-Progress; `none` leaves them out.
    $progressMode = if ($showProgress) { 'json' } else { 'none' }
    $ArgumentList += @('--progress', $progressMode)
    # -Verbose on the cmdlet (seen here through PowerShell's dynamic scoping): the core's info log,
    # streamed line by line to the verbose stream.
    if ($VerbosePreference -eq 'Continue') { $ArgumentList += '--verbose' }
    $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $startInfo = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $binary
    $startInfo.Arguments = ConvertTo-PhotoSyncArgumentString -ArgumentList $ArgumentList
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = $utf8
    $startInfo.StandardErrorEncoding = $utf8
    $location = $Cmdlet.SessionState.Path.CurrentFileSystemLocation
    if ($location) { $startInfo.WorkingDirectory = $location.ProviderPath }
    foreach ($name in $childEnvironment.Variables.Keys) {
        $startInfo.EnvironmentVariables[$name] = $childEnvironment.Variables[$name]
    }

    # .NET Framework writes Console.InputEncoding's preamble to a child's stdin when it starts it;
    # a UTF-8 console would put a BOM before the first JSON line.
    $savedInputEncoding = $null
    if ($PSVersionTable.PSEdition -ne 'Core') {
        try {
            $savedInputEncoding = [Console]::InputEncoding
            if ($savedInputEncoding.GetPreamble().Length -gt 0) { [Console]::InputEncoding = $utf8 } else { $savedInputEncoding = $null }
        }
        catch { $savedInputEncoding = $null }
    }
    try {
        $process = [System.Diagnostics.Process]::Start($startInfo)
    }
    catch {
        foreach ($file in $childEnvironment.TemporaryFiles) { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue -WhatIf:$false -Confirm:$false }
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-unusable' -Message "Cannot start '$binary': $($_.Exception.Message)" `
                    -Hint 'Check that the binary matches this platform and is executable.'))
    }
    finally {
        if ($savedInputEncoding) { try { [Console]::InputEncoding = $savedInputEncoding } catch { $null = $_ } }
    }

    $core = @{
        Cmdlet         = $Cmdlet
        Process        = $process
        Stdin          = $process.StandardInput.BaseStream
        StdinOpen      = $true
        Encoding       = $utf8
        ReadTask       = $process.StandardOutput.ReadLineAsync()
        ErrorTask      = $process.StandardError.ReadLineAsync()
        ErrorTail      = New-Object -TypeName 'System.Collections.Generic.Queue[string]'
        Activity       = $Activity
        ShowProgress   = $showProgress
        ProgressClock  = [System.Diagnostics.Stopwatch]::StartNew()
        TemporaryFiles = $childEnvironment.TemporaryFiles
        RecordsPerUser = [Math]::Max(1, $RecordsPerUser)
        # Items in flight: input line -> item, identity key -> item; released when their user is done.
        ByLine         = New-Object -TypeName 'System.Collections.Generic.Dictionary[long,object]'
        ByKey          = New-Object -TypeName 'System.Collections.Generic.Dictionary[string,object]' -ArgumentList ([System.StringComparer]::OrdinalIgnoreCase)
        OldestLine     = [long]1
        LinesSent      = [long]0
        # "user|target" and "user|*|code" of the ErrorRecords written, so each failure is told once.
        Reported       = New-Object -TypeName 'System.Collections.Generic.HashSet[string]'
        UserRecords    = 0
        SetupError     = $null
        Summary        = $null
        Finished       = $false
    }
    return $core
}

function Send-PhotoSyncCoreItem($Core, $Item) {
    # Writes one input line (UTF-8, no BOM) and emits whatever output is ready meanwhile.
    if (-not $Core.StdinOpen) {
        # The core stopped early (bad settings): say why now instead of reading all the input first.
        if ($Core.Process.HasExited -and -not $Core.Finished) { Complete-PhotoSyncCore -Core $Core }
        return
    }
    $Core.LinesSent++
    $line = $Core.LinesSent
    $Item.Line = $line
    $Item.Remaining = $Core.RecordsPerUser
    $Core.ByLine[$line] = $Item
    foreach ($key in $Item.Keys) { if (-not $Core.ByKey.ContainsKey($key)) { $Core.ByKey[$key] = $Item } }
    # A user whose records never come back (the core dropped it) must not pin memory.
    while ($Core.ByLine.Count -gt $script:PhotoSyncItemWindow) {
        if ($Core.ByLine.ContainsKey($Core.OldestLine)) { Remove-PhotoSyncCoreItem -Core $Core -Item $Core.ByLine[$Core.OldestLine] }
        $Core.OldestLine++
    }

    $bytes = $Core.Encoding.GetBytes($Item.Json + "`n")
    $Item.Json = $null
    try {
        $task = $Core.Stdin.WriteAsync($bytes, 0, $bytes.Length)
        while (-not $task.IsCompleted) {
            Step-PhotoSyncCore -Core $Core
            Wait-PhotoSyncTask -Task $task -Milliseconds 10
        }
        $task.Wait()
        $task = $Core.Stdin.FlushAsync()
        while (-not $task.IsCompleted) {
            Step-PhotoSyncCore -Core $Core
            Wait-PhotoSyncTask -Task $task -Milliseconds 10
        }
        $task.Wait()
    }
    catch {
        # The child stopped reading (it exited); its exit code and records say why.
        $Core.StdinOpen = $false
        $Core.Cmdlet.WriteVerbose("PhotoSync: photosync stopped reading its input: $($_.Exception.GetBaseException().Message)")
    }
    Step-PhotoSyncCore -Core $Core
}

function Wait-PhotoSyncTask([System.Threading.Tasks.Task]$Task, [int]$Milliseconds) {
    # WaitAny, unlike Task.Wait, does not throw when the task failed; the caller reads the result.
    [void][System.Threading.Tasks.Task]::WaitAny([System.Threading.Tasks.Task[]]@($Task), $Milliseconds)
}

function Step-PhotoSyncCore($Core) {
    # Handles every stdout and stderr line that has already arrived; never waits.
    while ($Core.ErrorTask -and $Core.ErrorTask.IsCompleted) {
        $text = $null
        try { $text = $Core.ErrorTask.Result } catch { $text = $null }
        if ($null -eq $text) { $Core.ErrorTask = $null; break }
        $Core.ErrorTask = $Core.Process.StandardError.ReadLineAsync()
        Write-PhotoSyncCoreLog -Core $Core -Text $text
    }
    while ($Core.ReadTask -and $Core.ReadTask.IsCompleted) {
        $text = $null
        try { $text = $Core.ReadTask.Result } catch { $text = $null }
        if ($null -eq $text) { $Core.ReadTask = $null; break }
        $Core.ReadTask = $Core.Process.StandardOutput.ReadLineAsync()
        if ($text.Length -gt 0) { Write-PhotoSyncCoreRecord -Core $Core -Line $text }
    }
}

function Write-PhotoSyncCoreLog($Core, [string]$Text) {
    # The core's log lines (stderr) as they come: warnings and errors as warnings, the rest verbose.
    # `--progress json` writes its progress records on stderr (stdout is data): Write-Progress.
    if ($Text.StartsWith('{"type":"progress"')) { Write-PhotoSyncCoreProgress -Core $Core -Text $Text; return }
    $Text = $Text -replace '\x1b\[[0-9;]*m', ''
    if ($Text.Trim().Length -eq 0) { return }
    $Core.ErrorTail.Enqueue($Text)
    if ($Core.ErrorTail.Count -gt 5) { [void]$Core.ErrorTail.Dequeue() }
    # tracing's format is "<time>  WARN <target>: <message>"; setup failures say "error: ...".
    if ($Text -cmatch '^\S*\s*(WARN|ERROR)\s' -or $Text -match '^\s*(warning|error):') { $Core.Cmdlet.WriteWarning("photosync: $Text") }
    else { $Core.Cmdlet.WriteVerbose("photosync: $Text") }
}

function Write-PhotoSyncCoreProgress($Core, [string]$Text) {
    # At most five times a second: each Write-Progress redraws the host.
    if (-not $Core.ShowProgress -or $Core.ProgressClock.ElapsedMilliseconds -lt 200) { return }
    $Core.ProgressClock.Restart()
    try { $record = ConvertFrom-Json -InputObject $Text } catch { return }
    $done = [int64]$record.done
    $total = $record.total
    if ($total -and [int64]$total -gt 0) {
        $percent = [int][math]::Min(100, [math]::Floor(100 * $done / [int64]$total))
        Write-Progress -Id 1 -Activity $Core.Activity -Status "$($record.phase) $done of $total" -PercentComplete $percent
    }
    else {
        Write-Progress -Id 1 -Activity $Core.Activity -Status "$($record.phase) $done"
    }
}

function Complete-PhotoSyncCore($Core) {
    # end{}: close stdin, emit the remaining records, then judge the exit code. Terminating only
    # for a setup failure: an error record about no user, or no user record at all.
    $cmdlet = $Core.Cmdlet
    if ($Core.StdinOpen) {
        $Core.StdinOpen = $false
        try { $Core.Stdin.Close() } catch { $cmdlet.WriteVerbose("PhotoSync: closing stdin: $($_.Exception.Message)") }
    }
    while ($Core.ReadTask) {
        Wait-PhotoSyncTask -Task $Core.ReadTask -Milliseconds 25
        Step-PhotoSyncCore -Core $Core
    }
    $Core.Process.WaitForExit()
    while ($Core.ErrorTask) {
        Wait-PhotoSyncTask -Task $Core.ErrorTask -Milliseconds 1000
        Step-PhotoSyncCore -Core $Core
    }
    $exitCode = $Core.Process.ExitCode
    $Core.Finished = $true
    if ($Core.ShowProgress) { Write-Progress -Id 1 -Activity $Core.Activity -Completed }
    $cmdlet.WriteVerbose("PhotoSync: photosync exited with code $exitCode")

    if ($Core.SetupError -and ($exitCode -ge 2 -or $exitCode -lt 0)) {
        $cmdlet.ThrowTerminatingError($Core.SetupError)
    }
    if ($exitCode -ge 2 -or $exitCode -lt 0) {
        if ($Core.UserRecords -eq 0 -and $Core.LinesSent -gt 0) {
            $code = switch ($exitCode) {
                2 { 'config' }
                3 { 'auth-failed' }
                4 { 'transient' }
                default { 'core-failed' }
            }
            $tail = @($Core.ErrorTail) -join ' | '
            $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code $code -Message "photosync exited with code ${exitCode} and no results: $tail" `
                        -Hint 'Run with -Verbose to see the core''s log; exit codes are listed in docs/powershell.md.'))
        }
        # Per-user failures (each already an ErrorRecord) decided the exit code; the results stand.
        $cmdlet.WriteVerbose("PhotoSync: exit code $exitCode comes from the failed users reported above.")
    }
    if ($Core.SetupError) {
        # Reported without a user but the run went on: not fatal.
        $cmdlet.WriteError($Core.SetupError)
    }
}

function Stop-PhotoSyncCore($Core) {
    # Always called last (end{}, or a stopped pipeline: Select-Object -First, Ctrl+C, an error).
    if ($null -eq $Core) { return }
    $process = $Core.Process
    if ($process) {
        try {
            if (-not $process.HasExited) {
                $process.Kill()
                [void]$process.WaitForExit(5000)
            }
        }
        catch { $Core.Cmdlet.WriteVerbose("PhotoSync: $($_.Exception.Message)") }
        $process.Dispose()
        $Core.Process = $null
    }
    if ($Core.ShowProgress -and -not $Core.Finished) { Write-Progress -Id 1 -Activity $Core.Activity -Completed }
    foreach ($file in $Core.TemporaryFiles) {
        # -WhatIf:$false: under Sync-UserPhoto -WhatIf the temporary key must still be deleted.
        Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue -WhatIf:$false -Confirm:$false
    }
    $Core.TemporaryFiles = @()
}
