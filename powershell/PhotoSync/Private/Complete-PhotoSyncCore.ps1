# end{} (or process{}, once the core stopped reading): ends the input, emits the remaining
# records, then judges the exit code, once. Every input item still without its records gets a
# non-terminating PhotoSync.no-result error: a user is never dropped silently. Terminating only
# for a failure of the run itself: an error record about no user (bad settings, a credential
# that stopped working) with exit code 2 or more, no user record at all, or an exit code that is
# not one of the documented "some users failed" codes (1, 3, 4): a crash, a kill, a stop the
# module did not ask for. Per-user failures (each already an ErrorRecord) never throw away the
# results.

function Complete-PhotoSyncCore($Core) {
    if ($Core.Finished) { return }
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
    $Core.ExitCode = $exitCode
    $Core.Finished = $true
    if ($Core.ShowProgress) { Write-Progress -Id 1 -Activity $Core.Activity -Completed }
    $cmdlet.WriteVerbose("PhotoSync: photosync exited with code $exitCode")
    if ($Core.Confirm -and $Core.Confirm.Real) { Complete-PhotoSyncCore -Core $Core.Confirm.Real }

    # Not where photosync said why the whole run failed (bad settings, a dead credential): its
    # one terminating error covers every user it did not take.
    $explained = $exitCode -eq 2 -or ($Core.SetupError -and ($exitCode -ge 2 -or $exitCode -lt 0))
    if (-not $explained -and -not $Core.Sharded) {
        foreach ($line in @($Core.ByLine.Keys | Sort-Object)) { Write-PhotoSyncNoResult -Core $Core -Item $Core.ByLine[$line] -Sent $true }
    }
    $Core.ByLine.Clear()

    if ($Core.SetupError -and ($exitCode -ge 2 -or $exitCode -lt 0)) {
        $cmdlet.ThrowTerminatingError($Core.SetupError)
    }
    $tail = @($Core.ErrorTail) -join ' | '
    if ($exitCode -ge 2 -or $exitCode -lt 0) {
        if ($Core.RecordCount -eq 0 -and $Core.LinesSent -gt 0) {
            $code = switch ($exitCode) {
                2 { 'config' }
                3 { 'auth-failed' }
                4 { 'transient' }
                default { 'core-failed' }
            }
            $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code $code -Message "photosync exited with code ${exitCode} and no results: $tail" `
                        -Hint 'Run with -Verbose to see the core''s log; exit codes are listed in docs/powershell.md.'))
        }
        if ($exitCode -ne 3 -and $exitCode -ne 4) {
            # Not a code photosync gives for failed users: the run itself broke off.
            $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'core-failed' `
                        -Message "photosync $(Get-PhotoSyncExitReason -ExitCode $exitCode) (exit code $exitCode) after $($Core.RecordCount) records; the users without a result are told above as PhotoSync.no-result. $tail" `
                        -Hint 'Run the same command again: users already in sync are skipped. Run with -Verbose to see the core''s log.'))
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
