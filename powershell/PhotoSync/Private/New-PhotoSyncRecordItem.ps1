# Under -Confirm with -LdapFilter, the users come from AD, not the pipeline: the first record of
# a user makes an item of its echoed keys, so its results can be held, and a confirmed user can
# be sent to the real run by those keys (it reads the photo from AD again).

function New-PhotoSyncRecordItem($Core, $User) {
    if ($null -eq $User) { return $null }
    $fields = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $keys = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($name in 'userPrincipalName', 'objectGuid', 'samAccountName', 'mail', 'employeeId') {
        $value = $User.$name
        if ($value) {
            $fields.Add('"' + $name + '":' + (ConvertTo-PhotoSyncJsonString -Text $value))
            $keys.Add($name + ':' + $value)
        }
    }
    $item = @{
        Keys = $keys; Target = $User; Label = (Get-PhotoSyncUserLabel -User $User); Line = 0
        Remaining = $Core.RecordsPerUser; InputPhoto = $null; Json = '{' + ($fields -join ',') + '}'
        Held = New-Object -TypeName 'System.Collections.Generic.List[object]'
    }
    foreach ($key in $keys) { if (-not $Core.ByKey.ContainsKey($key)) { $Core.ByKey[$key] = $item } }
    return $item
}
