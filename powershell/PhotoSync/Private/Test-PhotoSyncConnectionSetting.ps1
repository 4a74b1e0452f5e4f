# What Connect-PhotoSync can check without signing in: the shape of the tenant and client ids and
# of every URL, that files exist and hold a certificate, that the settings a credential needs are
# there, and that a ready token has not expired. Returns @{ Message; Hint } for the first problem,
# or $null. Test-PhotoSyncConnection signs in for real.

function Test-PhotoSyncConnectionSetting($Connection) {
    $guidPattern = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
    if ($Connection.TenantId -and $Connection.TenantId -notmatch $guidPattern -and $Connection.TenantId -notmatch '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$') {
        return @{ Message = "-TenantId '$($Connection.TenantId)' is neither a tenant id (a GUID) nor a domain."; Hint = 'Give the directory (tenant) id from the app registration, or a domain such as contoso.onmicrosoft.com.' }
    }
    if ($Connection.ClientId -and $Connection.ClientId -notmatch $guidPattern) {
        return @{ Message = "-ClientId '$($Connection.ClientId)' is not a GUID."; Hint = 'Give the application (client) id from the app registration, or the client id of a user-assigned managed identity.' }
    }
    foreach ($name in 'GraphUrl', 'LoginUrl', 'SharePointUrl') {
        $text = $Connection.$name
        if (-not $text) { continue }
        $uri = $null
        if (-not [System.Uri]::TryCreate([string]$text, [System.UriKind]::Absolute, [ref]$uri) -or
            -not ($uri.Scheme -eq 'https' -or ($uri.Scheme -eq 'http' -and $uri.IsLoopback))) {
            return @{ Message = "-$name '$text' is not an https URL."; Hint = 'Give the service''s base URL, e.g. https://graph.microsoft.us for -GraphUrl (http only for a local test emulator).' }
        }
    }
    if ($Connection.LdapServer) {
        $uri = $null
        if (-not [System.Uri]::TryCreate([string]$Connection.LdapServer, [System.UriKind]::Absolute, [ref]$uri) -or $uri.Scheme -notin 'ldap', 'ldaps') {
            return @{ Message = "-LdapServer '$($Connection.LdapServer)' is not an ldap:// or ldaps:// URL."; Hint = 'Give ldaps://dc.contoso.com, or ldap://dc.contoso.com (StartTLS).' }
        }
    }
    foreach ($name in 'CertificatePath', 'LdapCaFile') {
        $path = $Connection.$name
        if (-not $path) { continue }
        if (-not [System.IO.File]::Exists($path)) {
            return @{ Message = "-$name '$path' is not a file."; Hint = 'Give the path of a PEM or PFX file.' }
        }
        $head = New-Object -TypeName byte[] -ArgumentList 64
        $stream = [System.IO.File]::OpenRead($path)
        try { $count = $stream.Read($head, 0, $head.Length) } finally { $stream.Dispose() }
        $text = [System.Text.Encoding]::ASCII.GetString($head, 0, $count)
        # PEM text, or a PFX (DER: an ASN.1 SEQUENCE, first byte 0x30).
        if (-not ($text.Contains('-----BEGIN') -or ($name -eq 'CertificatePath' -and $count -gt 0 -and $head[0] -eq 0x30))) {
            return @{ Message = "-$name '$path' is neither a PEM nor a PFX file."; Hint = 'Export the certificate as PEM (-----BEGIN CERTIFICATE-----) or PFX.' }
        }
    }
    if ($Connection.Credential -in 'ClientSecret', 'CertificatePath', 'Certificate') {
        foreach ($name in 'TenantId', 'ClientId') {
            if (-not $Connection.$name -and -not [Environment]::GetEnvironmentVariable("PHOTOSYNC_$($name -creplace '([a-z])([A-Z])', '$1_$2')".ToUpperInvariant())) {
                return @{ Message = "-$name is needed with -$($Connection.Credential)."; Hint = "Give -$name (the app registration shows it), in this call or an earlier Connect-PhotoSync." }
            }
        }
    }
    if ($Connection.Credential -eq 'AccessToken' -and $Connection.AccessTokenExpiresOn -and $Connection.AccessTokenExpiresOn -le [DateTime]::UtcNow) {
        return @{ Message = "The access token expired at $($Connection.AccessTokenExpiresOn.ToString('u'))."; Hint = 'Get a new token, or use -ManagedIdentity or a certificate, which photosync renews by itself.' }
    }
    return $null
}
