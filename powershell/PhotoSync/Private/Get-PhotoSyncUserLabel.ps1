# The one-word name shown for a user of a record: UPN, else mail, else sAMAccountName, else
# objectGUID, else employee id.

function Get-PhotoSyncUserLabel($User) {
    if ($null -eq $User) { return $null }
    if ($User.userPrincipalName) { return [string]$User.userPrincipalName }
    if ($User.mail) { return [string]$User.mail }
    if ($User.samAccountName) { return [string]$User.samAccountName }
    if ($User.objectGuid) { return [string]$User.objectGuid }
    if ($User.employeeId) { return [string]$User.employeeId }
    return $null
}
