# A `result` record as a PhotoSync.SyncResult, with the same properties for every object:
# the input keys, Target (as given to -Target, so two folders are told apart), Action, Reason,
# Verified, flat ErrorCode and ErrorMessage for Export-Csv, and the nested Photo and Error, which
# read as one short line in a CSV (no signature blob).

function ConvertTo-PhotoSyncSyncResult($Record, [string]$Target) {
    $user = $Record.user
    $errorInfo = $null
    if ($Record.error) {
        $errorInfo = [pscustomobject]@{ PSTypeName = 'PhotoSync.ErrorInfo'; Code = $Record.error.code; Message = $Record.error.message; Hint = (ConvertTo-PhotoSyncModuleHint -Text $Record.error.hint) }
    }
    return [pscustomobject]@{
        PSTypeName        = 'PhotoSync.SyncResult'
        User              = Get-PhotoSyncUserLabel -User $user
        UserPrincipalName = $user.userPrincipalName
        ObjectGUID        = $user.objectGuid
        SamAccountName    = $user.samAccountName
        Mail              = $user.mail
        EmployeeId        = $user.employeeId
        Target            = $Target
        Action            = $Record.action
        Reason            = $Record.reason
        Verified          = $Record.verified
        ErrorCode         = if ($errorInfo) { $errorInfo.Code } else { $null }
        ErrorMessage      = if ($errorInfo) { $errorInfo.Message } else { $null }
        Photo             = if ($Record.photo) { ConvertTo-PhotoSyncPhotoInfo -Photo $Record.photo } else { $null }
        Error             = $errorInfo
    }
}
