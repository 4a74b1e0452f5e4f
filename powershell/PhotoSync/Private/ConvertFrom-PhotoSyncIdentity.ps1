# -Identity takes a plain string; its shape says which key it is (documented in the help): a
# GUID is an objectGUID, something with '@' a userPrincipalName, DOMAIN\name or anything else a
# sAMAccountName.

function ConvertFrom-PhotoSyncIdentity([string]$Identity) {
    $text = $Identity.Trim()
    $parsed = [guid]::Empty
    if ([guid]::TryParse($text, [ref]$parsed)) { return @{ ObjectGUID = $parsed.ToString() } }
    if ($text.Contains('@')) { return @{ UserPrincipalName = $text } }
    if ($text.Contains('\')) {
        # DOMAIN\sam: the core matches on sAMAccountName alone.
        return @{ SamAccountName = $text.Substring($text.LastIndexOf('\') + 1) }
    }
    return @{ SamAccountName = $text }
}
