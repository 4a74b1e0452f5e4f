# Always called last: after end{} (then the run is finished and only released), or when the
# pipeline stops early (Select-Object -First, Ctrl+C, a terminating error). An early stop is
# graceful: the input ends (what is queued is dropped; on Unix the core is also sent SIGINT, so
# users it has read but not started are not started), the users in flight finish and their
# writes are recorded, and the records are read (only counted: the pipeline takes no output any
# more) until the core exits with its summary. Only after a bounded wait is it killed.
# Writes nothing to any stream: PowerShell is stopping the pipeline.

function Stop-PhotoSyncCore($Core) {
    if ($null -eq $Core) { return }
    $process = $Core.Process
    if ($Core.Confirm -and $Core.Confirm.Real) { $Core.Confirm.Real.Discarding = $true }
    if ($process -and -not $Core.Finished) {
        $Core.Discarding = $true
        $deadline = [System.Diagnostics.Stopwatch]::StartNew()
        [void]$Core.Pending.Clear()
        $Core.NeedsFlush = $false
        if (-not $process.HasExited) { Send-PhotoSyncInterrupt -ProcessId $process.Id }
        # A write in flight is let finish (the core keeps reading while it stops), then stdin closes.
        while ($Core.StdinOpen -and $Core.WriteTask -and -not $Core.WriteTask.IsCompleted -and $deadline.ElapsedMilliseconds -lt $script:PhotoSyncStopGraceMilliseconds) {
            Wait-PhotoSyncCore -Core $Core -Milliseconds 25
            Step-PhotoSyncCore -Core $Core
        }
        if ($Core.StdinOpen -and ($null -eq $Core.WriteTask -or $Core.WriteTask.Status -eq 'RanToCompletion')) {
            $Core.StdinOpen = $false
            try { $Core.Stdin.Close() } catch { $null = $_ }
        }
        $Core.StdinOpen = $false
        while (-not $process.HasExited -and $deadline.ElapsedMilliseconds -lt $script:PhotoSyncStopGraceMilliseconds) {
            Wait-PhotoSyncCore -Core $Core -Milliseconds 50
            Step-PhotoSyncCore -Core $Core
        }
        if (-not $process.HasExited) {
            try { $process.Kill() } catch { $null = $_ }
            [void]$process.WaitForExit(5000)
        }
        $Core.Finished = $true
        if ($Core.ShowProgress) { try { Write-Progress -Id 1 -Activity $Core.Activity -Completed } catch { $null = $_ } }
    }
    if ($Core.Confirm -and $Core.Confirm.Real) { Stop-PhotoSyncCore -Core $Core.Confirm.Real }
    if ($Core.Broker) { Stop-PhotoSyncTokenBroker -Broker $Core.Broker; $Core.Broker = $null }
    if ($process) {
        $process.Dispose()
        $Core.Process = $null
    }
}
