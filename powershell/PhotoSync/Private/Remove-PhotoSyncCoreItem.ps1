# Forgets an input item: its user's records are all in, or none will come.

function Remove-PhotoSyncCoreItem($Core, $Item) {
    if ($null -eq $Item) { return }
    [void]$Core.ByLine.Remove([long]$Item.Line)
    foreach ($key in $Item.Keys) {
        if ($Core.ByKey.ContainsKey($key) -and [object]::ReferenceEquals($Core.ByKey[$key], $Item)) { [void]$Core.ByKey.Remove($key) }
    }
}
