function Connect-PhotoSync {
    <#
    .SYNOPSIS
    Keeps the connection settings (tenant, application, credential, directory) for the PhotoSync commands of this session.

    .DESCRIPTION
    Permissions: none by itself. The credential given here needs the permissions of the commands
    that use it: Microsoft Graph application permissions User.Read.All and ProfilePhoto.Read.All for
    Get-PhotoSyncStatus, ProfilePhoto.ReadWrite.All for Sync-UserPhoto (see their help).

    Nothing is checked or sent when connecting: the settings are added to those kept in the
    module's session state (a second call, e.g. for LDAP after the cloud, keeps the first call's
    settings; a new credential replaces the old one) and handed to each photosync run through environment variables set only on that child
    process. Secrets (-ClientSecret, -AccessToken, -CertificatePassword, the LDAP password) stay
    SecureStrings in the session and never appear on a command line or in output. Parameters
    given to Get-PhotoSyncStatus or Sync-UserPhoto override these for one call.

    Choose one credential: -AccessToken (a ready token, e.g. from Get-AzAccessToken),
    -ManagedIdentity (Azure Automation or an Azure VM/Arc machine; -ClientId selects a
    user-assigned identity), -CertificatePath or -CertificateThumbprint (Windows certificate
    store; the key must be exportable), or -ClientSecret (Graph only).

    .PARAMETER TenantId
    The Entra tenant (GUID or domain such as contoso.onmicrosoft.com).

    .PARAMETER ClientId
    The application (client) id, or the client id of a user-assigned managed identity.

    .PARAMETER ClientSecret
    The application's client secret (Microsoft Graph only; SharePoint refuses secrets).

    .PARAMETER CertificatePath
    A PEM or PFX file with the application's certificate and private key.

    .PARAMETER CertificatePassword
    The password of the PFX given with -CertificatePath.

    .PARAMETER CertificateThumbprint
    A certificate in Cert:\CurrentUser\My or Cert:\LocalMachine\My (exportable key), Windows only.

    .PARAMETER ManagedIdentity
    Use the managed identity the machine offers, first match wins: IDENTITY_ENDPOINT +
    IDENTITY_HEADER (Azure Automation), IDENTITY_ENDPOINT + IMDS_ENDPOINT (a Hybrid Worker on an
    Azure Arc-enabled server; system-assigned only), MSI_ENDPOINT + MSI_SECRET (older hybrid
    jobs), else the Azure VM metadata service (a Hybrid Worker on an Azure VM). See docs/auth.md.

    .PARAMETER AccessToken
    A ready Microsoft Graph access token (Get-AzAccessToken -AsSecureString).

    .PARAMETER GraphUrl
    Microsoft Graph base URL for national clouds (https://graph.microsoft.us) or a test emulator.

    .PARAMETER LoginUrl
    The Microsoft identity platform base URL for national clouds or a test emulator.

    .PARAMETER SharePointUrl
    The SharePoint Online admin or root URL (https://contoso-admin.sharepoint.com).

    .PARAMETER LdapServer
    ldaps://dc.contoso.com, or ldap://dc.contoso.com (StartTLS).

    .PARAMETER LdapCredential
    The account photosync binds to AD with (user name as UPN or DN).

    .PARAMETER LdapBaseDN
    Where in AD to search (default: the directory's default naming context).

    .PARAMETER LdapCaFile
    A PEM file with the CA certificate that signed the domain controller's LDAPS certificate.

    .PARAMETER PassThru
    Write the kept settings (without secrets) as a PhotoSync.Connection object.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ClientId 11111111-2222-3333-4444-555555555555 -CertificateThumbprint 0123456789ABCDEF0123456789ABCDEF01234567
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto -WhatIf

    The Get-ADUser style: an app registration with a certificate from the Windows store.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ClientId $appId -ClientSecret (Read-Host -AsSecureString 'Secret')
    Import-Csv .\photos.csv | Sync-UserPhoto

    The CSV style, with a client secret typed in (Graph only).

    .EXAMPLE
    Connect-AzAccount -Identity | Out-Null
    Connect-PhotoSync -AccessToken (Get-AzAccessToken -ResourceUrl 'https://graph.microsoft.com' -AsSecureString).Token
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto

    The runbook style on a Hybrid Runbook Worker: the Automation account's managed identity.
    Connect-PhotoSync -ManagedIdentity does the same without the Az modules.

    .OUTPUTS
    None, or PhotoSync.Connection with -PassThru.

    .LINK
    Disconnect-PhotoSync
    #>
    [CmdletBinding(DefaultParameterSetName = 'None')]
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

        [Parameter(ParameterSetName = 'ManagedIdentity', Mandatory)]
        [switch]$ManagedIdentity,

        [Parameter(ParameterSetName = 'AccessToken', Mandatory)]
        [System.Security.SecureString]$AccessToken,

        [string]$GraphUrl,

        [string]$LoginUrl,

        [string]$SharePointUrl,

        [string]$LdapServer,

        [System.Management.Automation.PSCredential]$LdapCredential,

        [string]$LdapBaseDN,

        [string]$LdapCaFile,

        [switch]$PassThru
    )

    $connection = @{}
    foreach ($key in $script:PhotoSyncConnectionKeys) {
        if ($PSBoundParameters.ContainsKey($key)) { $connection[$key] = $PSBoundParameters[$key] }
    }
    # Files are resolved now: later runs may start from another location.
    foreach ($key in 'CertificatePath', 'LdapCaFile') {
        if ($connection[$key]) {
            $connection[$key] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath([string]$connection[$key])
            if (-not (Test-Path -LiteralPath $connection[$key] -PathType Leaf)) {
                $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message "$key '$($connection[$key])' is not a file." `
                            -Hint 'Give the path of a PEM or PFX file.'))
            }
        }
    }
    # Merged into what earlier calls kept, so a cloud call and an LDAP call add up; a credential
    # given here replaces the kept one instead of mixing with it.
    $connection = Get-PhotoSyncConnectionSetting -Bound $connection
    $script:PhotoSyncConnection = $connection

    if ($PassThru) {
        $credential = switch ($PSCmdlet.ParameterSetName) {
            'ClientSecret' { 'client secret' }
            'CertificatePath' { 'certificate file' }
            'CertificateThumbprint' { 'certificate (Windows store)' }
            'ManagedIdentity' { 'managed identity' }
            'AccessToken' { 'access token' }
            default { 'none (from PHOTOSYNC_* environment variables, if any)' }
        }
        $summary = [pscustomobject]@{
            PSTypeName    = 'PhotoSync.Connection'
            TenantId      = $connection['TenantId']
            ClientId      = $connection['ClientId']
            Credential    = $credential
            GraphUrl      = $connection['GraphUrl']
            SharePointUrl = $connection['SharePointUrl']
            LdapServer    = $connection['LdapServer']
            LdapUser      = if ($connection['LdapCredential']) { $connection['LdapCredential'].UserName } else { $null }
        }
        $summary
    }
}
