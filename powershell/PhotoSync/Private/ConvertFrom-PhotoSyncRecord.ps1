# Turns the core's JSON records (src/schema.rs) into PowerShell objects: typed output objects
# for `status` and `result`, ErrorRecords with stable ids for `error`. Property names are
# PascalCase so results pipe straight back into Sync-UserPhoto (binding by property name).

function Get-PhotoSyncField {
    # Optional JSON fields may be absent; reading them through PSObject.Properties keeps this
    # working under Set-StrictMode.
    [CmdletBinding()]
    param(
        [AllowNull()]
        [object]$Object,

        [Parameter(Mandatory)]
        [string]$Name
    )

    if ($null -eq $Object) { return $null }
    $property = $Object.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return $property.Value
}

function Get-PhotoSyncUserLabel {
    # The one-word name shown for a user: UPN, else mail, else sAMAccountName, else objectGUID.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()]
        [object]$User
    )

    foreach ($name in 'userPrincipalName', 'mail', 'samAccountName', 'objectGuid', 'employeeId') {
        $value = Get-PhotoSyncField -Object $User -Name $name
        if ($value) { return [string]$value }
    }
    return $null
}

function ConvertTo-PhotoSyncPhotoInfo {
    [CmdletBinding()]
    param(
        [AllowNull()]
        [object]$Photo
    )

    if ($null -eq $Photo) { return $null }
    return [pscustomobject]@{
        PSTypeName = 'PhotoSync.PhotoInfo'
        Format     = Get-PhotoSyncField -Object $Photo -Name 'format'
        Width      = Get-PhotoSyncField -Object $Photo -Name 'width'
        Height     = Get-PhotoSyncField -Object $Photo -Name 'height'
        Bytes      = Get-PhotoSyncField -Object $Photo -Name 'bytes'
        Sha256     = Get-PhotoSyncField -Object $Photo -Name 'sha256'
        PHash      = Get-PhotoSyncField -Object $Photo -Name 'phash'
    }
}

function ConvertTo-PhotoSyncErrorInfo {
    [CmdletBinding()]
    param(
        [AllowNull()]
        [object]$ErrorInfo
    )

    if ($null -eq $ErrorInfo) { return $null }
    return [pscustomobject]@{
        PSTypeName = 'PhotoSync.ErrorInfo'
        Code       = Get-PhotoSyncField -Object $ErrorInfo -Name 'code'
        Message    = Get-PhotoSyncField -Object $ErrorInfo -Name 'message'
        Hint       = Get-PhotoSyncField -Object $ErrorInfo -Name 'hint'
    }
}

function Add-PhotoSyncUserKey {
    # Copies the echoed identity keys onto an output object under the parameter names.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [System.Collections.Specialized.OrderedDictionary]$Target,

        [AllowNull()]
        [object]$User
    )

    $Target['User'] = Get-PhotoSyncUserLabel -User $User
    $Target['UserPrincipalName'] = Get-PhotoSyncField -Object $User -Name 'userPrincipalName'
    $Target['ObjectGUID'] = Get-PhotoSyncField -Object $User -Name 'objectGuid'
    $Target['SamAccountName'] = Get-PhotoSyncField -Object $User -Name 'samAccountName'
    $Target['Mail'] = Get-PhotoSyncField -Object $User -Name 'mail'
    $Target['EmployeeId'] = Get-PhotoSyncField -Object $User -Name 'employeeId'
}

function New-PhotoSyncTypedObject {
    # Built through New-Object and TypeNames.Insert because a PSTypeName key in a dictionary held
    # in a variable (not a literal) is not honoured the same way by every PowerShell version.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string]$TypeName,

        [Parameter(Mandatory)]
        [System.Collections.IDictionary]$Property
    )

    $object = New-Object -TypeName psobject -Property $Property
    $object.PSObject.TypeNames.Insert(0, $TypeName)
    return $object
}

function ConvertTo-PhotoSyncUserPhotoStatus {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [object]$Record
    )

    $properties = [ordered]@{}
    Add-PhotoSyncUserKey -Target $properties -User (Get-PhotoSyncField -Object $Record -Name 'user')
    $properties['Verdict'] = Get-PhotoSyncField -Object $Record -Name 'verdict'
    $properties['Reference'] = Get-PhotoSyncField -Object $Record -Name 'reference'

    $stores = @()
    foreach ($store in @(Get-PhotoSyncField -Object $Record -Name 'stores')) {
        if ($null -eq $store) { continue }
        $stores += [pscustomobject]@{
            PSTypeName       = 'PhotoSync.StoreStatus'
            Store            = Get-PhotoSyncField -Object $store -Name 'store'
            State            = Get-PhotoSyncField -Object $store -Name 'state'
            MatchesReference = Get-PhotoSyncField -Object $store -Name 'matchesReference'
            Distance         = Get-PhotoSyncField -Object $store -Name 'distance'
            Photo            = ConvertTo-PhotoSyncPhotoInfo -Photo (Get-PhotoSyncField -Object $store -Name 'photo')
            Details          = Get-PhotoSyncField -Object $store -Name 'details'
            Error            = ConvertTo-PhotoSyncErrorInfo -ErrorInfo (Get-PhotoSyncField -Object $store -Name 'error')
        }
    }
    $properties['Stores'] = $stores

    $findings = @()
    foreach ($finding in @(Get-PhotoSyncField -Object $Record -Name 'findings')) {
        if ($null -eq $finding) { continue }
        $findings += [pscustomobject]@{
            PSTypeName = 'PhotoSync.Finding'
            Code       = Get-PhotoSyncField -Object $finding -Name 'code'
            Severity   = Get-PhotoSyncField -Object $finding -Name 'severity'
            Store      = Get-PhotoSyncField -Object $finding -Name 'store'
            Message    = Get-PhotoSyncField -Object $finding -Name 'message'
            Hint       = Get-PhotoSyncField -Object $finding -Name 'hint'
        }
    }
    $properties['Findings'] = $findings
    return New-PhotoSyncTypedObject -TypeName 'PhotoSync.UserPhotoStatus' -Property $properties
}

function ConvertTo-PhotoSyncSyncResult {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [object]$Record
    )

    $properties = [ordered]@{}
    Add-PhotoSyncUserKey -Target $properties -User (Get-PhotoSyncField -Object $Record -Name 'user')
    $properties['Target'] = Get-PhotoSyncField -Object $Record -Name 'target'
    $properties['Action'] = Get-PhotoSyncField -Object $Record -Name 'action'
    $properties['Reason'] = Get-PhotoSyncField -Object $Record -Name 'reason'
    $properties['Verified'] = Get-PhotoSyncField -Object $Record -Name 'verified'
    $properties['Photo'] = ConvertTo-PhotoSyncPhotoInfo -Photo (Get-PhotoSyncField -Object $Record -Name 'photo')
    $properties['Error'] = ConvertTo-PhotoSyncErrorInfo -ErrorInfo (Get-PhotoSyncField -Object $Record -Name 'error')
    return New-PhotoSyncTypedObject -TypeName 'PhotoSync.SyncResult' -Property $properties
}

function Get-PhotoSyncErrorCategory {
    # Stable mapping from the core's error codes (src/schema.rs ErrorCode) to PowerShell categories.
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorCategory])]
    param(
        [AllowNull()]
        [string]$Code
    )

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
        'credential-not-supported' { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
        'no-mailbox' { return [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
    }
    return [System.Management.Automation.ErrorCategory]::NotSpecified
}

function New-PhotoSyncErrorRecord {
    <#
    .SYNOPSIS
    An ErrorRecord with ErrorId 'PhotoSync.<code>', the input object as TargetObject and the
    core's hint as RecommendedAction.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        [AllowNull()]
        [string]$Code,

        [Parameter(Mandatory)]
        [string]$Message,

        [AllowNull()]
        [string]$Hint,

        [AllowNull()]
        [object]$TargetObject,

        [AllowNull()]
        [string]$UserLabel
    )

    if (-not $Code) { $Code = 'unknown' }
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
