# A progress record of the core as Write-Progress, at most five times a second: each call
# redraws the host.

function Write-PhotoSyncCoreProgress($Core, [string]$Text) {
    if (-not $Core.ShowProgress -or $Core.Discarding -or $Core.ProgressClock.ElapsedMilliseconds -lt 200) { return }
    $Core.ProgressClock.Restart()
    $errorRecord = $null
    $record = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($Text, [ref]$errorRecord)
    if ($null -eq $record) { return }
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
