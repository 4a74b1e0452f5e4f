# Turns the parameters bound from one pipeline object into one JSON Lines record for the core.
# Only the bound identity/photo properties are sent (never the whole object), with camelCase
# names from the JSON contract (DESIGN.md section 5) and byte[] as base64, the same on
# Windows PowerShell 5.1 (whose ConvertTo-Json writes byte arrays as number lists) and 7.x.

function ConvertTo-PhotoSyncGuidString {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()]
        [object]$Value
    )

    if ($null -eq $Value) { return $null }
    if ($Value -is [guid]) { return $Value.ToString() }
    if ($Value -is [byte[]]) {
        # A raw objectGUID attribute (DirectorySearcher, Get-ADObject -Properties objectGUID as bytes).
        if ($Value.Length -eq 16) { return (New-Object -TypeName System.Guid -ArgumentList (, $Value)).ToString() }
        return $null
    }
    $text = ([string]$Value).Trim()
    if ($text.Length -eq 0) { return $null }
    $parsed = [guid]::Empty
    if ([guid]::TryParse($text, [ref]$parsed)) { return $parsed.ToString() }
    # Not a GUID: pass it on so the core reports it as a bad key instead of silently dropping it.
    return $text
}

function ConvertFrom-PhotoSyncIdentity {
    # -Identity takes a plain string; its shape says which key it is (documented in the help):
    # a GUID is an objectGUID, something with '@' a userPrincipalName, anything else a sAMAccountName.
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory)]
        [AllowEmptyString()]
        [string]$Identity
    )

    $text = $Identity.Trim()
    $parsed = [guid]::Empty
    if ([guid]::TryParse($text, [ref]$parsed)) { return @{ ObjectGUID = $parsed.ToString() } }
    if ($text.Contains('@')) { return @{ UserPrincipalName = $text } }
    if ($text.Contains('\')) {
        # DOMAIN\sam: the core matches on sAMAccountName alone.
        return @{ SamAccountName = $text.Substring($text.LastIndexOf('\') + 1) }
    }
    return @{ SamAccountName = $text }
}

function ConvertTo-PhotoSyncInputRecord {
    <#
    .SYNOPSIS
    Builds the input record (camelCase keys of the JSON contract) for one user from the values
    bound to a cmdlet's parameters.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory)]
        [hashtable]$Bound,

        # The provider path relative paths are resolved against (the caller's current location).
        [string]$BasePath
    )

    $record = [ordered]@{}
    $keys = @{}
    foreach ($name in 'UserPrincipalName', 'SamAccountName', 'Mail', 'EmployeeId', 'ObjectGUID') {
        if ($Bound.ContainsKey($name) -and $null -ne $Bound[$name] -and ([string]$Bound[$name]).Trim().Length -gt 0) {
            $keys[$name] = $Bound[$name]
        }
    }
    if ($Bound.ContainsKey('Identity') -and $Bound['Identity']) {
        $fromIdentity = ConvertFrom-PhotoSyncIdentity -Identity ([string]$Bound['Identity'])
        foreach ($k in $fromIdentity.Keys) {
            if (-not $keys.ContainsKey($k)) { $keys[$k] = $fromIdentity[$k] }
        }
    }

    if ($keys.ContainsKey('UserPrincipalName')) { $record['userPrincipalName'] = ([string]$keys['UserPrincipalName']).Trim() }
    if ($keys.ContainsKey('ObjectGUID')) {
        $guid = ConvertTo-PhotoSyncGuidString -Value $keys['ObjectGUID']
        if ($guid) { $record['objectGuid'] = $guid }
    }
    if ($keys.ContainsKey('SamAccountName')) { $record['samAccountName'] = ([string]$keys['SamAccountName']).Trim() }
    if ($keys.ContainsKey('Mail')) { $record['mail'] = ([string]$keys['Mail']).Trim() }
    if ($keys.ContainsKey('EmployeeId')) { $record['employeeId'] = ([string]$keys['EmployeeId']).Trim() }

    if ($Bound.ContainsKey('ThumbnailPhoto') -and $null -ne $Bound['ThumbnailPhoto'] -and $Bound['ThumbnailPhoto'].Length -gt 0) {
        $record['thumbnailPhoto'] = [System.Convert]::ToBase64String([byte[]]$Bound['ThumbnailPhoto'])
    }
    if ($Bound.ContainsKey('PhotoPath') -and $Bound['PhotoPath']) {
        $path = [string]$Bound['PhotoPath']
        if ($BasePath -and -not [System.IO.Path]::IsPathRooted($path)) {
            # The child process does not share PowerShell's current location.
            $path = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($BasePath, $path))
        }
        $record['photoPath'] = $path
    }

    return $record
}

function New-PhotoSyncInputItem {
    <#
    .SYNOPSIS
    One collected pipeline item: the JSON line sent to the core, the keys to find it again when
    a record comes back about it, and the original input object (TargetObject of its errors).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [hashtable]$Bound,

        [string]$BasePath,

        [AllowNull()]
        [object]$Target
    )

    $record = ConvertTo-PhotoSyncInputRecord -Bound $Bound -BasePath $BasePath
    $lookupKeys = @()
    foreach ($name in 'objectGuid', 'userPrincipalName', 'samAccountName', 'mail', 'employeeId') {
        if ($record.Contains($name)) { $lookupKeys += ($name + ':' + ([string]$record[$name]).ToLowerInvariant()) }
    }
    # The name shown in -Confirm prompts: the same order as Get-PhotoSyncUserLabel.
    $label = $null
    foreach ($name in 'userPrincipalName', 'mail', 'samAccountName', 'objectGuid', 'employeeId') {
        if (-not $label -and $record.Contains($name)) { $label = [string]$record[$name] }
    }
    return [pscustomobject]@{
        Json       = ConvertTo-Json -InputObject $record -Compress -Depth 4
        LookupKeys = $lookupKeys
        Target     = $Target
        Label      = $label
    }
}

function Test-PhotoSyncUnboundObject {
    <#
    .SYNOPSIS
    True (after writing a non-terminating error) when a pipeline object had none of the
    properties the cmdlets bind, so PowerShell fell back to turning the whole object into an
    -Identity string such as '@{User=jdoe}'.
    #>
    [CmdletBinding()]
    [OutputType([bool])]
    param(
        [AllowNull()]
        [object]$InputObject,

        [Parameter(Mandatory)]
        [System.Management.Automation.PSCmdlet]$Cmdlet
    )

    if ($null -eq $InputObject -or $InputObject -is [string] -or $InputObject -is [guid]) { return $false }
    $names = ($InputObject.PSObject.Properties | ForEach-Object { $_.Name }) -join ', '
    $errorRecord = New-PhotoSyncErrorRecord -Code 'no-identity' `
        -Message "The input object has none of the properties ObjectGUID, UserPrincipalName, SamAccountName, Mail, EmployeeId (it has: $names)." `
        -Hint 'Rename a column or property to one of those names (Select-Object @{n=''UserPrincipalName'';e={$_.User}}), or pass -Identity.' `
        -TargetObject $InputObject
    $Cmdlet.WriteError($errorRecord)
    return $true
}
