# The flat state column of each store a status run reads, one per store, the same for every
# object of the run: graph -> GraphState, folder:C:\x -> FolderState, a second folder ->
# Folder2State.

function Get-PhotoSyncStateColumn([string[]]$Specs) {
    $seen = @{}
    foreach ($spec in $Specs) {
        $kind = ($spec -split ':', 2)[0].Trim().ToLowerInvariant()
        $name = switch ($kind) {
            'ad' { 'Ad' }
            'graph' { 'Graph' }
            'sharepoint' { 'SharePoint' }
            'folder' { 'Folder' }
            default { if ($kind) { $kind.Substring(0, 1).ToUpperInvariant() + $kind.Substring(1) } else { 'Store' } }
        }
        $seen[$name] = 1 + [int]$seen[$name]
        if ($seen[$name] -gt 1) { $name += [string]$seen[$name] }
        $name + 'State'
    }
}
