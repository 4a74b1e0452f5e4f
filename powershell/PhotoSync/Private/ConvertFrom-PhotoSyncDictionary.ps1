# A piped hashtable (or any dictionary) binds no parameter by property name, so PowerShell hands
# it to -Identity as text. Its keys are read here as a [pscustomobject]'s properties would bind:
# same names and aliases, any case. $null when it has none of them.

function ConvertFrom-PhotoSyncDictionary($Dictionary) {
    $names = @{
        objectguid = 'ObjectGUID'; userprincipalname = 'UserPrincipalName'; upn = 'UserPrincipalName'
        samaccountname = 'SamAccountName'; mail = 'Mail'; emailaddress = 'Mail'; employeeid = 'EmployeeId'
        thumbnailphoto = 'ThumbnailPhoto'; photopath = 'PhotoPath'; inputphoto = 'InputPhoto'
        consistencyguid = 'ConsistencyGuid'; 'ms-ds-consistencyguid' = 'ConsistencyGuid'
    }
    $values = @{}
    foreach ($key in $Dictionary.Keys) {
        $name = $names[([string]$key).ToLowerInvariant()]
        if ($name) { $values[$name] = $Dictionary[$key] }
    }
    if ($values.Count -eq 0) { return $null }
    return $values
}
