# Runs one photosync process for a whole pipeline: JSON Lines in on stdin, JSON Lines out on
# stdout, emitted as objects while they arrive. stdin is written asynchronously and stdout read
# with a timeout, so neither side can block the other however large the input or output is.
# Works on Windows PowerShell 5.1 (.NET Framework) and PowerShell 7.2+ (.NET 6+).

# The schema version of the JSON contract this module understands (src/schema.rs SCHEMA_VERSION).
$script:PhotoSyncSchemaVersion = 1
# Binaries whose `photosync schema` already matched, so the check runs once per session.
$script:PhotoSyncCheckedBinaries = @{}

function ConvertTo-PhotoSyncArgumentString {
    # ProcessStartInfo.ArgumentList does not exist on .NET Framework, so arguments are joined
    # with the quoting rules both Windows (CommandLineToArgvW) and .NET on Unix parse back.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [string[]]$ArgumentList
    )

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

function Show-PhotoSyncProgress {
    # One `progress` record as Write-Progress: done of total (with percent) when the total is known.
    param($Record, [string]$Activity)
    $done = [int64](Get-PhotoSyncField -Object $Record -Name 'done')
    $total = Get-PhotoSyncField -Object $Record -Name 'total'
    $phase = [string](Get-PhotoSyncField -Object $Record -Name 'phase')
    $eta = Get-PhotoSyncField -Object $Record -Name 'etaSecs'
    $seconds = if ($null -ne $eta) { [int]$eta } else { -1 }
    if ($total -and [int64]$total -gt 0) {
        $percent = [int][math]::Min(100, [math]::Floor(100 * $done / [int64]$total))
        Write-Progress -Id 1 -Activity $Activity -Status "$phase $done of $total" -PercentComplete $percent -SecondsRemaining $seconds
    }
    else {
        Write-Progress -Id 1 -Activity $Activity -Status "$phase $done"
    }
}

function Add-PhotoSyncStderrLine {
    # A stderr line of the core: a progress record is shown (or dropped), anything else kept.
    param([string]$Line, $Lines, [string]$Activity, [bool]$ShowProgress)
    if ($Line.StartsWith('{"type":"progress"')) {
        if ($ShowProgress) {
            try { Show-PhotoSyncProgress -Record (ConvertFrom-Json -InputObject $Line) -Activity $Activity }
            catch { Write-Verbose "PhotoSync: unreadable progress line: $Line" }
        }
        return
    }
    $Lines.Add($Line)
}

function Test-PhotoSyncProgressWanted {
    # Azure Automation stores every progress record with the job, which slows jobs down and fills
    # the job log, so progress is shown only in interactive-style hosts.
    [CmdletBinding()]
    [OutputType([bool])]
    param()

    if ($env:AUTOMATION_ASSET_ACCOUNTID -or $env:AUTOMATION_ASSET_SANDBOX_ID) { return $false }
    if ($PSPrivateData -and $PSPrivateData.PSObject.Properties['AutomationJobId']) { return $false }
    if ($env:PHOTOSYNC_NO_PROGRESS) { return $false }
    return $true
}

function New-PhotoSyncSetupError {
    # A failure before or around the run (no binary, bad settings, exit code >= 2): terminating.
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [Parameter(Mandatory)]
        [string]$Code,

        [Parameter(Mandatory)]
        [string]$Message,

        [AllowNull()]
        [string]$Hint
    )

    return New-PhotoSyncErrorRecord -Code $Code -Message $Message -Hint $Hint -TargetObject $null
}

function Get-PhotoSyncBinaryPath {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet
    )

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

function Assert-PhotoSyncSchemaVersion {
    # A module and binary from different releases would misread each other's records: refuse early.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [Parameter(Mandatory)]
        [string]$Binary
    )

    if ($script:PhotoSyncCheckedBinaries.ContainsKey($Binary)) { return }
    $version = $null
    try {
        $text = (& $Binary 'schema' 2>$null) -join "`n"
        # Only the top-level number is needed; a regex avoids parsing the whole JSON Schema (whose
        # keys ConvertFrom-Json on some versions handles differently).
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

function Find-PhotoSyncInputItem {
    # The input object an output record is about: by input line, else by any echoed identity key.
    [CmdletBinding()]
    param(
        [AllowNull()]
        [object]$Record,

        [Parameter(Mandatory)]
        [AllowEmptyCollection()]
        [System.Collections.Generic.List[object]]$Items,

        [Parameter(Mandatory)]
        [hashtable]$ItemsByKey
    )

    $line = Get-PhotoSyncField -Object $Record -Name 'line'
    if ($line -and [int64]$line -ge 1 -and [int64]$line -le $Items.Count) {
        return $Items[[int]$line - 1]
    }
    $user = Get-PhotoSyncField -Object $Record -Name 'user'
    foreach ($key in Get-PhotoSyncUserKeyList -User $user) {
        if ($ItemsByKey.ContainsKey($key)) { return $ItemsByKey[$key] }
    }
    return $null
}

function Get-PhotoSyncUserKeyList {
    # Lookup keys for one user, from the JSON contract's camelCase names (case-insensitive values).
    [CmdletBinding()]
    [OutputType([string[]])]
    param(
        [AllowNull()]
        [object]$User
    )

    $keys = @()
    foreach ($name in 'objectGuid', 'userPrincipalName', 'samAccountName', 'mail', 'employeeId') {
        $value = Get-PhotoSyncField -Object $User -Name $name
        if ($value) { $keys += ($name + ':' + ([string]$value).ToLowerInvariant()) }
    }
    return $keys
}

function Invoke-PhotoSyncCore {
    <#
    .SYNOPSIS
    Runs photosync once with the given arguments, feeding it the collected input items, and
    emits typed objects, non-terminating errors and progress as records arrive.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet,

        [Parameter(Mandatory)]
        [string[]]$ArgumentList,

        # Items from New-PhotoSyncInputItem: Json (one line), LookupKeys, Target (the input object).
        [Parameter(Mandatory)]
        [AllowEmptyCollection()]
        [System.Collections.Generic.List[object]]$Items,

        [Parameter(Mandatory)]
        [hashtable]$Connection,

        [Parameter(Mandatory)]
        [string]$Activity
    )

    $binary = Get-PhotoSyncBinaryPath -Cmdlet $Cmdlet
    Assert-PhotoSyncSchemaVersion -Cmdlet $Cmdlet -Binary $binary

    try {
        $childEnvironment = Get-PhotoSyncChildEnvironment -Connection $Connection
    }
    catch {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message $_.Exception.Message -Hint 'Check the connection parameters (Connect-PhotoSync).'))
    }

    $itemsByKey = @{}
    foreach ($item in $Items) {
        foreach ($key in $item.LookupKeys) {
            if (-not $itemsByKey.ContainsKey($key)) { $itemsByKey[$key] = $item }
        }
    }

    $showProgress = Test-PhotoSyncProgressWanted
    # `json` writes progress records on stderr (read below as they come); `none` keeps it quiet.
    $progressMode = if ($showProgress) { 'json' } else { 'none' }
    $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $startInfo = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $binary
    $startInfo.Arguments = ConvertTo-PhotoSyncArgumentString -ArgumentList ($ArgumentList + @('--progress', $progressMode))
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

    $process = $null
    # Users an ErrorRecord was already written for (lookup keys), so a failure is reported once.
    $reportedKeys = @{}
    $setupErrorRecord = $null
    $summary = $null
    try {
        try {
            $process = [System.Diagnostics.Process]::Start($startInfo)
        }
        catch {
            $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-unusable' -Message "Cannot start '$binary': $($_.Exception.Message)" `
                        -Hint 'Check that the binary matches this platform and is executable (Hybrid Runbook Worker, not an Azure sandbox: sandboxes cannot start processes).'))
        }

        # stderr is read line by line while the run goes on: progress records become
        # Write-Progress at once, every other line is kept for -Verbose and error messages.
        $stderrReader = $process.StandardError
        $stderrTask = $stderrReader.ReadLineAsync()
        $stderrLines = New-Object -TypeName System.Collections.Generic.List[string]
        $builder = New-Object -TypeName System.Text.StringBuilder
        foreach ($item in $Items) { [void]$builder.Append($item.Json).Append("`n") }
        $payload = $utf8.GetBytes($builder.ToString())
        $builder = $null
        $stdin = $process.StandardInput.BaseStream
        $writeTask = $stdin.WriteAsync($payload, 0, $payload.Length)
        $stdinClosed = $false
        $reader = $process.StandardOutput
        $readTask = $reader.ReadLineAsync()

        while ($true) {
            if (-not $stdinClosed -and $writeTask.IsCompleted) {
                # A child that exits before reading everything breaks the pipe; its exit code tells why.
                try { $process.StandardInput.Close() } catch { Write-Verbose "PhotoSync: closing stdin: $($_.Exception.Message)" }
                $stdinClosed = $true
            }
            while ($null -ne $stderrTask -and $stderrTask.IsCompleted) {
                $stderrLine = $stderrTask.Result
                if ($null -eq $stderrLine) { $stderrTask = $null; break }
                $stderrTask = $stderrReader.ReadLineAsync()
                Add-PhotoSyncStderrLine -Line $stderrLine -Lines $stderrLines -Activity $Activity -ShowProgress $showProgress
            }
            if (-not $readTask.Wait(50)) { continue }
            $line = $readTask.Result
            if ($null -eq $line) { break }
            $readTask = $reader.ReadLineAsync()
            if ($line.Trim().Length -eq 0) { continue }

            try {
                $record = ConvertFrom-Json -InputObject $line
            }
            catch {
                $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-output' -Message "photosync wrote a line that is not JSON: $line" `
                            -Hint 'Use the photosync binary shipped with this module (PHOTOSYNC_BINARY may point to a different program).'))
            }
            $version = Get-PhotoSyncField -Object $record -Name 'schemaVersion'
            if ($version -ne $script:PhotoSyncSchemaVersion) {
                $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'schema-mismatch' `
                            -Message "photosync wrote a record with schema version '$version'; this module reads version $($script:PhotoSyncSchemaVersion)." `
                            -Hint 'Install the module and the photosync binary from the same release.'))
            }

            switch ([string](Get-PhotoSyncField -Object $record -Name 'type')) {
                'status' {
                    ConvertTo-PhotoSyncUserPhotoStatus -Record $record
                }
                'result' {
                    $result = ConvertTo-PhotoSyncSyncResult -Record $record
                    $result
                    if ($result.Action -eq 'failed' -and $result.Error) {
                        # The core usually reports the cause as an `error` record first; a failure it
                        # did not (a write rejected by the store) still becomes exactly one ErrorRecord.
                        $keys = Get-PhotoSyncUserKeyList -User (Get-PhotoSyncField -Object $record -Name 'user')
                        $alreadyReported = @($keys | Where-Object { $reportedKeys.ContainsKey($_) }).Count -gt 0
                        if (-not $alreadyReported) {
                            $item = Find-PhotoSyncInputItem -Record $record -Items $Items -ItemsByKey $itemsByKey
                            $Cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $result.Error.Code -Message ([string]$result.Error.Message) `
                                        -Hint $result.Error.Hint -TargetObject $(if ($item) { $item.Target } else { $null }) -UserLabel $result.User))
                            foreach ($key in $keys) { $reportedKeys[$key] = $true }
                        }
                    }
                }
                'error' {
                    $user = Get-PhotoSyncField -Object $record -Name 'user'
                    $isAboutOneItem = ($null -ne $user) -or ($null -ne (Get-PhotoSyncField -Object $record -Name 'line'))
                    $target = $null
                    if ($isAboutOneItem) {
                        $item = Find-PhotoSyncInputItem -Record $record -Items $Items -ItemsByKey $itemsByKey
                        $target = if ($item) { $item.Target } else { $user }
                    }
                    $errorRecord = New-PhotoSyncErrorRecord -Code (Get-PhotoSyncField -Object $record -Name 'code') `
                        -Message ([string](Get-PhotoSyncField -Object $record -Name 'message')) `
                        -Hint (Get-PhotoSyncField -Object $record -Name 'hint') `
                        -TargetObject $target -UserLabel (Get-PhotoSyncUserLabel -User $user)
                    if ($isAboutOneItem) {
                        $Cmdlet.WriteError($errorRecord)
                        foreach ($key in Get-PhotoSyncUserKeyList -User $user) { $reportedKeys[$key] = $true }
                    }
                    else {
                        # Not about one user: a setup failure, decided by the exit code below.
                        $setupErrorRecord = $errorRecord
                    }
                }
                'progress' {
                    # Older binaries wrote progress on stdout; current ones write it on stderr.
                    if ($showProgress) { Show-PhotoSyncProgress -Record $record -Activity $Activity }
                }
                'finding' {
                    # About a store as a whole (e.g. a folder file that matches no user), not one user.
                    $store = Get-PhotoSyncField -Object $record -Name 'store'
                    $where = if ($store) { " ($store)" } else { '' }
                    $text = "PhotoSync {0}{1}: {2} Hint: {3}" -f (Get-PhotoSyncField -Object $record -Name 'code'), $where,
                        (Get-PhotoSyncField -Object $record -Name 'message'), (Get-PhotoSyncField -Object $record -Name 'hint')
                    if ((Get-PhotoSyncField -Object $record -Name 'severity') -eq 'info') { Write-Verbose $text } else { Write-Warning $text }
                }
                'summary' {
                    $summary = $record
                    Write-Verbose ("PhotoSync: " + (ConvertTo-Json -InputObject $record -Compress -Depth 4))
                }
                default {
                    # Newer binaries may add record types; the contract says consumers ignore them.
                    Write-Debug "PhotoSync: ignoring record: $line"
                }
            }
        }

        # stderr to its end before waiting: a child blocked on a full stderr pipe never exits.
        try {
            if ($null -ne $stderrTask) {
                $stderrLine = $stderrTask.Result
                while ($null -ne $stderrLine) {
                    Add-PhotoSyncStderrLine -Line $stderrLine -Lines $stderrLines -Activity $Activity -ShowProgress $showProgress
                    $stderrLine = $stderrReader.ReadLine()
                }
            }
        }
        catch { Write-Verbose "PhotoSync: reading stderr: $($_.Exception.Message)" }
        $process.WaitForExit()
        $exitCode = $process.ExitCode
        $stderrText = $stderrLines -join "`n"
        foreach ($stderrLine in ($stderrText -split "`r?`n")) {
            if ($stderrLine.Trim().Length -gt 0) { Write-Verbose "photosync: $stderrLine" }
        }

        if ($exitCode -ge 2 -or $exitCode -lt 0) {
            if ($setupErrorRecord) { $Cmdlet.ThrowTerminatingError($setupErrorRecord) }
            $code = switch ($exitCode) {
                2 { 'config' }
                3 { 'auth-failed' }
                4 { 'transient' }
                default { 'core-failed' }
            }
            $tail = (($stderrText -split "`r?`n") | Where-Object { $_.Trim() } | Select-Object -Last 5) -join ' | '
            $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code $code -Message "photosync exited with code ${exitCode}: $tail" `
                        -Hint 'Run with -Verbose to see the core''s log; exit codes are listed in docs/powershell.md.'))
        }
        if ($setupErrorRecord) {
            # Reported without a user but the run went on (exit 0/1): not fatal.
            $Cmdlet.WriteError($setupErrorRecord)
        }
        if ($summary) { Write-Verbose "PhotoSync: exit code $exitCode" }
    }
    finally {
        if ($showProgress) { Write-Progress -Id 1 -Activity $Activity -Completed }
        if ($process) {
            # Ctrl+C, Select-Object -First N or a terminating error: do not leave the core running.
            try { if (-not $process.HasExited) { $process.Kill() } } catch { Write-Verbose "PhotoSync: $($_.Exception.Message)" }
            $process.Dispose()
        }
        foreach ($file in $childEnvironment.TemporaryFiles) {
            # -WhatIf:$false: under Sync-UserPhoto -WhatIf the temporary key must still be deleted.
            Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue -WhatIf:$false -Confirm:$false
        }
    }
}
