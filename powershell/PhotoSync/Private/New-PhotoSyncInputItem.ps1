# Turns the parameters bound from one pipeline object into one JSON Lines record for the core.
# Only the bound identity/photo properties are sent (never the whole object), with camelCase
# names from the JSON contract (DESIGN.md section 5) and byte[] as base64, the same on
# Windows PowerShell 5.1 (whose ConvertTo-Json writes byte arrays as number lists) and 7.x.
# Plain functions and a hand-written JSON line: this runs once per piped user.

function ConvertTo-PhotoSyncJsonString([string]$Text) {
    # A JSON string literal: backslash, quote and control characters escaped.
    $escaped = $Text.Replace('\', '\\').Replace('"', '\"')
    if ($escaped -match '[\x00-\x1f]') {
        $escaped = [regex]::Replace($escaped, '[\x00-\x1f]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    }
    return '"' + $escaped + '"'
}

function ConvertTo-PhotoSyncGuidString($Value) {
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

function ConvertFrom-PhotoSyncIdentity([string]$Identity) {
    # -Identity takes a plain string; its shape says which key it is (documented in the help):
    # a GUID is an objectGUID, something with '@' a userPrincipalName, anything else a sAMAccountName.
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

function New-PhotoSyncInputItem([hashtable]$Bound, [string]$BasePath, $Target) {
    <#
    .SYNOPSIS
    One pipeline item: the JSON line sent to the core, the keys to find it again when a record
    comes back about it, the original input object (TargetObject of its errors) and its label.
    #>
    $keys = @{}
    foreach ($name in 'UserPrincipalName', 'SamAccountName', 'Mail', 'EmployeeId', 'ObjectGUID') {
        $value = $Bound[$name]
        if ($null -ne $value -and ([string]$value).Trim().Length -gt 0) { $keys[$name] = $value }
    }
    if ($Bound['Identity']) {
        $fromIdentity = ConvertFrom-PhotoSyncIdentity -Identity ([string]$Bound['Identity'])
        foreach ($k in $fromIdentity.Keys) {
            if (-not $keys.ContainsKey($k)) { $keys[$k] = $fromIdentity[$k] }
        }
    }

    # Same order as the JSON contract's examples; keys of absent values are left out.
    $fields = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $lookupKeys = @()
    $label = $null
    $values = [ordered]@{}
    if ($keys.ContainsKey('UserPrincipalName')) { $values['userPrincipalName'] = ([string]$keys['UserPrincipalName']).Trim() }
    if ($keys.ContainsKey('ObjectGUID')) {
        $guid = ConvertTo-PhotoSyncGuidString -Value $keys['ObjectGUID']
        if ($guid) { $values['objectGuid'] = $guid }
    }
    if ($keys.ContainsKey('SamAccountName')) { $values['samAccountName'] = ([string]$keys['SamAccountName']).Trim() }
    if ($keys.ContainsKey('Mail')) { $values['mail'] = ([string]$keys['Mail']).Trim() }
    if ($keys.ContainsKey('EmployeeId')) { $values['employeeId'] = ([string]$keys['EmployeeId']).Trim() }
    foreach ($name in $values.Keys) {
        $value = $values[$name]
        # Most values need no escaping; the helper call is kept for those that do.
        $json = if ($value -match '[\\"\x00-\x1f]') { ConvertTo-PhotoSyncJsonString -Text $value } else { '"' + $value + '"' }
        $fields.Add('"' + $name + '":' + $json)
        $lookupKeys += ($name + ':' + $value)
    }
    # The name shown in -Confirm prompts: the same order as Get-PhotoSyncUserLabel.
    foreach ($name in 'userPrincipalName', 'mail', 'samAccountName', 'objectGuid', 'employeeId') {
        if (-not $label -and $values.Contains($name)) { $label = [string]$values[$name] }
    }

    $photo = $Bound['ThumbnailPhoto']
    if ($photo.Length -gt 0) {
        # No [byte[]] cast: on a PSObject-wrapped array it converts byte by byte (milliseconds each).
        $fields.Add('"thumbnailPhoto":"' + [System.Convert]::ToBase64String($photo) + '"')
    }
    if ($Bound['PhotoPath']) {
        $path = [string]$Bound['PhotoPath']
        if ($BasePath -and -not [System.IO.Path]::IsPathRooted($path)) {
            # The child process does not share PowerShell's current location.
            $path = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($BasePath, $path))
        }
        $fields.Add('"photoPath":' + (ConvertTo-PhotoSyncJsonString -Text $path))
    }

    return @{
        Json      = '{' + ($fields -join ',') + '}'
        Keys      = $lookupKeys
        Target    = $Target
        Label     = $label
        Line      = 0
        Remaining = 0
    }
}

function Test-PhotoSyncUnboundObject($InputObject, [System.Management.Automation.PSCmdlet]$Cmdlet) {
    # True (after writing a non-terminating error) when a pipeline object had none of the
    # properties the cmdlets bind, so PowerShell fell back to turning the whole object into an
    # -Identity string such as '@{User=jdoe}'.
    if ($null -eq $InputObject -or $InputObject -is [string] -or $InputObject -is [guid]) { return $false }
    $names = ($InputObject.PSObject.Properties | ForEach-Object { $_.Name }) -join ', '
    $errorRecord = New-PhotoSyncErrorRecord -Code 'no-identity' `
        -Message "The input object has none of the properties ObjectGUID, UserPrincipalName, SamAccountName, Mail, EmployeeId (it has: $names)." `
        -Hint 'Rename a column or property to one of those names (Select-Object @{n=''UserPrincipalName'';e={$_.User}}), or pass -Identity.' `
        -TargetObject $InputObject
    $Cmdlet.WriteError($errorRecord)
    return $true
}
