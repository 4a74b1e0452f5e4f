# One tenant photo policy (now, or before a change) as a PhotoSync.PolicySetting: the record's
# fields, typed, always all of them.

function ConvertTo-PhotoSyncPolicySetting($Setting) {
    [pscustomobject]@{
        PSTypeName             = 'PhotoSync.PolicySetting'
        Source                 = [string]$Setting.source
        AllowedRoles           = [string[]]@(foreach ($role in $Setting.allowedRoles) { $role })
        CloudPhotoChanges      = [bool]$Setting.cloudPhotoChanges
        UsersCanChangeOwnPhoto = [bool]$Setting.usersCanChangeOwnPhoto
        Effect                 = [string]$Setting.effect
    }
}
