# Queues one user's JSON line for the core's stdin and registers the item, so the records that
# come back about it find their pipeline object. Lines are written in batches (a write starts
# when 8 KB are waiting, or 20 ms after the last one), never one system call per user; whatever
# output is ready meanwhile is turned into objects. Back-pressure keeps memory flat and an early
# stop short: at most Window users are sent ahead of the records that came back.

function Send-PhotoSyncCoreLine($Core, $Item, [string]$Json) {
    if (-not $Core.StdinOpen) {
        # The core stopped reading (it exited, e.g. on bad settings): say why now instead of
        # reading all the input first.
        if ($Core.Process.HasExited -and -not $Core.Finished) { Complete-PhotoSyncCore -Core $Core }
        return
    }
    $Core.LinesSent++
    $line = $Core.LinesSent
    $Item.Line = $line
    $Item.Remaining = $Core.RecordsPerUser
    $Core.ByLine[$line] = $Item
    foreach ($key in $Item.Keys) { if (-not $Core.ByKey.ContainsKey($key)) { $Core.ByKey[$key] = $Item } }
    if ($Core.Confirm) {
        # Held until the dry run's verdict on this user (Resolve-PhotoSyncConfirmation).
        $Item.Json = $Json
        $Item.Held = New-Object -TypeName 'System.Collections.Generic.List[object]'
    }
    # A user whose records never come back (a shard that is not this one) must not pin memory.
    if ($Core.ByLine.Count -gt $script:PhotoSyncItemWindow) {
        while ($Core.ByLine.Count -gt $script:PhotoSyncItemWindow) {
            if ($Core.ByLine.ContainsKey($Core.OldestLine)) { Remove-PhotoSyncCoreItem -Core $Core -Item $Core.ByLine[$Core.OldestLine] }
            $Core.OldestLine++
        }
    }
    [void]$Core.Pending.Append($Json).Append("`n")

    if ($Core.Pending.Length -ge 8192 -or ($Core.Clock.ElapsedMilliseconds - $Core.LastPush) -ge 20 -or $Core.ReadTask.IsCompleted) {
        $Core.LastPush = $Core.Clock.ElapsedMilliseconds
        Step-PhotoSyncCore -Core $Core
    }
    # Wait while the core is this far behind: its stdin pipe is full, or Window users are out.
    while ($Core.StdinOpen -and ($Core.Pending.Length -ge $Core.PendingLimit -or
            ($Core.Window -gt 0 -and ($Core.LinesSent - $Core.CompletedUsers - $Core.LinesEnded) -ge $Core.Window))) {
        if ($Core.Process.HasExited -and $null -eq $Core.ReadTask) { break }
        Wait-PhotoSyncCore -Core $Core -Milliseconds 10
        Step-PhotoSyncCore -Core $Core
    }
}
