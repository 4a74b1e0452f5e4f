function Sync-UserPhoto {
    <#
    .SYNOPSIS
    Pushes each user's authoritative photo, sized per target, to Microsoft
    Graph (and, when named, AD, SharePoint, a folder), skipping users
    already in sync.

    .DESCRIPTION
    Permissions: Microsoft Graph application permissions
    ProfilePhoto.ReadWrite.All (or User.ReadWrite.All) to write photos and
    User.Read.All to find users. -Target ad needs the right to write
    thumbnailPhoto on the user objects (delegate "Write thumbnailPhoto"
    on the OU). -Target sharepoint needs the SharePoint application
    permissions User.ReadWrite.All and Sites.FullControl.All with a
    certificate or managed identity (SharePoint refuses client secrets).

    Users come from the pipeline (Get-ADUser, Import-Csv,
    ConvertFrom-Json, Get-ChildItem, Get-PhotoSyncStatus), from -Identity,
    from the key parameters, or from AD with -LdapFilter. Pipeline objects
    bind by property name: ObjectGUID, UserPrincipalName, SamAccountName,
    Mail (or EmailAddress), EmployeeId, ThumbnailPhoto, PhotoPath and
    InputPhoto; any of them may be missing, and each object keeps only its
    own values. With -Source input (the default) the photo is the
    object's ThumbnailPhoto or PhotoPath (or the InputPhoto a
    Get-PhotoSyncStatus object carries); -Source ad reads it from AD,
    -Source graph or sharepoint from that store, -Source folder:DIR[:RULE]
    from a folder.

    -WhatIf runs the same plan as a dry run: every user is checked and
    the results say 'would-update' or 'skipped'; nothing is written, not
    even the -State file. -Confirm first runs that dry run and asks once
    per user that would be written, naming the targets; users already in
    sync are not asked about, and users you decline are not written.
    -Force only suppresses confirmation; -Overwrite writes even when the
    target already holds the same picture. A target whose picture is
    judged the same only narrowly, or is under 72 px where PhotoSync
    would write a larger one, is written anyway (Reason probably-same):
    that is where a recoloured photo of the same person can lie, and a
    rewrite costs one write.

    One photosync process serves the whole pipeline; a
    PhotoSync.SyncResult (flat columns Target, Action, Reason, ErrorCode,
    ErrorMessage for Export-Csv) is written per user and target as soon
    as it is done. Each failed user and target gives one non-terminating
    error with ErrorId PhotoSync.<code>, the input object as TargetObject
    and the next step in ErrorDetails.RecommendedAction; the other users
    go on. A failure of the run itself (missing binary, bad settings, a
    credential that stops working for the whole run, such as an expired
    -AccessToken) stops the command; the users done so far keep their
    results. Stopping early (Select-Object -First, Ctrl+C) lets the
    users in flight finish and record their writes.

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
    The pre-Windows 2000 logon name; with -Target ad the user is found by
    it.

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
    bytes, or base64 text (line breaks allowed); used with -Source input.

    .PARAMETER PhotoPath
    A photo file for the user (a CSV column), used with -Source input: a
    PowerShell path, relative to the current location, ~/..., or on a
    PSDrive. From Get-ChildItem, rename FullName:
    Select-Object @{n='PhotoPath';e={$_.FullName}}.

    .PARAMETER InputPhoto
    The input photo a Get-PhotoSyncStatus object carries (bound from its
    InputPhoto property), used when the object has no ThumbnailPhoto or
    PhotoPath of its own. Re-imported from a CSV it is text: a path is
    used as PhotoPath; the text of a piped photo ('thumbnailPhoto (N
    bytes)') has lost its bytes and fails that user.

    .PARAMETER Source
    Where the authoritative photo comes from: input (ThumbnailPhoto or
    PhotoPath on the pipeline objects, the default), ad, graph,
    sharepoint, or folder:DIR[:RULE]. With -LdapFilter the default is ad.
    A status finding's hint names the source its reference picture
    came from.

    .PARAMETER Target
    Where to write: graph (the default), ad, sharepoint,
    folder:DIR[:RULE]. ad and sharepoint are written only when named
    here. Results name each target as given here.

    .PARAMETER LdapFilter
    Read the users from AD with this LDAP filter instead of the pipeline
    (needs Connect-PhotoSync -LdapServer or PHOTOSYNC_LDAP_URL); implies
    -Source ad, since such users carry no photo of their own.

    .PARAMETER State
    A state file remembering what was written, so re-runs skip unchanged
    users without reading the targets. Neither read nor written under
    -WhatIf.

    .PARAMETER Recheck
    With -State: read every target again, even for users the state says
    are verified.

    .PARAMETER RecheckAfter
    With -State: check a verified user again once its entry is this old
    (a number with a unit: 90s, 30m, 12h, 7d, 2w; default 7d).

    .PARAMETER VerifyWindow
    Seconds to keep re-reading a written photo until the service shows it
    (default 60); after that the write is 'updated' with Verified $false.

    .PARAMETER AllowCloudOnlyMatch
    Let a record that carries an ObjectGUID match a cloud-only account (one
    without onPremisesImmutableId) by UPN or mail. Off by default, because
    that is exactly how a reused UPN looks; turn it on only for cloud-only
    accounts your HR export keys by GUID (docs/cli.md, Identity).

    .PARAMETER RequireVerified
    Count a write that does not show within -VerifyWindow as failed.

    .PARAMETER OnlyMissing
    Write only where a target has no photo or a placeholder (a nearly
    uniform picture): "set it only if none exists". A target holding
    somebody's photo is skipped (Reason target-has-photo). Cannot be
    combined with -Overwrite.

    .PARAMETER DefaultPhoto
    A picture (a PowerShell path) for users whose source has none:
    guests, service accounts, rooms. It only fills a target with no
    photo or a placeholder (Reason default-photo), never replaces
    somebody's photo, even with -Overwrite.

    .PARAMETER KeepOutsideChanges
    With -State: leave alone a target someone changed (in Teams,
    Outlook, the admin center) since PhotoSync's verified write while
    the source stayed the same (skipped, Reason
    changed-outside-photosync). Without it such a target gets the
    source's picture back (Reason replaced-outside-change).

    .PARAMETER Shard
    Process only shard K of N ('K/N', 1 <= K <= N), split by objectGUID
    (else UPN): N runs with 1/N .. N/N together process every user
    exactly once. Each shard keeps its own -State file.

    .PARAMETER Concurrency
    How many users photosync works on at once (1-256, default 16; alias
    ThrottleLimit).

    .PARAMETER Force
    Do not ask for confirmation (like -Confirm:$false). It does not
    rewrite photos that are already in sync; that is -Overwrite.

    .PARAMETER Overwrite
    Write every photo even when the target already holds the same
    picture: a tenant-wide rewrite when piped all users. A source photo
    that is itself a placeholder (nearly uniform: a blank, a grey
    silhouette) still never replaces somebody's photo (Reason
    placeholder-source).

    .PARAMETER Connection
    The connection to use (Connect-PhotoSync -PassThru); by default the
    session's.

    .EXAMPLE
    Get-ADUser -Filter * -Properties thumbnailPhoto, mail |
        Sync-UserPhoto -WhatIf

    The Get-ADUser style: shows which cloud photos would change to the AD
    photo, and writes nothing. Run again without -WhatIf to write them.

    .EXAMPLE
    Import-Csv .\photos.csv | Sync-UserPhoto -Confirm

    The CSV style: photos.csv has the columns UserPrincipalName and
    PhotoPath; asks before each user whose photo would change.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    Get-ADUser -Filter 'Enabled -eq $true' -Properties thumbnailPhoto |
        Sync-UserPhoto -State C:\PhotoSync\state.jsonl

    The runbook style (Hybrid Runbook Worker): the Automation account's
    managed identity, AD photos pushed to the cloud, unchanged users
    skipped quickly on the next run.

    .EXAMPLE
    Import-Csv C:\PhotoSync\staff.csv |
        Sync-UserPhoto -Shard 2/4 -State C:\PhotoSync\state-2.jsonl `
            -ThrottleLimit 8

    One of four runbook jobs splitting 100,000 users: each takes its
    quarter of the same CSV.

    .EXAMPLE
    Import-Csv .\guests.csv |
        Sync-UserPhoto -OnlyMissing -DefaultPhoto .\logo.png

    Guests and service accounts: fill only empty or placeholder photos,
    with the company logo where the CSV gives no photo.

    .EXAMPLE
    Get-ChildItem \\fileserver\photos\*.jpg |
        Select-Object @{ n = 'PhotoPath'; e = { $_.FullName } },
            @{ n = 'SamAccountName'; e = { $_.BaseName } } |
        Sync-UserPhoto -Target graph, ad

    Photos named after sAMAccountName pushed to the cloud and AD.

    .INPUTS
    System.String: a user for -Identity.

    System.Management.Automation.PSObject: any object with one or more
    of the properties ObjectGUID, UserPrincipalName, SamAccountName,
    Mail, EmailAddress, EmployeeId, ThumbnailPhoto, PhotoPath, InputPhoto
    (Get-ADUser, Import-Csv, ConvertFrom-Json, PhotoSync output).

    .OUTPUTS
    PhotoSync.SyncResult

    .LINK
    about_PhotoSync

    .LINK
    Get-PhotoSyncStatus
    #>
    [CmdletBinding(DefaultParameterSetName = 'Pipeline', SupportsShouldProcess, ConfirmImpact = 'Medium',
        HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#photosyncsyncresult-from-sync-userphoto')]
    [OutputType('PhotoSync.SyncResult')]
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

        [Parameter(ParameterSetName = 'Pipeline', ValueFromPipelineByPropertyName)]
        [object]$InputPhoto,

        [Parameter(ParameterSetName = 'LdapFilter', Mandatory)]
        [ValidateNotNullOrEmpty()]
        [string]$LdapFilter,

        [ValidateNotNullOrEmpty()]
        [string]$Source = 'input',

        [ValidateNotNullOrEmpty()]
        [string[]]$Target = @('graph'),

        [ValidateNotNullOrEmpty()]
        [string]$State,

        [switch]$Recheck,

        [ValidatePattern('^\s*\d+\s*[smhdwSMHDW]?\s*$')]
        [string]$RecheckAfter,

        [ValidateRange(0, 86400)]
        [int]$VerifyWindow = 60,

        [switch]$RequireVerified,

        [switch]$AllowCloudOnlyMatch,

        [switch]$OnlyMissing,

        [ValidateNotNullOrEmpty()]
        [string]$DefaultPhoto,

        [switch]$KeepOutsideChanges,

        [ValidatePattern('^\s*\d+\s*/\s*\d+\s*$')]
        [string]$Shard,

        [ValidateRange(1, 256)]
        [Alias('ThrottleLimit')]
        [int]$Concurrency = 16,

        [switch]$Force,

        [switch]$Overwrite,

        [PSTypeName('PhotoSync.Connection')]
        [psobject]$Connection
    )

    begin {
        $core = $null
        if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) {
            $ConfirmPreference = 'None'
        }
        # -WhatIf is a dry run whose results say what would change (no "What if:" line per user,
        # nothing on disk). -Confirm is a dry run first, then a real run of the users confirmed.
        $dryRun = [bool]$WhatIfPreference
        $confirming = (-not $dryRun) -and $ConfirmPreference -ne 'None' -and
        ([int][System.Management.Automation.ConfirmImpact]$ConfirmPreference -le [int][System.Management.Automation.ConfirmImpact]::Medium)
        $connection = Resolve-PhotoSyncConnection -Connection $Connection
        if ($KeepOutsideChanges -and -not $State) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message '-KeepOutsideChanges needs -State: only the state file knows which picture PhotoSync wrote last.' `
                        -Hint 'Add -State with the file of earlier runs (e.g. -State C:\PhotoSync\state.jsonl), or leave out -KeepOutsideChanges.'))
        }
        if ($OnlyMissing -and $Overwrite) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message '-OnlyMissing and -Overwrite contradict each other: one never replaces a photo, the other always does.' `
                        -Hint 'Use -OnlyMissing to fill only empty or placeholder photos, or -Overwrite to rewrite every photo.'))
        }
        if ($PSBoundParameters.ContainsKey('LdapFilter') -and -not $PSBoundParameters.ContainsKey('Source')) {
            $Source = 'ad'
        }
        $coreSource = (Resolve-PhotoSyncStoreList -Cmdlet $PSCmdlet -Name 'Source' -List @($Source)).CoreSpecs -join ','
        $targets = Resolve-PhotoSyncStoreList -Cmdlet $PSCmdlet -Name 'Target' -List $Target
        $coreTargets = $targets.CoreSpecs
        $arguments = @('sync', '--format', 'json', '--source', $coreSource, '--targets', ($coreTargets -join ','), '--concurrency', [string]$Concurrency)
        if ($State -and -not $dryRun) {
            $arguments += @('--state', (Resolve-PhotoSyncSettingPath -Cmdlet $PSCmdlet -Name 'State' -Path $State))
            # The core needs the state for it; a dry run reads no state, so it has nothing to keep.
            if ($KeepOutsideChanges) { $arguments += '--keep-outside-changes' }
        }
        if ($OnlyMissing) { $arguments += '--only-missing' }
        if ($DefaultPhoto) { $arguments += @('--default-photo', (Resolve-PhotoSyncSettingPath -Cmdlet $PSCmdlet -Name 'DefaultPhoto' -Path $DefaultPhoto)) }
        if ($Overwrite) { $arguments += '--force' }
        if ($Recheck) { $arguments += '--recheck' }
        if ($RecheckAfter) { $arguments += @('--recheck-after', ($RecheckAfter -replace '\s', '').ToLowerInvariant()) }
        if ($PSBoundParameters.ContainsKey('VerifyWindow')) { $arguments += @('--verify-window', [string]$VerifyWindow) }
        if ($RequireVerified) { $arguments += '--require-verified' }
        if ($AllowCloudOnlyMatch) { $arguments += '--allow-cloud-only-match' }
        if ($Shard) { $arguments += @('--shard', ($Shard -replace '\s', '')) }
        if ($dryRun) { $arguments += '--dry-run' }

        $keysGiven = $false
        foreach ($name in 'ObjectGUID', 'UserPrincipalName', 'SamAccountName', 'Mail', 'EmployeeId') { if ($PSBoundParameters.ContainsKey($name)) { $keysGiven = $true } }
        $realArguments = $arguments + @('--input', '-')
        if ($PSBoundParameters.ContainsKey('LdapFilter')) {
            $arguments += @('--ad-filter', $LdapFilter)
        }
        elseif (-not $MyInvocation.ExpectingInput -and -not $PSBoundParameters.ContainsKey('Identity') -and -not $keysGiven) {
            $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'no-input' -Message 'No users to sync.' `
                        -Hint 'Pipe users in (Get-ADUser, Import-Csv), or use -Identity, -UserPrincipalName or -LdapFilter.'))
        }
        else {
            $arguments += @('--input', '-')
        }
        # Users sent ahead of their results; none for a shard, whose other users never come back.
        $window = if ($Shard) { 0 } else { [Math]::Max(64, 8 * $Concurrency) }
        if ($confirming) {
            $core = Start-PhotoSyncCore -Cmdlet $PSCmdlet -ArgumentList ($arguments + '--dry-run') -Connection $connection `
                -Activity 'PhotoSync: checking which photos would change' -RecordsPerUser $coreTargets.Count -Specs $targets.Specs -Kind 'sync' -Window $window -Sharded:([bool]$Shard)
            if ($core) { $core.Confirm = @{ Real = $null; Arguments = $realArguments; Connection = $connection } }
        }
        else {
            $core = Start-PhotoSyncCore -Cmdlet $PSCmdlet -ArgumentList $arguments -Connection $connection `
                -Activity 'PhotoSync: syncing photos' -RecordsPerUser $coreTargets.Count -Specs $targets.Specs -Kind 'sync' -Window $window -Sharded:([bool]$Shard)
        }
    }

    process {
        if ($null -eq $core -or $PSCmdlet.ParameterSetName -eq 'LdapFilter') { return }
        $stopping = $true
        try {
            $fromDictionary = $null
            if ($_ -is [System.Collections.IDictionary]) { $fromDictionary = ConvertFrom-PhotoSyncDictionary -Dictionary $_ }
            if ($PSCmdlet.ParameterSetName -eq 'Identity' -and -not $fromDictionary) {
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
                # $PSBoundParameters when this one lacks the property (a user without
                # thumbnailPhoto was written with the previous user's picture). A hashtable binds
                # no property: its keys count as a [pscustomobject]'s would.
                $v = $fromDictionary
                if (-not $v) {
                    $v = @{ ObjectGUID = $ObjectGUID; UserPrincipalName = $UserPrincipalName; SamAccountName = $SamAccountName
                        Mail = $Mail; EmployeeId = $EmployeeId; ThumbnailPhoto = $ThumbnailPhoto; PhotoPath = $PhotoPath; InputPhoto = $InputPhoto
                        ConsistencyGuid = $ConsistencyGuid }
                }
                $photo = $v.ThumbnailPhoto
                $path = $v.PhotoPath
                if ($null -eq $photo -and -not $path -and $v.InputPhoto) {
                    $label = @($v.UserPrincipalName, $v.Mail, $v.SamAccountName, $v.ObjectGUID, $v.EmployeeId) | Where-Object { $_ } | Select-Object -First 1
                    $piped = Resolve-PhotoSyncInputPhoto -Cmdlet $PSCmdlet -InputPhoto $v.InputPhoto -InputObject $_ -Label $label
                    if ($null -eq $piped) { $stopping = $false; return }
                    $photo = $piped.Photo
                    $path = $piped.Path
                }
                Add-PhotoSyncCoreUser $core $v.ObjectGUID $v.UserPrincipalName $v.SamAccountName $v.Mail $v.EmployeeId $photo $path $_ $v.ConsistencyGuid
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
                Write-Verbose 'PhotoSync: no users to sync.'
                return
            }
            Complete-PhotoSyncCore -Core $core
        }
        finally {
            Stop-PhotoSyncCore -Core $core
        }
    }
}
