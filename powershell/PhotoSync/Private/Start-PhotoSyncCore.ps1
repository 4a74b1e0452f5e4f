# Starts one photosync run for a pipeline and returns its session (a hashtable) that
# Add-PhotoSyncCoreUser, Step-PhotoSyncCore, Complete-PhotoSyncCore and Stop-PhotoSyncCore take.
# Kind: status or sync. Specs: the stores (-Store) or targets (-Target) as given, in order, to
# name each store of a record. Window: how many users may be sent ahead of their records
# (0: no limit, for -Shard, whose other users never come back). Sharded: the run takes one
# shard of its input, so a user without a record is no failure.

function Start-PhotoSyncCore {
    param(
        [System.Management.Automation.PSCmdlet]$Cmdlet,
        [string[]]$ArgumentList,
        $Connection,
        [string]$Activity,
        # Records that end one user: 1 status, or one result per sync target.
        [int]$RecordsPerUser,
        [string[]]$Specs,
        [string]$Kind,
        [int]$Window,
        [switch]$Sharded
    )

    $binary = Get-PhotoSyncBinaryPath -Cmdlet $Cmdlet
    Assert-PhotoSyncSchemaVersion -Cmdlet $Cmdlet -Binary $binary
    $environment = Get-PhotoSyncChildEnvironment -Connection $Connection -Cmdlet $Cmdlet

    $showProgress = Test-PhotoSyncProgressWanted
    # `json`: progress records on stderr, turned into Write-Progress; `none` leaves them out.
    $progressMode = if ($showProgress) { 'json' } else { 'none' }
    $ArgumentList += @('--progress', $progressMode)
    # -Verbose on the cmdlet (seen here through PowerShell's dynamic scoping): the core's info log,
    # streamed line by line to the verbose stream.
    if ($VerbosePreference -eq 'Continue') { $ArgumentList += '--verbose' }
    $startInfo = New-PhotoSyncStartInfo -Binary $binary -ArgumentList $ArgumentList -Variables $environment.Variables -Cmdlet $Cmdlet
    $started = Start-PhotoSyncProcess -StartInfo $startInfo
    if ($started.Problem) {
        if ($environment.Broker) { Stop-PhotoSyncTokenBroker -Broker $environment.Broker }
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-unusable' -Message "Cannot start '$binary': $($started.Problem)" `
                    -Hint 'Check that the binary matches this platform and is executable.'))
    }
    $process = $started.Process

    $readBuffer = New-Object -TypeName 'char[]' -ArgumentList 65536
    $referenceNames = @{}
    $specCounts = @{}
    foreach ($spec in $Specs) { $specCounts[($spec -split ':', 2)[0]] = 1 + [int]$specCounts[($spec -split ':', 2)[0]] }
    foreach ($spec in $Specs) { $kindOfSpec = ($spec -split ':', 2)[0]; if ($specCounts[$kindOfSpec] -eq 1 -and $kindOfSpec -ne $spec) { $referenceNames[$kindOfSpec] = $spec } }
    return @{
        Cmdlet         = $Cmdlet
        Process        = $process
        Kind           = $Kind
        Arguments      = $ArgumentList
        Stdin          = $process.StandardInput.BaseStream
        StdinOpen      = $true
        StdinBroken    = $false
        WriteTask      = $null
        NeedsFlush     = $false
        Pending        = New-Object -TypeName System.Text.StringBuilder
        # Characters of input queued before the pipeline waits for the core: a few hundred users.
        PendingLimit   = 1048576
        Encoding       = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
        Clock          = [System.Diagnostics.Stopwatch]::StartNew()
        LastPush       = [long]0
        ReadBuffer     = $readBuffer
        ReadTask       = $process.StandardOutput.ReadAsync($readBuffer, 0, $readBuffer.Length)
        OutText        = New-Object -TypeName System.Text.StringBuilder
        ErrorTask      = $process.StandardError.ReadLineAsync()
        ErrorTail      = New-Object -TypeName 'System.Collections.Generic.Queue[string]'
        Activity       = $Activity
        ShowProgress   = $showProgress
        ProgressClock  = [System.Diagnostics.Stopwatch]::StartNew()
        Broker         = $environment.Broker
        Specs          = [string[]]@($Specs)
        StateColumns   = [string[]]@(if ($Kind -eq 'status') { Get-PhotoSyncStateColumn -Specs $Specs })
        ReferenceNames = $referenceNames
        RecordsPerUser = [Math]::Max(1, $RecordsPerUser)
        Window         = $Window
        # Items in flight by input line, the only thing records are matched by (keys can be
        # shared: two users with one mail); released when their user is done.
        ByLine         = New-Object -TypeName 'System.Collections.Generic.Dictionary[long,object]'
        # The other shards' users never come back: no record is no failure there.
        Sharded        = [bool]$Sharded
        ExitCode       = $null
        OldestLine     = [long]1
        LinesSent      = [long]0
        RecordCount    = [long]0
        CompletedUsers = [long]0
        LinesEnded     = [long]0
        # "user|target" and "user|*|code" of the ErrorRecords written, so each failure is told once.
        Reported       = New-Object -TypeName 'System.Collections.Generic.HashSet[string]'
        Drift          = 0
        CarryPhoto     = $Kind -eq 'status'
        Confirm        = $null
        SetupError     = $null
        Summary        = $null
        Finished       = $false
        Discarding     = $false
    }
}
