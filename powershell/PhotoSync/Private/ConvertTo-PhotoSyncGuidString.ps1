# The objectGUID as the core expects it ('D' format, lower case) from its text. Text that is no
# GUID is passed on, so the core reports a bad key instead of the module silently dropping it.

function ConvertTo-PhotoSyncGuidString([string]$Text) {
    if (-not $Text) { return $null }
    $Text = $Text.Trim()
    if ($Text.Length -eq 0) { return $null }
    $parsed = [guid]::Empty
    if ([guid]::TryParse($Text, [ref]$parsed)) { return $parsed.ToString() }
    return $Text
}
