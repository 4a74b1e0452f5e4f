# photosync wrote what this module cannot read (not JSON, another schema version): the run
# stops with that terminating error, and, as after a crash (Complete-PhotoSyncCore), every user
# sent and not yet answered is told first with PhotoSync.no-result.

function Stop-PhotoSyncUnreadableRun($Core, [System.Management.Automation.ErrorRecord]$ErrorRecord) {
    if (-not $Core.Sharded) {
        $cause = "photosync's output could not be read ($($ErrorRecord.FullyQualifiedErrorId))"
        foreach ($line in @($Core.ByLine.Keys | Sort-Object)) { Write-PhotoSyncNoResult -Core $Core -Item $Core.ByLine[$line] -Sent $true -Cause $cause }
    }
    $Core.ByLine.Clear()
    $Core.Cmdlet.ThrowTerminatingError($ErrorRecord)
}
