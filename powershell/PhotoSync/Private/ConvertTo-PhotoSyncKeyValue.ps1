# One identity value from whatever a pipeline object holds: a string as it is; a number, GUID or
# other scalar as its text; a collection of one value (DirectorySearcher results, ADSI) as that
# value. A collection of several values is not one user's key: Values then holds them, and the
# caller refuses the user naming the property. Runs only for values that are not strings.

function ConvertTo-PhotoSyncKeyValue($Value) {
    if ($null -eq $Value) { return @{ Value = $null; Values = $null } }
    if ($Value -is [string]) { return @{ Value = $Value; Values = $null } }
    if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [byte[]]) {
        $items = @(foreach ($one in $Value) { if ($null -ne $one -and "$one".Trim().Length -gt 0) { $one } })
        if ($items.Count -eq 0) { return @{ Value = $null; Values = $null } }
        if ($items.Count -gt 1) { return @{ Value = $null; Values = $items } }
        $Value = $items[0]
    }
    if ($Value -is [byte[]] -and $Value.Length -eq 16) {
        # A raw objectGUID attribute (DirectorySearcher, Get-ADObject -Properties objectGUID as bytes).
        return @{ Value = (New-Object -TypeName System.Guid -ArgumentList (, $Value)).ToString(); Values = $null }
    }
    return @{ Value = [string]$Value; Values = $null }
}
