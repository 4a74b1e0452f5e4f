# Base64url without padding (RFC 4648 section 5), as JWTs use it.

function ConvertTo-PhotoSyncBase64Url([byte[]]$Bytes) {
    return [System.Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}
