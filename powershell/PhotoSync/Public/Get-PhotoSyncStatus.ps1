function Get-PhotoSyncStatus {
    <#
    .SYNOPSIS
    Shows, per user, which store holds which photo, whether they show the same picture, and what to do. Never writes.

    .DESCRIPTION
    Permissions: read only. Microsoft Graph application permissions User.Read.All (to find users) and
    ProfilePhoto.Read.All (or ProfilePhoto.ReadWrite.All) to read photos, plus PeopleSettings.Read.All
    to report a tenant policy that blocks photo changes. Active Directory: any account that can read
    user objects (thumbnailPhoto is readable by Authenticated Users by default). SharePoint profiles:
    the SharePoint application permission User.Read.All with a certificate or managed identity.

    Users come from the pipeline (Get-ADUser, Import-Csv, Get-ChildItem, earlier PhotoSync
    output), from -Identity, or straight from AD with -LdapFilter. Each pipeline object binds by
    property name: ObjectGUID, UserPrincipalName, SamAccountName, Mail (or EmailAddress),
    EmployeeId, ThumbnailPhoto (byte[]) and PhotoPath (or FullName); any of them may be missing.
    The cloud finds a user by objectGUID first, then UPN, then mail.

    All users of one pipeline are checked by one photosync process; a PhotoSync.UserPhotoStatus
    object is written for each user as soon as it is done. A user that cannot be checked gives
    a non-terminating error with ErrorId 'PhotoSync.<code>' (e.g. PhotoSync.user-not-found), the
    input object as TargetObject and the next step in ErrorDetails.RecommendedAction. Missing
    binaries, bad settings and failed authentication stop the command (terminating errors).

    .PARAMETER Identity
    A user as a plain string: a GUID is taken as objectGUID, a value with '@' as userPrincipalName,
    DOMAIN\name or anything else as sAMAccountName.

    .PARAMETER ThumbnailPhoto
    The authoritative photo bytes (Get-ADUser -Properties thumbnailPhoto). The other stores are
    compared with it.

    .PARAMETER PhotoPath
    A photo file for the user (a CSV column, or FullName from Get-ChildItem); relative paths are
    resolved against the current location.

    .PARAMETER Store
    Stores to read: ad, graph, sharepoint, folder:DIR or folder:DIR:RULE (RULE such as
    {samAccountName}.jpg). Default: ad, graph.

    .PARAMETER LdapFilter
    Read the users from AD with this LDAP filter instead of the pipeline (needs -LdapServer or
    PHOTOSYNC_LDAP_URL).

    .PARAMETER AccessToken
    A ready Microsoft Graph access token (Get-AzAccessToken -AsSecureString in a runbook). Passed to
    photosync through its environment, never on its command line.

    .EXAMPLE
    Get-ADUser -Filter * -SearchBase 'OU=Staff,DC=contoso,DC=com' -Properties thumbnailPhoto, mail | Get-PhotoSyncStatus

    The Get-ADUser style: compare each user's AD photo with Microsoft Graph (Entra, Exchange, Teams).

    .EXAMPLE
    Import-Csv .\photos.csv | Get-PhotoSyncStatus -Store graph | Where-Object Verdict -ne 'in-sync'

    The CSV style: photos.csv has the columns UserPrincipalName and PhotoPath; lists the users whose
    cloud photo is not the file's picture.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    Get-PhotoSyncStatus -LdapFilter '(department=Sales)' -Store ad, graph | Export-Csv status.csv

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
        [Alias('objectGuid', 'Guid')]
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
        [Alias('EmployeeID')]
        [string]$EmployeeId,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [byte[]]$ThumbnailPhoto,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [Alias('FullName')]
        [string]$PhotoPath,

        [Parameter(ParameterSetName = 'LdapFilter', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]$LdapFilter,

        [ValidateNotNullOrEmpty()]
        [string[]]$Store = @('ad', 'graph'),

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
        $items = New-Object -TypeName 'System.Collections.Generic.List[object]'
        $basePath = $PSCmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath
    }

    process {
        if ($PSCmdlet.ParameterSetName -eq 'LdapFilter') { return }
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            if (Test-PhotoSyncUnboundObject -InputObject $_ -Cmdlet $PSCmdlet) { return }
            foreach ($one in $Identity) {
                $items.Add((New-PhotoSyncInputItem -Bound @{ Identity = $one } -BasePath $basePath -Target $one))
            }
            return
        }
        $bound = @{}
        foreach ($name in 'ObjectGUID', 'UserPrincipalName', 'SamAccountName', 'Mail', 'EmployeeId', 'ThumbnailPhoto', 'PhotoPath') {
            if ($PSBoundParameters.ContainsKey($name)) { $bound[$name] = $PSBoundParameters[$name] }
        }
        # $_ is the whole pipeline object (an ADUser, a CSV row); it becomes the TargetObject of its errors.
        $target = if ($null -ne $_) { $_ } else { (New-Object -TypeName psobject -Property $bound) }
        $items.Add((New-PhotoSyncInputItem -Bound $bound -BasePath $basePath -Target $target))
    }

    end {
        $arguments = @('status', '--format', 'json', '--stores', ($Store -join ','), '--concurrency', [string]$Concurrency)
        if ($PSCmdlet.ParameterSetName -eq 'LdapFilter') {
            $arguments += @('--ad-filter', $LdapFilter)
        }
        elseif ($items.Count -eq 0) {
            if ($MyInvocation.ExpectingInput) {
                Write-Verbose 'PhotoSync: the pipeline brought no users; nothing to check.'
                return
            }
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'no-input' -Message 'No users to check.' `
                        -Hint 'Pipe users in (Get-ADUser, Import-Csv), or use -Identity or -LdapFilter.'))
        }
        else {
            $arguments += @('--input', '-')
        }

        $connection = Get-PhotoSyncConnectionSetting -Bound $PSBoundParameters
        Invoke-PhotoSyncCore -Cmdlet $PSCmdlet -ArgumentList $arguments -Items $items -Connection $connection -Activity 'PhotoSync: checking photos'
    }
}
