function Get-PhotoSyncStatus {
    <#
    .SYNOPSIS
    Shows, per user, which store holds which photo, whether they show the
    same picture, and what to do. Never writes.

    .DESCRIPTION
    Permissions: read only. Microsoft Graph application permissions
    User.Read.All (to find users) and ProfilePhoto.Read.All (or
    ProfilePhoto.ReadWrite.All) to read photos, plus
    PeopleSettings.Read.All to report a tenant policy that blocks photo
    changes and MailboxSettings.Read to explain shared, room and
    equipment mailboxes without a photo (both optional). Active
    Directory: any account that can read user objects (thumbnailPhoto
    is readable by Authenticated Users by default). SharePoint profiles:
    the SharePoint application permission User.Read.All with a
    certificate or managed identity.

    Users come from the pipeline (Get-ADUser, Import-Csv, ConvertFrom-Json,
    Get-ChildItem, earlier PhotoSync output), from -Identity, from the
    key parameters, or straight from AD with -LdapFilter. Each pipeline
    object binds by property name: ObjectGUID, UserPrincipalName,
    SamAccountName, Mail (or EmailAddress), EmployeeId, ThumbnailPhoto
    and PhotoPath; any of them may be missing, and each object keeps only
    its own values. The cloud finds a user by objectGUID first, then UPN,
    then mail.

    One photosync process checks the whole pipeline, fed each user as it
    arrives; a PhotoSync.UserPhotoStatus object is written per user as
    soon as it is done. Every object of one command has the same
    properties, so Export-Csv keeps every column: the keys, Verdict,
    Reference, InputState, one <Store>State per store read (GraphState,
    AdState, SharePointState, FolderState, Folder2State for a second
    folder), ErrorCode, ErrorMessage, FindingCodes and InputPhoto (the
    photo the input carried, so the objects pipe into Sync-UserPhoto as
    they are). Stores and Findings hold the details.

    A user that cannot be checked, or a store that cannot be read for a
    user (its state is then 'error'), gives a non-terminating error with
    ErrorId PhotoSync.<code>, the input object as TargetObject and the
    next step in ErrorDetails.RecommendedAction. A user a store does not
    know gives PhotoSync.user-not-found, besides its status object
    (Verdict not-found), so -ErrorAction Stop stops on a mistyped UPN. A
    missing binary, bad settings, a credential that fails for the whole
    run and a photosync that crashes stop the command.

    .PARAMETER Identity
    A user as a plain string: a GUID is taken as objectGUID, a value with
    '@' as userPrincipalName, DOMAIN\name or anything else as
    sAMAccountName.

    .PARAMETER ObjectGUID
    The on-premises objectGUID ([guid], its string, or its 16 raw bytes),
    bound from Get-ADUser output or a CSV column. The cloud finds the
    user by it first (onPremisesImmutableId).

    .PARAMETER UserPrincipalName
    The user principal name (alias UPN).

    .PARAMETER SamAccountName
    The pre-Windows 2000 logon name; with the ad store the user is found
    by it.

    .PARAMETER Mail
    The primary e-mail address (alias EmailAddress); the cloud's last way
    to find the user.

    .PARAMETER EmployeeId
    The HR employee number; carried through to the output so reports can
    be joined back, and usable in folder rules ({employeeId}.jpg).

    .PARAMETER ConsistencyGuid
    The account's mS-DS-ConsistencyGuid (Get-ADUser -Properties
    mS-DS-ConsistencyGuid binds it by that name): the anchor Entra Connect
    syncs the account by. Needed only after a forest migration, where it
    keeps the old forest's GUID and so differs from ObjectGUID, and only
    when no ad store is part of the run (one that is reads it itself).
    Without it such an account is refused in the cloud (identity-mismatch).

    .PARAMETER ThumbnailPhoto
    The authoritative photo (Get-ADUser -Properties thumbnailPhoto):
    bytes, or base64 text (line breaks allowed). The other stores are
    compared with it.

    .PARAMETER PhotoPath
    A photo file for the user (a CSV column): a PowerShell path, relative
    to the current location, ~/..., or on a PSDrive. From Get-ChildItem,
    rename FullName: Select-Object @{n='PhotoPath';e={$_.FullName}}.

    .PARAMETER LdapFilter
    Read the users from AD with this LDAP filter instead of the pipeline
    (needs Connect-PhotoSync -LdapServer or PHOTOSYNC_LDAP_URL).

    .PARAMETER Store
    Stores to read: ad, graph, sharepoint, folder:DIR or folder:DIR:RULE
    (RULE such as {samAccountName}.jpg; DIR a PowerShell path). Default:
    graph, plus ad when an LDAP server is configured. The piped photo,
    when there is one, is the reference the stores are compared with.

    .PARAMETER State
    The state file of Sync-UserPhoto -State, read only: the Details of
    each store then say when it was last written and whether a write
    still waits to show.

    .PARAMETER ReportPath
    Also write the HTML report (every store's picture side by side per
    user, with verdicts and findings) to this file, replaced when the run
    completes. The objects are written as well.

    .PARAMETER AllowCloudOnlyMatch
    Let a record that carries an ObjectGUID match a cloud-only account (one
    without onPremisesImmutableId) by UPN or mail. Off by default, because
    that is exactly how a reused UPN looks; turn it on only for cloud-only
    accounts your HR export keys by GUID (docs/cli.md, Identity).

    .PARAMETER FailOnDrift
    After the run, write a non-terminating error PhotoSync.drift naming
    how many users are not in sync (a scheduled check with -ErrorAction
    Stop then fails).

    .PARAMETER Concurrency
    How many users photosync works on at once (1-256, default 16; alias
    ThrottleLimit).

    .PARAMETER Connection
    The connection to use (Connect-PhotoSync -PassThru); by default the
    session's.

    .EXAMPLE
    Get-ADUser -Filter * -SearchBase 'OU=Staff,DC=contoso,DC=com' `
        -Properties thumbnailPhoto, mail | Get-PhotoSyncStatus

    The Get-ADUser style: compare each user's AD photo (the piped
    thumbnailPhoto) with Microsoft Graph (Entra, Exchange, Teams).

    .EXAMPLE
    Import-Csv .\photos.csv | Get-PhotoSyncStatus -Store graph |
        Where-Object Verdict -ne 'in-sync' | Sync-UserPhoto

    The CSV style: photos.csv has the columns UserPrincipalName and
    PhotoPath; the users whose cloud photo is not the file's picture get
    it (the status objects carry the photo).

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    $ldap = Get-AutomationPSCredential -Name 'svc-photosync'
    Connect-PhotoSync -LdapServer ldaps://dc1.contoso.com -LdapCredential $ldap
    Get-PhotoSyncStatus -LdapFilter '(department=Sales)' -Store ad, graph `
        -ReportPath C:\Reports\photos.html |
        Export-Csv C:\Reports\photos.csv -NoTypeInformation

    The runbook style (on a Hybrid Runbook Worker): managed identity,
    users read from AD by photosync, an HTML report and a CSV.

    .EXAMPLE
    Get-PhotoSyncStatus jdoe@contoso.com -Store graph, sharepoint |
        Select-Object -ExpandProperty Findings

    One user, with the plain-words findings and their next steps.

    .INPUTS
    System.String: a user for -Identity.

    System.Management.Automation.PSObject: any object with one or more
    of the properties ObjectGUID, UserPrincipalName, SamAccountName,
    Mail, EmailAddress, EmployeeId, ThumbnailPhoto, PhotoPath
    (Get-ADUser, Import-Csv, ConvertFrom-Json, PhotoSync output).

    .OUTPUTS
    PhotoSync.UserPhotoStatus

    .LINK
    about_PhotoSync

    .LINK
    Sync-UserPhoto
    #>
    [CmdletBinding(DefaultParameterSetName = 'Pipeline', HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#photosyncuserphotostatus-from-get-photosyncstatus')]
    [OutputType('PhotoSync.UserPhotoStatus')]
    param(
        [Parameter(ParameterSetName = 'Identity', Mandatory, Position = 0, ValueFromPipeline)]
        [ValidateNotNullOrEmpty()]
        [string[]]$Identity,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [object]$ObjectGUID,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [Alias('UPN')]
        [object]$UserPrincipalName,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [object]$SamAccountName,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [Alias('EmailAddress')]
        [object]$Mail,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [object]$EmployeeId,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [Alias('mS-DS-ConsistencyGuid')]
        [object]$ConsistencyGuid,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [object]$ThumbnailPhoto,

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [object]$PhotoPath,

        [Parameter(ParameterSetName = 'LdapFilter', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]$LdapFilter,

        [ValidateNotNullOrEmpty()]
        [string[]]$Store,

        [ValidateNotNullOrEmpty()]
        [string]$State,

        [ValidateNotNullOrEmpty()]
        [string]$ReportPath,

        [switch]$FailOnDrift,

        [switch]$AllowCloudOnlyMatch,

        [ValidateRange(1, 256)]
        [Alias('ThrottleLimit')]
        [int]$Concurrency = 16,

        [PSTypeName('PhotoSync.Connection')]
        [psobject]$Connection
    )

    begin {
        $core = $null
        $connection = Resolve-PhotoSyncConnection -Connection $Connection
        if (-not $PSBoundParameters.ContainsKey('Store')) {
            # graph always; ad only where LDAP is configured, else every call would fail on config.
            $Store = @('graph')
            if (($connection -and $connection.LdapServer) -or $env:PHOTOSYNC_LDAP_URL) { $Store = @('ad', 'graph') }
        }
        $stores = Resolve-PhotoSyncStoreList -Cmdlet $PSCmdlet -Name 'Store' -List $Store
        $coreSpecs = $stores.CoreSpecs
        $arguments = @('status', '--format', 'json', '--stores', ($coreSpecs -join ','), '--concurrency', [string]$Concurrency)
        if ($State) { $arguments += @('--state', (Resolve-PhotoSyncSettingPath -Cmdlet $PSCmdlet -Name 'State' -Path $State)) }
        if ($ReportPath) { $arguments += @('--report', (Resolve-PhotoSyncSettingPath -Cmdlet $PSCmdlet -Name 'ReportPath' -Path $ReportPath)) }
        if ($FailOnDrift) { $arguments += '--fail-on-drift' }
        if ($AllowCloudOnlyMatch) { $arguments += '--allow-cloud-only-match' }
        $keysGiven = $false
        foreach ($name in 'ObjectGUID', 'UserPrincipalName', 'SamAccountName', 'Mail', 'EmployeeId') { if ($PSBoundParameters.ContainsKey($name)) { $keysGiven = $true } }
        if ($PSBoundParameters.ContainsKey('LdapFilter')) {
            $arguments += @('--ad-filter', $LdapFilter)
        }
        elseif (-not $MyInvocation.ExpectingInput -and -not $PSBoundParameters.ContainsKey('Identity') -and -not $keysGiven) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'no-input' -Message 'No users to check.' `
                        -Hint 'Pipe users in (Get-ADUser, Import-Csv), or use -Identity, -UserPrincipalName or -LdapFilter.'))
        }
        else {
            $arguments += @('--input', '-')
        }
        $core = Start-PhotoSyncCore -Cmdlet $PSCmdlet -ArgumentList $arguments -Connection $connection `
            -Activity 'PhotoSync: checking photos' -RecordsPerUser 1 -Specs $stores.Specs -Kind 'status' -Window ([Math]::Max(64, 8 * $Concurrency))
        if ($core) { $core.FailOnDrift = [bool]$FailOnDrift }
    }

    process {
        if ($null -eq $core -or $PSCmdlet.ParameterSetName -eq 'LdapFilter') { return }
        $stopping = $true
        try {
            $fromDictionary = $null
            if ($_ -is [System.Collections.IDictionary]) { $fromDictionary = ConvertFrom-PhotoSyncDictionary -Dictionary $_ }
            if ($fromDictionary) {
                # A hashtable binds no property: its keys count as a [pscustomobject]'s would.
                $v = $fromDictionary
                Add-PhotoSyncCoreUser $core $v.ObjectGUID $v.UserPrincipalName $v.SamAccountName $v.Mail $v.EmployeeId $v.ThumbnailPhoto $v.PhotoPath $_ $v.ConsistencyGuid
            }
            elseif ($PSCmdlet.ParameterSetName -eq 'Identity') {
                if (-not (Test-PhotoSyncUnboundObject -InputObject $_ -Cmdlet $PSCmdlet)) {
                    foreach ($one in $Identity) {
                        $keys = ConvertFrom-PhotoSyncIdentity -Identity $one
                        Add-PhotoSyncCoreUser $core $keys['ObjectGUID'] $keys['UserPrincipalName'] $keys['SamAccountName'] $null $null $null $null $one
                    }
                }
            }
            else {
                # The parameter variables, never $PSBoundParameters: PowerShell resets the variables
                # for each pipeline object but leaves the previous object's values in
                # $PSBoundParameters when this one lacks the property. $_ is the whole pipeline
                # object (an ADUser, a CSV row): the TargetObject of its errors.
                Add-PhotoSyncCoreUser $core $ObjectGUID $UserPrincipalName $SamAccountName $Mail $EmployeeId $ThumbnailPhoto $PhotoPath $_ $ConsistencyGuid
            }
            $stopping = $false
        }
        finally {
            # Select-Object -First, Ctrl+C or an error stopped the pipeline here: stop the core gracefully.
            if ($stopping) { Stop-PhotoSyncCore -Core $core }
        }
    }

    end {
        if ($null -eq $core) { return }
        try {
            if ($PSCmdlet.ParameterSetName -ne 'LdapFilter' -and $core.LinesSent -eq 0) {
                Write-Verbose 'PhotoSync: the pipeline brought no users; nothing to check.'
                return
            }
            Complete-PhotoSyncCore -Core $core
        }
        finally {
            Stop-PhotoSyncCore -Core $core
        }
    }
}
