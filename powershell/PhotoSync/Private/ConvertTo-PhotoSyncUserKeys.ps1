# A pipeline object's identity keys and PhotoPath when one of them is not a string (a number,
# a collection from ADSI, an objectGUID as text or bytes): each made one value
# (ConvertTo-PhotoSyncKeyValue), the objectGUID as the core expects it. Several: the property
# and its values when one holds several (the last such property, in this order), so the caller
# refuses the user. Runs only for such objects; strings take Add-PhotoSyncCoreUser's fast path.

function ConvertTo-PhotoSyncUserKeys($ObjectGUID, $UserPrincipalName, $SamAccountName, $Mail, $EmployeeId, $PhotoPath) {
    $result = @{ Several = $null; ObjectGUID = $null }
    foreach ($pair in @(('UserPrincipalName', $UserPrincipalName), ('SamAccountName', $SamAccountName), ('Mail', $Mail), ('EmployeeId', $EmployeeId), ('PhotoPath', $PhotoPath))) {
        $name = $pair[0]
        $result[$name] = $pair[1]
        if ($null -ne $pair[1] -and $pair[1] -isnot [string]) {
            $value = ConvertTo-PhotoSyncKeyValue -Value $pair[1]
            if ($value.Values) { $result.Several = $name, $value.Values }
            $result[$name] = $value.Value
        }
    }
    if ($ObjectGUID -is [guid]) { $result.ObjectGUID = $ObjectGUID.ToString() }
    elseif ($null -ne $ObjectGUID) {
        $value = ConvertTo-PhotoSyncKeyValue -Value $ObjectGUID
        if ($value.Values) { $result.Several = 'ObjectGUID', $value.Values }
        $result.ObjectGUID = ConvertTo-PhotoSyncGuidString -Text $value.Value
    }
    $result
}
