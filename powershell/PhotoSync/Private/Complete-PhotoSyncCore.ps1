# end{}: ends the input, emits the remaining records, then judges the exit code. Terminating
# only for a failure of the run itself: an error record about no user (bad settings, a credential
# that stopped working) with exit code 2 or more, or no user record at all. Per-user failures
# (each already an ErrorRecord) never throw away the results.

function Complete-PhotoSyncCore($Core) {
    $cmdlet = $Core.Cmdlet
    # Write what is still queued, then close stdin: the core sees the end of its input.
    while ($Core.StdinOpen -and ($Core.Pending.Length -gt 0 -or $Core.NeedsFlush -or ($Core.WriteTask -and -not $Core.WriteTask.IsCompleted))) {
        Step-PhotoSyncCore -Core $Core
        if ($Core.StdinOpen -and $Core.WriteTask -and -not $Core.WriteTask.IsCompleted) { Wait-PhotoSyncCore -Core $Core -Milliseconds 10 }
    }
    if ($Core.StdinOpen) {
        $Core.StdinOpen = $false
        $Core.Stdin.Close()
    }
    while ($Core.ReadTask) {
        Wait-PhotoSyncCore -Core $Core -Milliseconds 25
        Step-PhotoSyncCore -Core $Core
    }
    $Core.Process.WaitForExit()
    while ($Core.ErrorTask) {
        Wait-PhotoSyncCore -Core $Core -Milliseconds 1000
        Step-PhotoSyncCore -Core $Core
    }
    $exitCode = $Core.Process.ExitCode
    $Core.Finished = $true
    if ($Core.ShowProgress) { Write-Progress -Id 1 -Activity $Core.Activity -Completed }
    $cmdlet.WriteVerbose("PhotoSync: photosync exited with code $exitCode")
    if ($Core.Confirm -and $Core.Confirm.Real) { Complete-PhotoSyncCore -Core $Core.Confirm.Real }

    if ($Core.SetupError -and ($exitCode -ge 2 -or $exitCode -lt 0)) {
        $cmdlet.ThrowTerminatingError($Core.SetupError)
    }
    if ($exitCode -ge 2 -or $exitCode -lt 0) {
        if ($Core.RecordCount -eq 0 -and $Core.LinesSent -gt 0) {
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
        $cmdlet.WriteVerbose("PhotoSync: exit code $exitCode comes from the failed users reported above.")
    }
    if ($Core.SetupError) {
        # Reported without a user but the run went on: not fatal.
        $cmdlet.WriteError($Core.SetupError)
    }
    if ($Core.FailOnDrift -and $Core.Drift -gt 0) {
        $cmdlet.WriteError((New-PhotoSyncSetupError -Code 'drift' -Message "$($Core.Drift) of $($Core.RecordCount) users are not in sync (-FailOnDrift)." `
                    -Hint 'The status objects say why (Verdict, FindingCodes); Sync-UserPhoto writes the photos. Add -ErrorAction Stop to fail a scheduled job.'))
    }
}
