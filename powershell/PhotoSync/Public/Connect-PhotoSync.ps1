function Connect-PhotoSync {
    <#
    .SYNOPSIS
    Sets the connection (tenant, app, credential, directory) the
    PhotoSync commands of this session use.

    .DESCRIPTION
    Permissions: none by itself. The credential needs the permissions
    of the commands that use it: Microsoft Graph application permissions
    User.Read.All and ProfilePhoto.Read.All for Get-PhotoSyncStatus,
    ProfilePhoto.ReadWrite.All for Sync-UserPhoto (see their help).

    The settings are checked at once as far as they can be without
    signing in: the shape of the tenant and client ids and of every URL,
    that certificate files exist and hold a certificate, that the tenant
    and client id a credential needs are there, and that a ready token
    has not expired. Test-PhotoSyncConnection signs in for real.

    Settings add up: a second call (for example for LDAP after the
    cloud) keeps what the first set. A credential is one thing: naming a
    credential replaces the kept one, and with it the client id, unless
    this call gives -ClientId too. Disconnect-PhotoSync starts afresh.

    Choose one credential. For long or scheduled runs use -ManagedIdentity
    or a certificate: photosync renews their tokens. A ready -AccessToken
    cannot be renewed; when it expires mid-run, the run stops with
    PhotoSync.auth-failed (exit code 3) and re-running skips the users
    already done.
    -ManagedIdentity: Azure Automation or an Azure VM/Arc machine
    (-ClientId selects a user-assigned identity).
    -CertificateThumbprint: a certificate in CurrentUser\My or
    LocalMachine\My; its private key is used where it is, never exported.
    -Certificate: an X509Certificate2 with its private key.
    -CertificatePath: a PEM or PFX file.
    -ClientSecret: an app secret (Microsoft Graph only).
    -AccessToken: a ready token, e.g. from Get-AzAccessToken.

    Secrets (-ClientSecret, -AccessToken, -CertificatePassword, the LDAP
    password) stay SecureStrings in the session, reach photosync only
    through environment variables of its own process, and never appear on
    a command line or in output.

    .PARAMETER TenantId
    The Entra tenant: its id (a GUID) or a domain such as
    contoso.onmicrosoft.com.

    .PARAMETER ClientId
    The application (client) id, or the client id of a user-assigned
    managed identity.

    .PARAMETER ClientSecret
    The application's client secret (Microsoft Graph only; SharePoint
    refuses secrets).

    .PARAMETER CertificatePath
    A PEM or PFX file with the application's certificate and private key.

    .PARAMETER CertificatePassword
    The password of the PFX given with -CertificatePath.

    .PARAMETER CertificateThumbprint
    The thumbprint of a certificate with its private key in the
    CurrentUser\My or LocalMachine\My store. Its key signs where it is
    (a token broker of the module answers photosync on 127.0.0.1).

    .PARAMETER Certificate
    An X509Certificate2 with its private key, for example from
    Get-PfxCertificate or a certificate store.

    .PARAMETER ManagedIdentity
    Use the managed identity the machine offers, first match wins:
    IDENTITY_ENDPOINT + IDENTITY_HEADER (Azure Automation),
    IDENTITY_ENDPOINT + IMDS_ENDPOINT (Azure Arc), MSI_ENDPOINT +
    MSI_SECRET (older hybrid jobs), else the Azure VM metadata service.

    .PARAMETER AccessToken
    A ready Microsoft Graph access token as a SecureString
    ((Get-AzAccessToken -ResourceUrl https://graph.microsoft.com
    -AsSecureString).Token). It cannot be renewed: prefer
    -ManagedIdentity or a certificate for long runs.

    .PARAMETER Environment
    The Microsoft cloud the tenant lives in: Global (the default; also
    Microsoft 365 GCC), USGov (GCC High), USGovDoD (DoD) or China
    (operated by 21Vianet). It sets the sign-in host, the Graph host
    and its token scope, and the SharePoint domain (PHOTOSYNC_CLOUD for
    photosync). -GraphUrl and -LoginUrl still win over it.

    .PARAMETER GraphUrl
    The Microsoft Graph base URL, when not the -Environment's own (a
    test emulator).

    .PARAMETER LoginUrl
    The identity platform base URL, when not the -Environment's own (a
    test emulator).

    .PARAMETER SharePointUrl
    The SharePoint Online admin or root URL
    (https://contoso-admin.sharepoint.com).

    .PARAMETER LdapServer
    ldaps://dc.contoso.com, or ldap://dc.contoso.com (StartTLS).

    .PARAMETER LdapCredential
    The account photosync binds to AD with (user name as UPN or DN).

    .PARAMETER LdapBaseDN
    Where in AD to search (default: the directory's naming context).

    .PARAMETER LdapCaFile
    A PEM file with the CA certificate that signed the domain
    controller's LDAPS certificate.

    .PARAMETER PassThru
    Also write the connection as a PhotoSync.Connection object, for the
    -Connection parameter of the other commands.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com `
        -ClientId 11111111-2222-3333-4444-555555555555 `
        -CertificateThumbprint 0123456789ABCDEF0123456789ABCDEF01234567
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto -WhatIf

    The Get-ADUser style: an app registration with a certificate from
    the store; its key stays there.

    .EXAMPLE
    $secret = Read-Host -AsSecureString 'Client secret'
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com `
        -ClientId 11111111-2222-3333-4444-555555555555 -ClientSecret $secret
    Import-Csv .\photos.csv | Sync-UserPhoto

    The CSV style, with a client secret typed in (Graph only).

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    $ldap = Get-AutomationPSCredential -Name 'svc-photosync'
    Connect-PhotoSync -LdapServer ldaps://dc1.contoso.com -LdapCredential $ldap
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto

    The runbook style on a Hybrid Runbook Worker: the Automation
    account's managed identity (renewed for runs of any length), then LDAP
    added to the same connection.

    .EXAMPLE
    Connect-PhotoSync -Environment USGov `
        -TenantId contoso.onmicrosoft.us `
        -ClientId $appId -CertificateThumbprint $thumbprint
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto

    A GCC High tenant: sign-in at login.microsoftonline.us, photos
    through graph.microsoft.us.

    .EXAMPLE
    $contoso = Connect-PhotoSync -TenantId contoso.onmicrosoft.com `
        -ManagedIdentity -PassThru
    Get-PhotoSyncStatus -Identity ann.lee@contoso.com -Connection $contoso

    A connection kept in a variable, for -Connection.

    .INPUTS
    None. Connect-PhotoSync takes no pipeline input.

    .OUTPUTS
    None, or PhotoSync.Connection with -PassThru.

    .LINK
    Test-PhotoSyncConnection

    .LINK
    Get-PhotoSyncConnection

    .LINK
    Disconnect-PhotoSync
    #>
    [CmdletBinding(DefaultParameterSetName = 'None', HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#connecting')]
    [OutputType('PhotoSync.Connection')]
    param(
        [string]$TenantId,

        [string]$ClientId,

        [Parameter(ParameterSetName = 'ClientSecret', Mandatory)]
        [System.Security.SecureString]$ClientSecret,

        [Parameter(ParameterSetName = 'CertificatePath', Mandatory)]
        [string]$CertificatePath,

        [Parameter(ParameterSetName = 'CertificatePath')]
        [System.Security.SecureString]$CertificatePassword,

        [Parameter(ParameterSetName = 'CertificateThumbprint', Mandatory)]
        [string]$CertificateThumbprint,

        [Parameter(ParameterSetName = 'Certificate', Mandatory)]
        [System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate,

        [Parameter(ParameterSetName = 'ManagedIdentity', Mandatory)]
        [switch]$ManagedIdentity,

        [Parameter(ParameterSetName = 'AccessToken', Mandatory)]
        [System.Security.SecureString]$AccessToken,

        [ValidateSet('Global', 'USGov', 'USGovDoD', 'China')]
        [string]$Environment,

        [string]$GraphUrl,

        [string]$LoginUrl,

        [string]$SharePointUrl,

        [string]$LdapServer,

        [System.Management.Automation.PSCredential]$LdapCredential,

        [string]$LdapBaseDN,

        [string]$LdapCaFile,

        [switch]$PassThru
    )

    if ($PSCmdlet.ParameterSetName -eq 'ManagedIdentity' -and -not $ManagedIdentity) {
        # -ManagedIdentity:$false names no credential; it must not drop the kept one either.
        $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message '-ManagedIdentity:$false does not choose a credential.' `
                    -Hint 'Name the credential to use instead (-ClientSecret, -CertificateThumbprint, -CertificatePath, -AccessToken), or Disconnect-PhotoSync to forget the kept one.'))
    }
    $settings = @{}
    foreach ($name in 'TenantId', 'ClientId', 'ClientSecret', 'CertificatePassword', 'Environment', 'GraphUrl', 'LoginUrl', 'SharePointUrl', 'LdapServer', 'LdapCredential', 'LdapBaseDN') {
        if ($PSBoundParameters.ContainsKey($name)) { $settings[$name] = $PSBoundParameters[$name] }
    }
    # As the set spells it (ValidateSet ignores case), so Get-PhotoSyncConnection shows one name.
    if ($settings.ContainsKey('Environment')) { $settings['Environment'] = @('Global', 'USGov', 'USGovDoD', 'China') -eq $Environment | Select-Object -First 1 }
    # Files are resolved now, as PowerShell paths: later runs may start from another location.
    foreach ($name in 'CertificatePath', 'LdapCaFile') {
        if (-not $PSBoundParameters.ContainsKey($name)) { continue }
        $resolved = Resolve-PhotoSyncPath -Cmdlet $PSCmdlet -Path $PSBoundParameters[$name]
        if ($resolved.Problem) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message "-$name $($resolved.Problem)." -Hint 'Give the path of a PEM or PFX file.'))
        }
        $settings[$name] = $resolved.Path
    }
    $credential = switch ($PSCmdlet.ParameterSetName) {
        'ClientSecret' { 'ClientSecret' }
        'CertificatePath' { 'CertificatePath' }
        'CertificateThumbprint' { 'Certificate' }
        'Certificate' { 'Certificate' }
        'ManagedIdentity' { 'ManagedIdentity' }
        'AccessToken' { 'AccessToken' }
        default { $null }
    }
    if ($PSCmdlet.ParameterSetName -eq 'CertificateThumbprint') {
        $found = Get-PhotoSyncStoreCertificate -Thumbprint $CertificateThumbprint
        if ($found.Problem) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message "-CertificateThumbprint: $($found.Problem)." `
                        -Hint 'Import the certificate with its private key into CurrentUser\My or LocalMachine\My, or give -CertificatePath.'))
        }
        $settings['Certificate'] = $found.Certificate
        $settings['CertificateThumbprint'] = $found.Certificate.Thumbprint
    }
    if ($PSCmdlet.ParameterSetName -eq 'Certificate') {
        if (-not $Certificate.HasPrivateKey) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message "-Certificate: the certificate $($Certificate.Thumbprint) has no private key." `
                        -Hint 'Give the certificate with its key (from a store, or Get-PfxCertificate), or -CertificatePath.'))
        }
        $settings['Certificate'] = $Certificate
        $settings['CertificateThumbprint'] = $Certificate.Thumbprint
    }
    if ($PSCmdlet.ParameterSetName -eq 'AccessToken') {
        $settings['AccessToken'] = $AccessToken
        $settings['AccessTokenExpiresOn'] = Read-PhotoSyncTokenExpiry -Token (ConvertFrom-PhotoSyncSecureString -SecureString $AccessToken)
    }

    $connection = New-PhotoSyncConnection -Base $script:PhotoSyncConnection -Settings $settings -Credential $credential
    $problem = Test-PhotoSyncConnectionSetting -Connection $connection
    if ($problem) {
        $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message $problem.Message -Hint $problem.Hint))
    }
    if ($connection.Credential -eq 'AccessToken' -and $connection.AccessTokenExpiresOn -and $connection.AccessTokenExpiresOn -lt [DateTime]::UtcNow.AddMinutes(30)) {
        Write-Warning ("PhotoSync: the access token expires at {0:u}, in {1:N0} minutes; a run still going then stops. Use -ManagedIdentity or a certificate for long runs." -f `
                $connection.AccessTokenExpiresOn, ($connection.AccessTokenExpiresOn - [DateTime]::UtcNow).TotalMinutes)
    }
    $script:PhotoSyncConnection = $connection
    if ($PassThru) { $connection }
}
