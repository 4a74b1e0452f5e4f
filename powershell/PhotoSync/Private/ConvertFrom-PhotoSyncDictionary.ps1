# A piped hashtable (or any dictionary) binds no parameter by property name, so PowerShell hands
# it to -Identity as text. Its keys are read here as a [pscustomobject]'s properties would bind:
# same names and aliases, any case, and a parameter's own name before its alias (the binder
# tries the name first, so {Mail; EmailAddress = ''} keeps Mail whatever the keys' order).
# $null when it has none of them.

function ConvertFrom-PhotoSyncDictionary($Dictionary) {
    $names = @{
        objectguid = 'ObjectGUID'; userprincipalname = 'UserPrincipalName'; samaccountname = 'SamAccountName'
        mail = 'Mail'; employeeid = 'EmployeeId'; thumbnailphoto = 'ThumbnailPhoto'; photopath = 'PhotoPath'
        inputphoto = 'InputPhoto'; consistencyguid = 'ConsistencyGuid'
    }
    $aliases = @{ upn = 'UserPrincipalName'; emailaddress = 'Mail'; 'ms-ds-consistencyguid' = 'ConsistencyGuid' }
    $values = @{}
    $byName = @{}
    foreach ($key in $Dictionary.Keys) {
        $lower = ([string]$key).ToLowerInvariant()
        if ($names[$lower]) {
            $values[$names[$lower]] = $Dictionary[$key]
            $byName[$names[$lower]] = $true
        } elseif ($aliases[$lower] -and -not $byName[$aliases[$lower]]) {
            $values[$aliases[$lower]] = $Dictionary[$key]
        }
    }
    if ($values.Count -eq 0) { return $null }
    return $values
}
