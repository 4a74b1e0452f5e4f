# Turns the core's JSON records (src/schema.rs) into PowerShell objects: typed output objects
# for `status` and `result`, ErrorRecords with stable ids for `error`. Property names are
# PascalCase so results pipe straight back into Sync-UserPhoto (binding by property name), and
# the flat ones (Verdict, ErrorCode, GraphState, ...) make Export-Csv reports readable.
# Plain functions (no [CmdletBinding()]): they run for every record, and a cmdlet binder per
# call costs minutes at 100,000 users on Windows PowerShell 5.1. The module runs with strict
# mode off (PhotoSync.psm1), so an absent JSON field reads as $null.

function Get-PhotoSyncUserLabel($User) {
    # The one-word name shown for a user: UPN, else mail, else sAMAccountName, else objectGUID.
    if ($null -eq $User) { return $null }
    if ($User.userPrincipalName) { return [string]$User.userPrincipalName }
    if ($User.mail) { return [string]$User.mail }
    if ($User.samAccountName) { return [string]$User.samAccountName }
    if ($User.objectGuid) { return [string]$User.objectGuid }
    if ($User.employeeId) { return [string]$User.employeeId }
    return $null
}

function Get-PhotoSyncUserKeyList($User) {
    # Lookup keys for one user, from the JSON contract's camelCase names (compared ignoring case).
    if ($null -eq $User) { return @() }
    $keys = @()
    if ($User.objectGuid) { $keys += 'objectGuid:' + $User.objectGuid }
    if ($User.userPrincipalName) { $keys += 'userPrincipalName:' + $User.userPrincipalName }
    if ($User.samAccountName) { $keys += 'samAccountName:' + $User.samAccountName }
    if ($User.mail) { $keys += 'mail:' + $User.mail }
    if ($User.employeeId) { $keys += 'employeeId:' + $User.employeeId }
    return $keys
}

function ConvertTo-PhotoSyncPhotoInfo($Photo) {
    if ($null -eq $Photo) { return $null }
    return [pscustomobject]@{
        PSTypeName = 'PhotoSync.PhotoInfo'
        Format     = $Photo.format
        Width      = $Photo.width
        Height     = $Photo.height
        Bytes      = $Photo.bytes
        Sha256     = $Photo.sha256
        PHash      = $Photo.phash
        Signature  = $Photo.signature
    }
}

function ConvertTo-PhotoSyncErrorInfo($ErrorInfo) {
    if ($null -eq $ErrorInfo) { return $null }
    return [pscustomobject]@{
        PSTypeName = 'PhotoSync.ErrorInfo'
        Code       = $ErrorInfo.code
        Message    = $ErrorInfo.message
        Hint       = $ErrorInfo.hint
    }
}

function New-PhotoSyncUserProperty($User) {
    # The echoed identity keys under the parameter names, first in every output object.
    $properties = [ordered]@{}
    $properties['User'] = Get-PhotoSyncUserLabel -User $User
    $properties['UserPrincipalName'] = $User.userPrincipalName
    $properties['ObjectGUID'] = $User.objectGuid
    $properties['SamAccountName'] = $User.samAccountName
    $properties['Mail'] = $User.mail
    $properties['EmployeeId'] = $User.employeeId
    return $properties
}

function Get-PhotoSyncStoreColumn([string]$Store) {
    # The flat column of a store's state: graph -> GraphState, folder:C:\x -> FolderState.
    $kind = ($Store -split ':', 2)[0]
    switch ($kind) {
        'ad' { return 'AdState' }
        'graph' { return 'GraphState' }
        'sharepoint' { return 'SharePointState' }
        'folder' { return 'FolderState' }
        'input' { return 'InputState' }
    }
    if (-not $kind) { return 'StoreState' }
    return $kind.Substring(0, 1).ToUpperInvariant() + $kind.Substring(1) + 'State'
}

function New-PhotoSyncTypedObject([string]$TypeName, [System.Collections.IDictionary]$Property) {
    # TypeNames.Insert because a PSTypeName key in a dictionary held in a variable (not a
    # literal) is not honoured the same way by every PowerShell version.
    $object = New-Object -TypeName psobject -Property $Property
    $object.PSObject.TypeNames.Insert(0, $TypeName)
    return $object
}

function ConvertTo-PhotoSyncUserPhotoStatus($Record) {
    $properties = New-PhotoSyncUserProperty -User $Record.user
    $properties['Verdict'] = $Record.verdict
    $properties['Reference'] = $Record.reference
    $errorCode = $null
    $stores = @()
    foreach ($store in @($Record.stores)) {
        if ($null -eq $store) { continue }
        $column = Get-PhotoSyncStoreColumn -Store ([string]$store.store)
        if (-not $properties.Contains($column)) { $properties[$column] = $store.state }
        if (-not $errorCode -and $store.error) { $errorCode = $store.error.code }
        $stores += [pscustomobject]@{
            PSTypeName       = 'PhotoSync.StoreStatus'
            Store            = $store.store
            State            = $store.state
            MatchesReference = $store.matchesReference
            Distance         = $store.distance
            Photo            = ConvertTo-PhotoSyncPhotoInfo -Photo $store.photo
            Details          = $store.details
            Error            = ConvertTo-PhotoSyncErrorInfo -ErrorInfo $store.error
        }
    }
    $findings = @()
    $codes = @()
    foreach ($finding in @($Record.findings)) {
        if ($null -eq $finding) { continue }
        $codes += [string]$finding.code
        $findings += [pscustomobject]@{
            PSTypeName = 'PhotoSync.Finding'
            Code       = $finding.code
            Severity   = $finding.severity
            Store      = $finding.store
            Message    = $finding.message
            Hint       = $finding.hint
        }
    }
    $properties['ErrorCode'] = $errorCode
    $properties['FindingCodes'] = $codes -join ';'
    $properties['Stores'] = $stores
    $properties['Findings'] = $findings
    return New-PhotoSyncTypedObject -TypeName 'PhotoSync.UserPhotoStatus' -Property $properties
}

function ConvertTo-PhotoSyncSyncResult($Record) {
    $properties = New-PhotoSyncUserProperty -User $Record.user
    $properties['Target'] = $Record.target
    $properties['Action'] = $Record.action
    $properties['Reason'] = $Record.reason
    $properties['Verified'] = $Record.verified
    $properties['ErrorCode'] = $null
    $properties['ErrorMessage'] = $null
    if ($Record.error) {
        $properties['ErrorCode'] = $Record.error.code
        $properties['ErrorMessage'] = $Record.error.message
    }
    $properties['Photo'] = ConvertTo-PhotoSyncPhotoInfo -Photo $Record.photo
    $properties['Error'] = ConvertTo-PhotoSyncErrorInfo -ErrorInfo $Record.error
    return New-PhotoSyncTypedObject -TypeName 'PhotoSync.SyncResult' -Property $properties
}

function Get-PhotoSyncErrorCategory([string]$Code) {
    # Stable mapping from the core's error codes (src/schema.rs ErrorCode) to PowerShell categories.
    switch ($Code) {
        'config' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'not-available' { return [System.Management.Automation.ErrorCategory]::NotImplemented }
        'bad-input-line' { return [System.Management.Automation.ErrorCategory]::InvalidData }
        'bad-csv-row' { return [System.Management.Automation.ErrorCategory]::InvalidData }
        'no-identity' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'duplicate-user' { return [System.Management.Automation.ErrorCategory]::InvalidOperation }
        'photo-unreadable' { return [System.Management.Automation.ErrorCategory]::InvalidData }
        'photo-unsupported-format' { return [System.Management.Automation.ErrorCategory]::InvalidType }
        'photo-too-large' { return [System.Management.Automation.ErrorCategory]::LimitsExceeded }
        'photo-file-unreadable' { return [System.Management.Automation.ErrorCategory]::ReadError }
        'user-not-found' { return [System.Management.Automation.ErrorCategory]::ObjectNotFound }
        'auth-failed' { return [System.Management.Automation.ErrorCategory]::AuthenticationError }
        'permission-denied' { return [System.Management.Automation.ErrorCategory]::PermissionDenied }
        'blocked-by-policy' { return [System.Management.Automation.ErrorCategory]::SecurityError }
        'throttled' { return [System.Management.Automation.ErrorCategory]::LimitsExceeded }
        'transient' { return [System.Management.Automation.ErrorCategory]::ConnectionError }
        'store-rejected' { return [System.Management.Automation.ErrorCategory]::WriteError }
        'verify-failed' { return [System.Management.Automation.ErrorCategory]::WriteError }
        'identity-mismatch' { return [System.Management.Automation.ErrorCategory]::InvalidResult }
        'sharepoint-profile-write-denied' { return [System.Management.Automation.ErrorCategory]::PermissionDenied }
        'credential-not-supported' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'no-mailbox' { return [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
        'cloud-sandbox' { return [System.Management.Automation.ErrorCategory]::NotImplemented }
        'binary-missing' { return [System.Management.Automation.ErrorCategory]::ObjectNotFound }
    }
    return [System.Management.Automation.ErrorCategory]::NotSpecified
}

function New-PhotoSyncErrorRecord([string]$Code, [string]$Message, [string]$Hint, [object]$TargetObject, [string]$UserLabel) {
    # An ErrorRecord with ErrorId 'PhotoSync.<code>', the input object as TargetObject and the
    # core's hint as RecommendedAction. The message may be empty (the core sends what it has).
    if (-not $Code) { $Code = 'unknown' }
    if (-not $Message) { $Message = "photosync reported '$Code' without a message." }
    $text = if ($UserLabel) { "${UserLabel}: $Message" } else { $Message }
    $exception = switch ($Code) {
        'user-not-found' { New-Object -TypeName System.Management.Automation.ItemNotFoundException -ArgumentList $text; break }
        'auth-failed' { New-Object -TypeName System.UnauthorizedAccessException -ArgumentList $text; break }
        'permission-denied' { New-Object -TypeName System.UnauthorizedAccessException -ArgumentList $text; break }
        'blocked-by-policy' { New-Object -TypeName System.UnauthorizedAccessException -ArgumentList $text; break }
        'throttled' { New-Object -TypeName System.TimeoutException -ArgumentList $text; break }
        'transient' { New-Object -TypeName System.TimeoutException -ArgumentList $text; break }
        default {
            if ($Code -like 'photo-*' -or $Code -like 'bad-*') { New-Object -TypeName System.IO.InvalidDataException -ArgumentList $text }
            else { New-Object -TypeName System.InvalidOperationException -ArgumentList $text }
        }
    }
    $category = Get-PhotoSyncErrorCategory -Code $Code
    # ::new rather than New-Object: New-Object would unroll a collection given as TargetObject.
    $errorRecord = [System.Management.Automation.ErrorRecord]::new($exception, "PhotoSync.$Code", $category, $TargetObject)
    $details = [System.Management.Automation.ErrorDetails]::new($text)
    if ($Hint) { $details.RecommendedAction = $Hint }
    $errorRecord.ErrorDetails = $details
    return $errorRecord
}
