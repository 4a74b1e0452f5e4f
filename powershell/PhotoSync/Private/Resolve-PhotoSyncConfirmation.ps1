# Under -Confirm, Sync-UserPhoto first runs a dry run; once all of a user's results are in, this
# decides: a user with nothing to write (already in sync, no photo, failed) gets those results at
# once and no question; a user with something to write is asked about once, naming the targets
# that would change, and only a user who says yes is sent to the real run; a user who says no
# gets the dry run's results, each change as skipped / not-confirmed.

function Resolve-PhotoSyncConfirmation($Core, $Item) {
    $changing = @(foreach ($result in $Item.Held) { if ($result.Action -eq 'would-update') { $result.Target } })
    # "Set" where the target has no photo yet, "Replace" where it has one.
    $setting = @(foreach ($result in $Item.Held) { if ($result.Action -eq 'would-update' -and $result.Reason -eq 'missing-in-target') { $result.Target } })
    $replacing = @(foreach ($result in $Item.Held) { if ($result.Action -eq 'would-update' -and $result.Reason -ne 'missing-in-target') { $result.Target } })
    if ($changing.Count -eq 0) {
        foreach ($result in $Item.Held) { $Core.Cmdlet.WriteObject($result) }
        return
    }
    $confirm = $Core.Confirm
    $action = @(
        if ($setting.Count -gt 0) { "Set the user photo in $($setting -join ', ')" }
        if ($replacing.Count -gt 0) { "Replace the user photo in $($replacing -join ', ')" }
    ) -join '; '
    if (-not (Confirm-PhotoSyncUser -Cmdlet $Core.Cmdlet -Label $Item.Label -Action $action)) {
        $Core.Cmdlet.WriteVerbose("PhotoSync: $($Item.Label) declined; nothing written.")
        # Every user still gets a result, so an Export-Csv of the run leaves nobody out.
        foreach ($result in $Item.Held) {
            if ($result.Action -eq 'would-update') {
                $result.Action = 'skipped'
                $result.Reason = 'not-confirmed'
            }
            $Core.Cmdlet.WriteObject($result)
        }
        return
    }
    if ($null -eq $confirm.Real) {
        $confirm.Real = Start-PhotoSyncCore -Cmdlet $Core.Cmdlet -ArgumentList $confirm.Arguments -Connection $confirm.Connection `
            -Activity $Core.Activity -RecordsPerUser $Core.RecordsPerUser -Specs $Core.Specs -Kind 'sync'
    }
    $v = $Item.Values
    Add-PhotoSyncCoreUser $confirm.Real $v[0] $v[1] $v[2] $v[3] $v[4] $v[5] $v[6] $Item.Target $v[7]
}
