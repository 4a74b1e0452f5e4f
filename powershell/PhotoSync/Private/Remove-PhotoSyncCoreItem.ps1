# Forgets an input item: its user's records are all in, or none will come.

function Remove-PhotoSyncCoreItem($Core, $Item) {
    if ($null -eq $Item) { return }
    [void]$Core.ByLine.Remove([long]$Item.Line)
}
