# Maps a PhotoSync.Connection to the PHOTOSYNC_* variables of one photosync run (names of
# src/settings.rs), set only on the child's start info: secrets never reach argv (visible to every
# process on the machine) nor the session's own environment. A certificate from a certificate
# store is not exported: a token broker on the loopback interface signs for it (see
# Start-PhotoSyncTokenBroker) and the child asks it as its managed identity endpoint.
# Returns @{ Variables = @{ NAME = value }; Broker = the broker to serve, or $null }.

function Get-PhotoSyncChildEnvironment($Connection, [System.Management.Automation.PSCmdlet]$Cmdlet) {
    $variables = @{}
    $broker = $null
    if ($null -eq $Connection) { return @{ Variables = $variables; Broker = $null } }

    if ($Connection.TenantId) { $variables['PHOTOSYNC_TENANT_ID'] = [string]$Connection.TenantId }
    if ($Connection.ClientId) { $variables['PHOTOSYNC_CLIENT_ID'] = [string]$Connection.ClientId }
    if ($Connection.Environment) { $variables['PHOTOSYNC_CLOUD'] = ([string]$Connection.Environment).ToLowerInvariant() }
    if ($Connection.GraphUrl) { $variables['PHOTOSYNC_GRAPH_URL'] = [string]$Connection.GraphUrl }
    if ($Connection.LoginUrl) { $variables['PHOTOSYNC_LOGIN_URL'] = [string]$Connection.LoginUrl }
    if ($Connection.SharePointUrl) { $variables['PHOTOSYNC_SHAREPOINT_URL'] = [string]$Connection.SharePointUrl }

    switch ($Connection.Credential) {
        'AccessToken' {
            $variables['PHOTOSYNC_AUTH'] = 'token'
            $variables['PHOTOSYNC_ACCESS_TOKEN'] = ConvertFrom-PhotoSyncSecureString -SecureString $Connection.AccessToken
        }
        'ManagedIdentity' {
            # With a user-assigned identity, ClientId names it; the core reads IDENTITY_ENDPOINT/IMDS itself.
            $variables['PHOTOSYNC_AUTH'] = 'managed-identity'
        }
        'CertificatePath' {
            $variables['PHOTOSYNC_AUTH'] = 'certificate'
            $variables['PHOTOSYNC_CERTIFICATE_PATH'] = [string]$Connection.CertificatePath
            if ($Connection.CertificatePassword) {
                $variables['PHOTOSYNC_CERTIFICATE_PASSWORD'] = ConvertFrom-PhotoSyncSecureString -SecureString $Connection.CertificatePassword
            }
        }
        'Certificate' {
            # The broker signs in where the core would: the cloud's sign-in host (docs/cli.md,
            # National clouds) unless a login URL is given.
            $cloud = if ($Connection.Environment) { [string]$Connection.Environment } else { [string]$env:PHOTOSYNC_CLOUD }
            $cloudLogin = switch ($cloud.ToLowerInvariant()) {
                { $_ -in 'usgov', 'usgovdod' } { 'https://login.microsoftonline.us' }
                'china' { 'https://login.chinacloudapi.cn' }
                default { 'https://login.microsoftonline.com' }
            }
            $loginUrl = if ($Connection.LoginUrl) { $Connection.LoginUrl } elseif ($env:PHOTOSYNC_LOGIN_URL) { $env:PHOTOSYNC_LOGIN_URL } else { $cloudLogin }
            $tenant = if ($Connection.TenantId) { $Connection.TenantId } else { $env:PHOTOSYNC_TENANT_ID }
            $clientId = if ($Connection.ClientId) { $Connection.ClientId } else { $env:PHOTOSYNC_CLIENT_ID }
            $broker = Start-PhotoSyncTokenBroker -Certificate $Connection.Certificate -TenantId $tenant -ClientId $clientId -LoginUrl $loginUrl
            $variables['PHOTOSYNC_AUTH'] = 'managed-identity'
            $variables['IDENTITY_ENDPOINT'] = $broker.Endpoint
            $variables['IDENTITY_HEADER'] = $broker.Secret
            # The app's id is the broker's business; to the core a client id would name a
            # user-assigned identity.
            $variables['PHOTOSYNC_CLIENT_ID'] = ''
        }
        'ClientSecret' {
            $variables['PHOTOSYNC_AUTH'] = 'secret'
            $variables['PHOTOSYNC_CLIENT_SECRET'] = ConvertFrom-PhotoSyncSecureString -SecureString $Connection.ClientSecret
        }
    }

    if ($Connection.LdapServer) { $variables['PHOTOSYNC_LDAP_URL'] = [string]$Connection.LdapServer }
    if ($Connection.LdapBaseDN) { $variables['PHOTOSYNC_LDAP_BASE_DN'] = [string]$Connection.LdapBaseDN }
    if ($Connection.LdapCaFile) { $variables['PHOTOSYNC_LDAP_CA_FILE'] = [string]$Connection.LdapCaFile }
    if ($Connection.LdapCredential) {
        $variables['PHOTOSYNC_LDAP_BIND_DN'] = $Connection.LdapCredential.UserName
        $variables['PHOTOSYNC_LDAP_PASSWORD'] = $Connection.LdapCredential.GetNetworkCredential().Password
    }
    return @{ Variables = $variables; Broker = $broker }
}
