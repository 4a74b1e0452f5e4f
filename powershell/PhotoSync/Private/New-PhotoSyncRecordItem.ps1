# Under -Confirm with -LdapFilter, the users come from AD, not the pipeline: the first record of
# a user makes an item under the line the core echoes (its LDAP entry), so the user's results
# can be held, and a confirmed user can be sent to the real run by its echoed keys (it reads the
# photo from AD again).

function New-PhotoSyncRecordItem($Core, $User, $Line) {
    if ($null -eq $User -or $null -eq $Line) { return $null }
    $item = @{
        Target = $User; Label = (Get-PhotoSyncUserLabel -User $User); Line = [long]$Line
        Remaining = $Core.RecordsPerUser; InputPhoto = $null
        Values = @($User.objectGuid, $User.userPrincipalName, $User.samAccountName, $User.mail, $User.employeeId, $null, $null)
        Held = [System.Collections.Generic.List[object]]::new()
    }
    $Core.ByLine[$item.Line] = $item
    return $item
}
