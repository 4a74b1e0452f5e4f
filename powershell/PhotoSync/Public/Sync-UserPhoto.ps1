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
    SamAccountName, Mail (or EmailAddress), EmployeeId, ThumbnailPhoto (byte[]) and PhotoPath; any
    of them may be missing. With -Source input (the default) the photo is the
    object's ThumbnailPhoto or PhotoPath; -Source ad reads it from AD; -Source folder:DIR:RULE
    from a folder.

    -WhatIf runs the same plan as a dry run (photosync --dry-run): every user is checked and the
    results say 'would-update' or 'skipped' (instead of one "What if:" line per user); nothing is
    written anywhere, not even the -State file. -Confirm asks once per user; users you decline are
    not sent. -Force only suppresses confirmation prompts; -Overwrite writes even when the target
    already holds the same picture.

    One photosync process serves the whole pipeline, fed each user as it arrives; a
    PhotoSync.SyncResult object (flat columns Action, Reason, ErrorCode, ErrorMessage for
    Export-Csv) is written per user and target as soon as it is done. Each failed user and target
    gives one non-terminating error with ErrorId 'PhotoSync.<code>', the input object as
    TargetObject and the next step in ErrorDetails.RecommendedAction; the other users go on and
    every result is still written, whatever exit code the failures give. Only a failure of the run
    itself (missing binary, bad settings, failed sign-in before any user) stops the command.

    .PARAMETER Identity
    A user as a plain string: a GUID is taken as objectGUID, a value with '@' as userPrincipalName,
    DOMAIN\name or anything else as sAMAccountName.

    .PARAMETER ObjectGUID
    The on-premises objectGUID ([guid], its string, or its 16 raw bytes), bound from Get-ADUser
    output or a CSV column. The cloud finds the user by it first (onPremisesImmutableId).

    .PARAMETER UserPrincipalName
    The user principal name (alias UPN).

    .PARAMETER SamAccountName
    The pre-Windows 2000 logon name; with -Target ad the user is found by it.

    .PARAMETER Mail
    The primary e-mail address (alias EmailAddress); the cloud's last way to find the user.

    .PARAMETER EmployeeId
    The HR employee number; carried through to the output so reports can be joined back.

    .PARAMETER ThumbnailPhoto
    The authoritative photo bytes (Get-ADUser -Properties thumbnailPhoto), used with -Source input.

    .PARAMETER PhotoPath
    A photo file for the user (a CSV column), used with -Source input; relative paths are resolved
    against the current location. From Get-ChildItem, rename FullName:
    Select-Object @{n='PhotoPath';e={$_.FullName}}.

    .PARAMETER Source
    Where the authoritative photo comes from: input (ThumbnailPhoto/PhotoPath on the pipeline
    objects, the default), ad, or folder:DIR[:RULE]. With -LdapFilter the default is ad.

    .PARAMETER Target
    Where to write: graph (the default), ad, sharepoint, folder:DIR[:RULE]. ad and sharepoint are
    written only when named here.

    .PARAMETER LdapFilter
    Read the users from AD with this LDAP filter instead of the pipeline (needs -LdapServer or
    PHOTOSYNC_LDAP_URL); implies -Source ad, since such users carry no photo of their own.
    -Confirm then asks once for the whole filter.

    .PARAMETER State
    A state file remembering what was written, so re-runs skip unchanged users quickly. Not read
    or written under -WhatIf.

    .PARAMETER Concurrency
    How many users photosync works on at once (1-256, default 16).

    .PARAMETER Force
    Do not ask for confirmation (like -Confirm:$false). It does not rewrite photos that are
    already in sync; that is -Overwrite.

    .PARAMETER Overwrite
    Write every photo even when the target already holds the same picture (photosync --force):
    a tenant-wide rewrite when piped all users.

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
    Get-ChildItem \\fileserver\photos\*.jpg | Select-Object @{ n = 'PhotoPath'; e = { $_.FullName } }, @{ n = 'SamAccountName'; e = { $_.BaseName } } | Sync-UserPhoto -Target graph, ad

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
        [string]$Source = 'input',

        [ValidateNotNullOrEmpty()]
        [string[]]$Target = @('graph'),

        [string]$State,

        [ValidateRange(1, 256)]
        [int]$Concurrency = 16,

        [switch]$Force,

        [switch]$Overwrite,

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
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) {
            $ConfirmPreference = 'None'
        }
        $basePath = $PSCmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath
        $action = "Replace the user photo in $($Target -join ', ')"
        # -WhatIf is a dry run whose results say what would change; ShouldProcess is not asked
        # (it would print a "What if:" line per user as well), and nothing touches the disk.
        $dryRun = [bool]$WhatIfPreference
        if ($PSBoundParameters.ContainsKey('LdapFilter') -and -not $PSBoundParameters.ContainsKey('Source')) {
            $Source = 'ad'
        }
        $arguments = @('sync', '--format', 'json', '--source', $Source, '--targets', ($Target -join ','), '--concurrency', [string]$Concurrency)
        if ($State -and -not $dryRun) {
            $arguments += @('--state', $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($State))
        }
        if ($Overwrite) { $arguments += '--force' }
        if ($dryRun) { $arguments += '--dry-run' }

        if ($PSBoundParameters.ContainsKey('LdapFilter')) {
            if (-not ($dryRun -or $PSCmdlet.ShouldProcess("users matching $LdapFilter", $action))) { return }
            $arguments += @('--ad-filter', $LdapFilter)
        }
        elseif (-not $MyInvocation.ExpectingInput -and -not $PSBoundParameters.ContainsKey('Identity')) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'no-input' -Message 'No users to sync.' `
                        -Hint 'Pipe users in (Get-ADUser, Import-Csv), or use -Identity or -LdapFilter.'))
        }
        else {
            $arguments += @('--input', '-')
        }
        $connection = Get-PhotoSyncConnectionSetting -Bound $PSBoundParameters
        $core = Start-PhotoSyncCore -Cmdlet $PSCmdlet -ArgumentList $arguments -Connection $connection `
            -Activity 'PhotoSync: syncing photos' -RecordsPerUser @($Target).Count
    }

    process {
        if ($PSCmdlet.ParameterSetName -eq 'LdapFilter' -or $null -eq $core) { return }
        $candidates = @()
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            if (Test-PhotoSyncUnboundObject -InputObject $_ -Cmdlet $PSCmdlet) { return }
            foreach ($one in $Identity) {
                $candidates += New-PhotoSyncInputItem -Bound @{ Identity = $one } -BasePath $basePath -Target $one
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
            $inputObject = if ($null -ne $_) { $_ } else { (New-Object -TypeName psobject -Property $bound) }
            $candidates += New-PhotoSyncInputItem -Bound $bound -BasePath $basePath -Target $inputObject
        }

        $sent = $false
        try {
            foreach ($candidate in $candidates) {
                $label = if ($candidate.Label) { $candidate.Label } else { '(a user without identity keys)' }
                if ($dryRun -or $PSCmdlet.ShouldProcess($label, $action)) {
                    Send-PhotoSyncCoreItem -Core $core -Item $candidate
                }
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
                Write-Verbose 'PhotoSync: no users to sync (none piped in, or all declined).'
                return
            }
            if (-not $core.Finished) { Complete-PhotoSyncCore -Core $core }
        }
        finally {
            Stop-PhotoSyncCore -Core $core
        }
    }
}
