# The non-terminating PhotoSync.no-result error of an input item the core never answered: it
# exited before reporting on the user (Sent), or before the user could be sent at all. Once the
# run is over, so a user is never dropped without a word. Cause: why the run ended, when not by
# photosync's exit.

function Write-PhotoSyncNoResult($Core, $Item, [bool]$Sent, [string]$Cause) {
    if ($Core.Discarding -or $null -eq $Item) { return }
    if (-not $Cause) { $Cause = "photosync exited with code $($Core.ExitCode)" }
    $when = if ($Sent) { 'before it reported on this user' } else { 'before this user could be sent to it' }
    $message = "no result: $Cause $when."
    $hint = if ($Sent -and $Core.Kind -eq 'sync') { 'The photo may or may not have been written: run Sync-UserPhoto again for this user (a user already in sync is skipped).' }
    else { 'Run the command again for this user; the errors before this one say why photosync stopped.' }
    $Core.Cmdlet.WriteError((New-PhotoSyncErrorRecord -Code 'no-result' -Message $message -Hint $hint -TargetObject $Item.Target -UserLabel $Item.Label))
}
