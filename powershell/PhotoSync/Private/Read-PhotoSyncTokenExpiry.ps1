# When a ready access token expires, read from its payload (not verified: it only says when the
# token stops working), as a UTC DateTime; $null for a token that is not a JWT.

function Read-PhotoSyncTokenExpiry([string]$Token) {
    $parts = $Token.Split('.')
    if ($parts.Count -lt 2) { return $null }
    $payload = $parts[1].Replace('-', '+').Replace('_', '/')
    $payload += '=' * ((4 - $payload.Length % 4) % 4)
    if ($payload -notmatch '^[A-Za-z0-9+/]+={0,2}$') { return $null }
    $text = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($payload))
    if ($text -notmatch '"exp"\s*:\s*(\d+)') { return $null }
    return [System.DateTimeOffset]::FromUnixTimeSeconds([long]$Matches[1]).UtcDateTime
}
