function Sync-UserPhoto {
    <#
    .SYNOPSIS
    Pushes each user's authoritative photo, correctly sized, to Microsoft Graph (and, when named, AD and SharePoint), skipping users already in sync.

    .DESCRIPTION
    Permissions: Microsoft Graph application permissions ProfilePhoto.ReadWrite.All (or
    User.ReadWrite.All) to write photos and User.Read.All to find users. -Target ad needs the right
    to write thumbnailPhoto on the user objects (delegate "Write thumbnailPhoto" on the OU).
    -Target sharepoint needs the SharePoint application permissions User.ReadWrite.All and
    Sites.FullControl.All with a certificate or managed identity (SharePoint refuses client secrets).

    Users come from the pipeline (Get-ADUser, Import-Csv, Get-ChildItem), from -Identity, or from AD
    with -LdapFilter. Pipeline objects bind by property name: ObjectGUID, UserPrincipalName,
    SamAccountName, Mail (or EmailAddress), EmployeeId, ThumbnailPhoto (byte[]) and PhotoPath (or
    FullName); any of them may be missing. With -Source input (the default) the photo is the
    object's ThumbnailPhoto or PhotoPath; -Source ad reads it from AD; -Source folder:DIR:RULE
    from a folder.

    -WhatIf runs the same plan as a dry run (photosync --dry-run): every user is checked, results say
    'would-update' or 'skipped', and nothing is written anywhere. -Confirm asks once per user;
    users you decline are not sent. -Force writes even when the target already holds the same
    picture and suppresses confirmation prompts.

    One photosync process serves the whole pipeline; a PhotoSync.SyncResult object is written per
    user and target as soon as it is done. A user that fails gives a non-terminating error with
    ErrorId 'PhotoSync.<code>', the input object as TargetObject and the next step in
    ErrorDetails.RecommendedAction; the other users go on. Missing binaries, bad settings and
    failed authentication stop the command (terminating errors).

    .PARAMETER Identity
    A user as a plain string: a GUID is taken as objectGUID, a value with '@' as userPrincipalName,
    DOMAIN\name or anything else as sAMAccountName.

    .PARAMETER Source
    Where the authoritative photo comes from: input (ThumbnailPhoto/PhotoPath on the pipeline
    objects, the default), ad, or folder:DIR[:RULE].

    .PARAMETER Target
    Where to write: graph (the default), ad, sharepoint, folder:DIR[:RULE]. ad and sharepoint are
    written only when named here.

    .PARAMETER LdapFilter
    Read the users from AD with this LDAP filter instead of the pipeline (needs -LdapServer or
    PHOTOSYNC_LDAP_URL); use it with -Source ad, since such users carry no photo of their own.
    -Confirm then asks once for the whole filter.

    .PARAMETER State
    A state file remembering what was written, so re-runs skip unchanged users quickly.

    .PARAMETER Force
    Write even when the target already holds the same picture, without confirmation prompts.

    .PARAMETER AccessToken
    A ready Microsoft Graph access token (Get-AzAccessToken -AsSecureString in a runbook). Passed to
    photosync through its environment, never on its command line.

    .EXAMPLE
    Get-ADUser -Filter * -Properties thumbnailPhoto, mail | Sync-UserPhoto -WhatIf

    The Get-ADUser style: shows which cloud photos would change to the AD photo, and writes nothing.
    Run again without -WhatIf to write them.

    .EXAMPLE
    Import-Csv .\photos.csv | Sync-UserPhoto -Confirm

    The CSV style: photos.csv has the columns UserPrincipalName and PhotoPath; asks before each user.

    .EXAMPLE
    $token = (Get-AzAccessToken -ResourceUrl 'https://graph.microsoft.com' -AsSecureString).Token
    Connect-PhotoSync -AccessToken $token
    Get-ADUser -Filter 'Enabled -eq $true' -Properties thumbnailPhoto | Sync-UserPhoto -State C:\PhotoSync\state.db

    The runbook style (Hybrid Runbook Worker, Azure Automation managed identity): a token from Az,
    AD photos pushed to the cloud, unchanged users skipped on the next run.

    .EXAMPLE
    Get-ChildItem \\fileserver\photos\*.jpg | Select-Object FullName, @{ n = 'SamAccountName'; e = { $_.BaseName } } | Sync-UserPhoto -Target graph, ad

    Photos named after sAMAccountName pushed to the cloud and AD.

    .OUTPUTS
    PhotoSync.SyncResult

    .LINK
    about_PhotoSync
    #>
    [CmdletBinding(DefaultParameterSetName = 'Pipeline', SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('PhotoSync.SyncResult')]
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
        [string]$Source = 'input',

        [ValidateNotNullOrEmpty()]
        [string[]]$Target = @('graph'),

        [string]$State,

        [ValidateRange(1, 256)]
        [int]$Concurrency = 16,

        [switch]$Force,

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
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) {
            $ConfirmPreference = 'None'
        }
        $items = New-Object -TypeName 'System.Collections.Generic.List[object]'
        $basePath = $PSCmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath
        $action = "Replace the user photo in $($Target -join ', ')"
        # -WhatIf: ShouldProcess says "What if" and returns $false; the users still go to the core
        # as a dry run, so the results show what would change.
        $dryRun = [bool]$WhatIfPreference
    }

    process {
        if ($PSCmdlet.ParameterSetName -eq 'LdapFilter') { return }
        $candidates = @()
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            if (Test-PhotoSyncUnboundObject -InputObject $_ -Cmdlet $PSCmdlet) { return }
            foreach ($one in $Identity) {
                $candidates += New-PhotoSyncInputItem -Bound @{ Identity = $one } -BasePath $basePath -Target $one
            }
        }
        else {
            $bound = @{}
            foreach ($name in 'ObjectGUID', 'UserPrincipalName', 'SamAccountName', 'Mail', 'EmployeeId', 'ThumbnailPhoto', 'PhotoPath') {
                if ($PSBoundParameters.ContainsKey($name)) { $bound[$name] = $PSBoundParameters[$name] }
            }
            $inputObject = if ($null -ne $_) { $_ } else { (New-Object -TypeName psobject -Property $bound) }
            $candidates += New-PhotoSyncInputItem -Bound $bound -BasePath $basePath -Target $inputObject
        }

        foreach ($candidate in $candidates) {
            $label = if ($candidate.Label) { $candidate.Label } else { '(a user without identity keys)' }
            if ($PSCmdlet.ShouldProcess($label, $action) -or $dryRun) {
                $items.Add($candidate)
            }
        }
    }

    end {
        $arguments = @('sync', '--format', 'json', '--source', $Source, '--targets', ($Target -join ','), '--concurrency', [string]$Concurrency)
        if ($State) {
            $arguments += @('--state', $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($State))
        }
        if ($Force) { $arguments += '--force' }
        if ($dryRun) { $arguments += '--dry-run' }

        if ($PSCmdlet.ParameterSetName -eq 'LdapFilter') {
            if (-not ($PSCmdlet.ShouldProcess("users matching $LdapFilter", $action) -or $dryRun)) { return }
            $arguments += @('--ad-filter', $LdapFilter)
        }
        elseif ($items.Count -eq 0) {
            if ($MyInvocation.ExpectingInput -or $PSCmdlet.ParameterSetName -eq 'Identity') {
                Write-Verbose 'PhotoSync: no users to sync (none piped in, or all declined).'
                return
            }
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'no-input' -Message 'No users to sync.' `
                        -Hint 'Pipe users in (Get-ADUser, Import-Csv), or use -Identity or -LdapFilter.'))
        }
        else {
            $arguments += @('--input', '-')
        }

        $connection = Get-PhotoSyncConnectionSetting -Bound $PSBoundParameters
        Invoke-PhotoSyncCore -Cmdlet $PSCmdlet -ArgumentList $arguments -Items $items -Connection $connection -Activity 'PhotoSync: syncing photos'
    }
}
