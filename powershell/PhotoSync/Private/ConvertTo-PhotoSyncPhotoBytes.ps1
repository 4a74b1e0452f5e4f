# The piped photo as bytes: byte[] as it is (Get-ADUser), a collection holding one byte[] or one
# text (DirectorySearcher, ADSI, a [string[]]), base64 text (JSON exports; also wrapped in lines,
# as certutil, LDIF and ToBase64String's InsertLineBreaks write it, or a data: URL, as the core
# reads it), or a list of numbers 0-255 (Windows PowerShell's ConvertTo-Json of a byte[] read
# back). Returns @{ Bytes; Problem }. Runs only for values that are not a byte[] already.

function ConvertTo-PhotoSyncPhotoBytes($Value) {
    if ($null -eq $Value) { return @{ Bytes = $null; Problem = $null } }
    if ($Value -is [byte[]]) { return @{ Bytes = $Value; Problem = $null } }
    if ($Value -is [string]) {
        $text = $Value -replace '^\s*data:[^,]*;base64,', '' -replace '\s', ''
        if ($text.Length -eq 0) { return @{ Bytes = $null; Problem = $null } }
        if ($text.Length % 4 -eq 0 -and $text -match '^[A-Za-z0-9+/]+={0,2}$') {
            return @{ Bytes = [System.Convert]::FromBase64String($text); Problem = $null }
        }
        return @{ Bytes = $null; Problem = 'is text that is not base64' }
    }
    # A dictionary is enumerable too, but its entries are no bytes: name what it is.
    if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [System.Collections.IDictionary]) {
        $items = @($Value)
        if ($items.Count -eq 0) { return @{ Bytes = $null; Problem = $null } }
        if ($items.Count -eq 1 -and ($items[0] -is [byte[]] -or $items[0] -is [string])) { return ConvertTo-PhotoSyncPhotoBytes -Value $items[0] }
        $bytes = New-Object -TypeName byte[] -ArgumentList $items.Count
        for ($i = 0; $i -lt $items.Count; $i++) {
            $n = $items[$i]
            if (-not ($n -is [int] -or $n -is [long] -or $n -is [byte] -or $n -is [double]) -or $n -lt 0 -or $n -gt 255) {
                return @{ Bytes = $null; Problem = "holds $($items.Count) values that are not bytes" }
            }
            $bytes[$i] = [byte]$n
        }
        return @{ Bytes = $bytes; Problem = $null }
    }
    return @{ Bytes = $null; Problem = "is a $($Value.GetType().Name), not the photo's bytes" }
}
