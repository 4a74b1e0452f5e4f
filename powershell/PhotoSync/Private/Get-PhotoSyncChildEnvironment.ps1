# Connection settings travel to the core as PHOTOSYNC_* environment variables set only on the
# child's ProcessStartInfo: secrets never reach argv (visible to every process on the machine)
# and never the PowerShell session's own environment. Names are those of src/settings.rs.

# Parameter name → the session key Connect-PhotoSync stores it under (the same name).
$script:PhotoSyncConnectionKeys = @(
    'TenantId', 'ClientId', 'ClientSecret', 'CertificatePath', 'CertificateThumbprint',
    'CertificatePassword', 'ManagedIdentity', 'AccessToken', 'GraphUrl', 'LoginUrl',
    'SharePointUrl', 'LdapServer', 'LdapCredential', 'LdapBaseDN', 'LdapCaFile'
)

function Get-PhotoSyncConnectionSetting {
    <#
    .SYNOPSIS
    The session's connection (Connect-PhotoSync) overlaid with the parameters given to this call.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        # $PSBoundParameters of the calling cmdlet (a Dictionary, not a Hashtable) or a hashtable.
        [Parameter(Mandatory)]
        [System.Collections.IDictionary]$Bound
    )

    $merged = @{}
    if ($script:PhotoSyncConnection) {
        foreach ($key in $script:PhotoSyncConnection.Keys) { $merged[$key] = $script:PhotoSyncConnection[$key] }
    }
    $credentialKeys = 'ClientSecret', 'CertificatePath', 'CertificateThumbprint', 'ManagedIdentity', 'AccessToken'
    $callChoosesCredential = $false
    foreach ($key in $credentialKeys) {
        if ($Bound.ContainsKey($key)) { $callChoosesCredential = $true }
    }
    if ($callChoosesCredential) {
        # A credential given on the call replaces the session's, rather than mixing with it.
        foreach ($key in $credentialKeys + 'CertificatePassword') { $merged.Remove($key) }
    }
    foreach ($key in $script:PhotoSyncConnectionKeys) {
        if ($Bound.ContainsKey($key)) { $merged[$key] = $Bound[$key] }
    }
    return $merged
}

function ConvertFrom-PhotoSyncSecureString {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)]
        [System.Security.SecureString]$SecureString
    )

    # PSCredential unwraps a SecureString the same way on Windows PowerShell 5.1 and 7.x.
    $credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'photosync', $SecureString
    return $credential.GetNetworkCredential().Password
}

function Export-PhotoSyncCertificate {
    # The core reads certificates from files (PEM or PFX). A thumbprint names a certificate in the
    # Windows store, so it is exported to a private temporary PFX for the length of one run.
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory)]
        [string]$Thumbprint
    )

    $clean = ($Thumbprint -replace '[^0-9A-Fa-f]', '').ToUpperInvariant()
    $certificate = $null
    foreach ($storePath in 'Cert:\CurrentUser\My', 'Cert:\LocalMachine\My') {
        if (Test-Path -LiteralPath $storePath) {
            $certificate = Get-ChildItem -LiteralPath $storePath | Where-Object { $_.Thumbprint -eq $clean } | Select-Object -First 1
            if ($certificate) { break }
        }
    }
    if (-not $certificate) {
        throw "No certificate with thumbprint $clean in Cert:\CurrentUser\My or Cert:\LocalMachine\My. Import it there, or pass -CertificatePath with a PEM or PFX file."
    }
    if (-not $certificate.HasPrivateKey) {
        throw "The certificate $clean has no private key in this store. Import the PFX (with its key) or pass -CertificatePath."
    }

    $passwordBytes = New-Object -TypeName byte[] -ArgumentList 24
    [System.Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($passwordBytes)
    $password = [System.Convert]::ToBase64String($passwordBytes)
    try {
        $pfx = $certificate.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pfx, $password)
    }
    catch {
        throw "The private key of certificate $clean cannot be exported ($($_.Exception.Message)). Mark it exportable when importing it, or pass -CertificatePath with a PEM or PFX file."
    }
    $path = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ("photosync-" + [guid]::NewGuid().ToString('N') + '.pfx')
    [System.IO.File]::WriteAllBytes($path, $pfx)
    return @{ Path = $path; Password = $password }
}

function Get-PhotoSyncChildEnvironment {
    <#
    .SYNOPSIS
    Maps connection settings to PHOTOSYNC_* variables for the child process.
    Returns @{ Variables = @{ NAME = value }; TemporaryFiles = @(paths to delete after the run) }.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory)]
        [hashtable]$Connection
    )

    $variables = @{}
    $temporaryFiles = @()

    if ($Connection['TenantId']) { $variables['PHOTOSYNC_TENANT_ID'] = [string]$Connection['TenantId'] }
    if ($Connection['ClientId']) { $variables['PHOTOSYNC_CLIENT_ID'] = [string]$Connection['ClientId'] }
    if ($Connection['GraphUrl']) { $variables['PHOTOSYNC_GRAPH_URL'] = [string]$Connection['GraphUrl'] }
    if ($Connection['LoginUrl']) { $variables['PHOTOSYNC_LOGIN_URL'] = [string]$Connection['LoginUrl'] }
    if ($Connection['SharePointUrl']) { $variables['PHOTOSYNC_SHAREPOINT_URL'] = [string]$Connection['SharePointUrl'] }

    if ($Connection['AccessToken']) {
        $variables['PHOTOSYNC_AUTH'] = 'token'
        $variables['PHOTOSYNC_ACCESS_TOKEN'] = ConvertFrom-PhotoSyncSecureString -SecureString $Connection['AccessToken']
    }
    elseif ($Connection['ManagedIdentity']) {
        # With a user-assigned identity, ClientId names it; the core reads IDENTITY_ENDPOINT/IMDS itself.
        $variables['PHOTOSYNC_AUTH'] = 'managed-identity'
    }
    elseif ($Connection['CertificatePath'] -or $Connection['CertificateThumbprint']) {
        $variables['PHOTOSYNC_AUTH'] = 'certificate'
        if ($Connection['CertificatePath']) {
            $variables['PHOTOSYNC_CERTIFICATE_PATH'] = [string]$Connection['CertificatePath']
            if ($Connection['CertificatePassword']) {
                $variables['PHOTOSYNC_CERTIFICATE_PASSWORD'] = ConvertFrom-PhotoSyncSecureString -SecureString $Connection['CertificatePassword']
            }
        }
        else {
            $exported = Export-PhotoSyncCertificate -Thumbprint ([string]$Connection['CertificateThumbprint'])
            $temporaryFiles += $exported.Path
            $variables['PHOTOSYNC_CERTIFICATE_PATH'] = $exported.Path
            $variables['PHOTOSYNC_CERTIFICATE_PASSWORD'] = $exported.Password
        }
    }
    elseif ($Connection['ClientSecret']) {
        $variables['PHOTOSYNC_AUTH'] = 'secret'
        $variables['PHOTOSYNC_CLIENT_SECRET'] = ConvertFrom-PhotoSyncSecureString -SecureString $Connection['ClientSecret']
    }

    if ($Connection['LdapServer']) { $variables['PHOTOSYNC_LDAP_URL'] = [string]$Connection['LdapServer'] }
    if ($Connection['LdapBaseDN']) { $variables['PHOTOSYNC_LDAP_BASE_DN'] = [string]$Connection['LdapBaseDN'] }
    if ($Connection['LdapCaFile']) { $variables['PHOTOSYNC_LDAP_CA_FILE'] = [string]$Connection['LdapCaFile'] }
    if ($Connection['LdapCredential']) {
        $credential = [System.Management.Automation.PSCredential]$Connection['LdapCredential']
        $variables['PHOTOSYNC_LDAP_BIND_DN'] = $credential.UserName
        $variables['PHOTOSYNC_LDAP_PASSWORD'] = $credential.GetNetworkCredential().Password
    }

    return @{ Variables = $variables; TemporaryFiles = $temporaryFiles }
}
