function Get-PhotoSyncStatus {
    <#
    .SYNOPSIS
    Shows, per user, which store holds which photo, whether they show the same picture, and what to do. Never writes.

    .DESCRIPTION
    Permissions: read only. Microsoft Graph application permissions User.Read.All (to find users) and
    ProfilePhoto.Read.All (or ProfilePhoto.ReadWrite.All) to read photos, plus PeopleSettings.Read.All
    to report a tenant policy that blocks photo changes and MailboxSettings.Read to explain shared,
    room and equipment mailboxes without a photo (both optional). Active Directory: any account
    that can read user objects (thumbnailPhoto is readable by Authenticated Users by default).
    SharePoint profiles: the SharePoint application permission User.Read.All with a certificate or
    managed identity.

    Users come from the pipeline (Get-ADUser, Import-Csv, Get-ChildItem, earlier PhotoSync
    output), from -Identity, or straight from AD with -LdapFilter. Each pipeline object binds by
    property name: ObjectGUID, UserPrincipalName, SamAccountName, Mail (or EmailAddress),
    EmployeeId, ThumbnailPhoto (byte[]) and PhotoPath; any of them may be missing. The cloud finds
    a user by objectGUID first, then UPN, then mail.

    All users of one pipeline are checked by one photosync process, started when the pipeline
    starts and fed each user as it arrives; a PhotoSync.UserPhotoStatus object is written for each
    user as soon as it is done, while later users are still coming in. Besides the nested Stores
    and Findings, each object has flat columns for Export-Csv: Verdict, ErrorCode, FindingCodes
    and one <Store>State per store read (GraphState, AdState, SharePointState, FolderState). A user that cannot be checked, or a
    store that cannot be read for a user (its state is then 'error'), gives a non-terminating error with ErrorId 'PhotoSync.<code>' (e.g. PhotoSync.user-not-found), the
    input object as TargetObject and the next step in ErrorDetails.RecommendedAction. Missing
    binaries, bad settings and failed authentication stop the command (terminating errors).

    .PARAMETER Identity
    A user as a plain string: a GUID is taken as objectGUID, a value with '@' as userPrincipalName,
    DOMAIN\name or anything else as sAMAccountName.

    .PARAMETER ObjectGUID
    The on-premises objectGUID ([guid], its string, or its 16 raw bytes), bound from Get-ADUser
    output or a CSV column. The cloud finds the user by it first (onPremisesImmutableId).

    .PARAMETER UserPrincipalName
    The user principal name (alias UPN).

    .PARAMETER SamAccountName
    The pre-Windows 2000 logon name; with the ad store the user is found by it.

    .PARAMETER Mail
    The primary e-mail address (alias EmailAddress); the cloud's last way to find the user.

    .PARAMETER EmployeeId
    The HR employee number; carried through to the output so reports can be joined back.

    .PARAMETER ThumbnailPhoto
    The authoritative photo bytes (Get-ADUser -Properties thumbnailPhoto). The other stores are
    compared with it.

    .PARAMETER PhotoPath
    A photo file for the user (a CSV column); relative paths are resolved against the current
    location. From Get-ChildItem, rename FullName: Select-Object @{n='PhotoPath';e={$_.FullName}}.

    .PARAMETER Store
    Stores to read: ad, graph, sharepoint, folder:DIR or folder:DIR:RULE (RULE such as
    {samAccountName}.jpg). Default: graph, plus ad when an LDAP server is configured
    (Connect-PhotoSync -LdapServer, -LdapServer or PHOTOSYNC_LDAP_URL). The piped photo, when
    there is one, is the reference the stores are compared with.

    .PARAMETER LdapFilter
    Read the users from AD with this LDAP filter instead of the pipeline (needs -LdapServer or
    PHOTOSYNC_LDAP_URL).

    .PARAMETER Concurrency
    How many users photosync works on at once (1-256, default 16).

    .PARAMETER TenantId
    The Entra tenant (GUID or domain); overrides Connect-PhotoSync for this call.

    .PARAMETER ClientId
    The application (client) id, or the client id of a user-assigned managed identity.

    .PARAMETER ClientSecret
    The application's client secret (Microsoft Graph only; SharePoint refuses secrets).

    .PARAMETER CertificatePath
    A PEM or PFX file with the application's certificate and private key.

    .PARAMETER CertificateThumbprint
    A certificate in Cert:\CurrentUser\My or Cert:\LocalMachine\My (exportable key), Windows only.

    .PARAMETER CertificatePassword
    The password of the PFX given with -CertificatePath.

    .PARAMETER ManagedIdentity
    Use the managed identity of the Azure Automation account or Azure machine.

    .PARAMETER AccessToken
    A ready Microsoft Graph access token (Get-AzAccessToken -AsSecureString in a runbook). Passed to
    photosync through its environment, never on its command line.

    .PARAMETER LdapServer
    ldaps://dc.contoso.com, or ldap://dc.contoso.com (StartTLS).

    .PARAMETER LdapCredential
    The account photosync binds to AD with (user name as UPN or DN).

    .PARAMETER LdapBaseDN
    Where in AD to search (default: the directory's default naming context).

    .EXAMPLE
    Get-ADUser -Filter * -SearchBase 'OU=Staff,DC=contoso,DC=com' -Properties thumbnailPhoto, mail | Get-PhotoSyncStatus

    The Get-ADUser style: compare each user's AD photo (the piped thumbnailPhoto) with Microsoft
    Graph (Entra, Exchange, Teams).

    .EXAMPLE
    Import-Csv .\photos.csv | Get-PhotoSyncStatus -Store graph | Where-Object Verdict -ne 'in-sync'

    The CSV style: photos.csv has the columns UserPrincipalName and PhotoPath; lists the users whose
    cloud photo is not the file's picture.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    Get-PhotoSyncStatus -LdapFilter '(department=Sales)' -Store ad, graph | Export-Csv status.csv -NoTypeInformation

    The runbook style (on a Hybrid Runbook Worker): managed identity, users read from AD by photosync.

    .EXAMPLE
    Get-PhotoSyncStatus -Identity jdoe@contoso.com -Store graph, sharepoint | Select-Object -ExpandProperty Findings

    One user, with the plain-words findings and their next steps.

    .OUTPUTS
    PhotoSync.UserPhotoStatus

    .LINK
    about_PhotoSync
    #>
    [CmdletBinding(DefaultParameterSetName = 'Pipeline')]
    [OutputType('PhotoSync.UserPhotoStatus')]
    param(
        [Parameter(ParameterSetName = 'Identity', Mandatory, Position = 0, ValueFromPipeline)]
        [ValidateNotNullOrEmpty()]
        [string[]]$Identity,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [object]$ObjectGUID,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [Alias('UPN')]
        [string]$UserPrincipalName,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [string]$SamAccountName,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [Alias('EmailAddress')]
        [string]$Mail,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [string]$EmployeeId,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [byte[]]$ThumbnailPhoto,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [string]$PhotoPath,

        [Parameter(ParameterSetName = 'LdapFilter', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]$LdapFilter,

        [ValidateNotNullOrEmpty()]
        [string[]]$Store,

        [ValidateRange(1, 256)]
        [int]$Concurrency = 16,

        # Connection: overrides what Connect-PhotoSync stored for this call only.
        [string]$TenantId,
        [string]$ClientId,
        [System.Security.SecureString]$ClientSecret,
        [string]$CertificatePath,
        [string]$CertificateThumbprint,
        [System.Security.SecureString]$CertificatePassword,
        [switch]$ManagedIdentity,
        [System.Security.SecureString]$AccessToken,
        [string]$LdapServer,
        [System.Management.Automation.PSCredential]$LdapCredential,
        [string]$LdapBaseDN
    )

    begin {
        $core = $null
        $basePath = $PSCmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath
        $connection = Get-PhotoSyncConnectionSetting -Bound $PSBoundParameters
        if (-not $PSBoundParameters.ContainsKey('Store')) {
            # graph always; ad only where LDAP is configured, else every call would fail on config.
            $Store = @('graph')
            if ($connection['LdapServer'] -or $env:PHOTOSYNC_LDAP_URL) { $Store = @('ad', 'graph') }
        }
        $arguments = @('status', '--format', 'json', '--stores', ($Store -join ','), '--concurrency', [string]$Concurrency)
        if ($PSBoundParameters.ContainsKey('LdapFilter')) {
            $arguments += @('--ad-filter', $LdapFilter)
        }
        elseif (-not $MyInvocation.ExpectingInput -and -not $PSBoundParameters.ContainsKey('Identity')) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'no-input' -Message 'No users to check.' `
                        -Hint 'Pipe users in (Get-ADUser, Import-Csv), or use -Identity or -LdapFilter.'))
        }
        else {
            $arguments += @('--input', '-')
        }
        $core = Start-PhotoSyncCore -Cmdlet $PSCmdlet -ArgumentList $arguments -Connection $connection `
            -Activity 'PhotoSync: checking photos' -RecordsPerUser 1
    }

    process {
        if ($PSCmdlet.ParameterSetName -eq 'LdapFilter' -or $null -eq $core) { return }
        $sent = $false
        try {
            if ($PSCmdlet.ParameterSetName -eq 'Identity') {
                if (-not (Test-PhotoSyncUnboundObject -InputObject $_ -Cmdlet $PSCmdlet)) {
                    foreach ($one in $Identity) {
                        Send-PhotoSyncCoreItem -Core $core -Item (New-PhotoSyncInputItem -Bound @{ Identity = $one } -BasePath $basePath -Target $one)
                    }
                }
            }
            else {
                # The parameter variables, never $PSBoundParameters: PowerShell resets the variables
                # for each pipeline object but leaves the previous object's values in
                # $PSBoundParameters when this one lacks the property (a user without
                # thumbnailPhoto was written with the previous user's picture).
                $bound = @{
                    ObjectGUID = $ObjectGUID; UserPrincipalName = $UserPrincipalName; SamAccountName = $SamAccountName
                    Mail = $Mail; EmployeeId = $EmployeeId; ThumbnailPhoto = $ThumbnailPhoto; PhotoPath = $PhotoPath
                }
                # $_ is the whole pipeline object (an ADUser, a CSV row); it becomes the TargetObject of its errors.
                $target = if ($null -ne $_) { $_ } else { (New-Object -TypeName psobject -Property $bound) }
                Send-PhotoSyncCoreItem -Core $core -Item (New-PhotoSyncInputItem -Bound $bound -BasePath $basePath -Target $target)
            }
            $sent = $true
        }
        finally {
            # Select-Object -First, Ctrl+C or an error stopped the pipeline here: stop the core too.
            if (-not $sent) { Stop-PhotoSyncCore -Core $core }
        }
    }

    end {
        if ($null -eq $core) { return }
        try {
            if ($PSCmdlet.ParameterSetName -ne 'LdapFilter' -and $core.LinesSent -eq 0) {
                Write-Verbose 'PhotoSync: the pipeline brought no users; nothing to check.'
                return
            }
            if (-not $core.Finished) { Complete-PhotoSyncCore -Core $core }
        }
        finally {
            Stop-PhotoSyncCore -Core $core
        }
    }
}
