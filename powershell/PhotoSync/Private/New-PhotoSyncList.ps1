# A list of nested objects (a status's Stores or Findings, Test-PhotoSyncConnection's Tokens and
# Commands) that still enumerates and indexes like an array, but reads as one line where text is
# needed (Export-Csv, string expansion): its type PhotoSync.List has a ToString
# (PhotoSync.Types.ps1xml), so no "System.Object[]" column. Write-PhotoSyncStatusRecords makes its
# lists inline, the same way: a call per record costs more than the list.

function New-PhotoSyncList($Items) {
    $list = [psobject]::new([object[]]$Items)
    $list.PSObject.TypeNames.Insert(0, 'PhotoSync.List')
    # The comma keeps PowerShell from unrolling the list into its items on the way out.
    return , $list
}
