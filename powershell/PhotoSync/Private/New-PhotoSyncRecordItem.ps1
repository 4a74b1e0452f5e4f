# Under -Confirm with -LdapFilter, the users come from AD, not the pipeline: the first record of
# a user makes an item of its echoed keys, so its results can be held, and a confirmed user can
# be sent to the real run by those keys (it reads the photo from AD again).

function New-PhotoSyncRecordItem($Core, $User) {
    if ($null -eq $User) { return $null }
    $keys = [System.Collections.Generic.List[string]]::new()
    foreach ($name in 'userPrincipalName', 'objectGuid', 'samAccountName', 'mail', 'employeeId') {
        if ($User.$name) { $keys.Add($name + ':' + $User.$name) }
    }
    $item = @{
        Keys = $keys; Target = $User; Label = (Get-PhotoSyncUserLabel -User $User); Line = 0
        Remaining = $Core.RecordsPerUser; InputPhoto = $null
        Values = @($User.objectGuid, $User.userPrincipalName, $User.samAccountName, $User.mail, $User.employeeId, $null, $null)
        Held = [System.Collections.Generic.List[object]]::new()
    }
    foreach ($key in $keys) { if (-not $Core.ByKey.ContainsKey($key)) { $Core.ByKey[$key] = $item } }
    return $item
}
