# One user of the pipeline, from the values bound for this object only: checked, turned into one
# JSON line for the core (camelCase names of the JSON contract, DESIGN.md section 5; the photo as
# base64, the same on Windows PowerShell 5.1 and 7), registered and queued for the core's stdin.
# A user the module can already tell is wrong (several values for one key, a photo too large to
# send, a path off the file system) gets its own non-terminating error and is not sent; the
# pipeline goes on. A plain function with positional parameters: it runs once per piped user,
# and the common case (string keys, a byte[] photo) calls nothing else but, now and then, the
# step that writes the queued lines and reads what came back.

# ConsistencyGuid (mS-DS-ConsistencyGuid, a byte[] from Get-ADUser) comes last: most callers have none.
function Add-PhotoSyncCoreUser($Core, $ObjectGUID, $UserPrincipalName, $SamAccountName, $Mail, $EmployeeId, $ThumbnailPhoto, $PhotoPath, $InputObject, $ConsistencyGuid) {
    # Strings (and a [guid]) are the common case; anything else is made one key value, or refused.
    $several = $null
    $guid = $null
    if (($null -ne $UserPrincipalName -and $UserPrincipalName -isnot [string]) -or ($null -ne $SamAccountName -and $SamAccountName -isnot [string]) -or
        ($null -ne $Mail -and $Mail -isnot [string]) -or ($null -ne $EmployeeId -and $EmployeeId -isnot [string]) -or
        ($null -ne $PhotoPath -and $PhotoPath -isnot [string]) -or ($null -ne $ObjectGUID -and $ObjectGUID -isnot [guid])) {
        $values = ConvertTo-PhotoSyncUserKeys $ObjectGUID $UserPrincipalName $SamAccountName $Mail $EmployeeId $PhotoPath
        $several = $values.Several
        $guid = $values.ObjectGUID
        $UserPrincipalName = $values.UserPrincipalName
        $SamAccountName = $values.SamAccountName
        $Mail = $values.Mail
        $EmployeeId = $values.EmployeeId
        $PhotoPath = $values.PhotoPath
    }
    elseif ($null -ne $ObjectGUID) { $guid = $ObjectGUID.ToString() }

    $json = '{'
    $label = $null
    if ($UserPrincipalName) {
        $UserPrincipalName = $UserPrincipalName.Trim()
        if ($UserPrincipalName) {
            $quoted = if ($UserPrincipalName.IndexOfAny($script:PhotoSyncJsonSpecial) -lt 0) { '"' + $UserPrincipalName + '"' } else { ConvertTo-PhotoSyncJsonString -Text $UserPrincipalName }
            $json += '"userPrincipalName":' + $quoted + ','
            $label = $UserPrincipalName
        }
    }
    if ($guid) {
        $quoted = if ($guid.IndexOfAny($script:PhotoSyncJsonSpecial) -lt 0) { '"' + $guid + '"' } else { ConvertTo-PhotoSyncJsonString -Text $guid }
        $json += '"objectGuid":' + $quoted + ','
    }
    $anchor = $null
    if ($null -ne $ConsistencyGuid) {
        # The anchor Entra Connect syncs the account by: sent as the GUID text a [guid] of its
        # 16 bytes prints (the objectGUID form); anything else as text, for the core to check.
        $bytes = @($ConsistencyGuid)
        if ($ConsistencyGuid -is [guid]) { $anchor = $ConsistencyGuid.ToString() }
        elseif ($bytes.Count -eq 16 -and -not @($bytes | Where-Object { $_ -isnot [byte] -and $_ -isnot [int] }).Count) {
            try { $anchor = [guid]::new([byte[]]$bytes).ToString() } catch { $anchor = [string]($bytes -join ',') }
        }
        elseif ($bytes.Count -gt 0) { $anchor = ([string]($bytes -join ',')).Trim() }
        if ($anchor) { $json += '"consistencyGuid":' + (ConvertTo-PhotoSyncJsonString -Text $anchor) + ',' }
    }
    if ($SamAccountName) {
        $SamAccountName = $SamAccountName.Trim()
        if ($SamAccountName) {
            $quoted = if ($SamAccountName.IndexOfAny($script:PhotoSyncJsonSpecial) -lt 0) { '"' + $SamAccountName + '"' } else { ConvertTo-PhotoSyncJsonString -Text $SamAccountName }
            $json += '"samAccountName":' + $quoted + ','
        }
    }
    if ($Mail) {
        $Mail = $Mail.Trim()
        if ($Mail) {
            $quoted = if ($Mail.IndexOfAny($script:PhotoSyncJsonSpecial) -lt 0) { '"' + $Mail + '"' } else { ConvertTo-PhotoSyncJsonString -Text $Mail }
            $json += '"mail":' + $quoted + ','
            if (-not $label) { $label = $Mail }
        }
    }
    if ($EmployeeId) {
        $EmployeeId = $EmployeeId.Trim()
        if ($EmployeeId) {
            $quoted = if ($EmployeeId.IndexOfAny($script:PhotoSyncJsonSpecial) -lt 0) { '"' + $EmployeeId + '"' } else { ConvertTo-PhotoSyncJsonString -Text $EmployeeId }
            $json += '"employeeId":' + $quoted + ','
        }
    }
    # The name shown in messages and prompts: the order of Get-PhotoSyncUserLabel.
    if (-not $label) { $label = if ($SamAccountName) { $SamAccountName } elseif ($guid) { $guid } elseif ($EmployeeId) { $EmployeeId } else { '(a user without identity keys)' } }

    if ($several) {
        Write-PhotoSyncInputError -Core $Core -Code 'array-value' -Detail $several -InputObject $InputObject -Label $label
        return
    }

    $photo = $null
    if ($null -ne $ThumbnailPhoto -and $ThumbnailPhoto -isnot [byte[]]) {
        $converted = ConvertTo-PhotoSyncPhotoBytes -Value $ThumbnailPhoto
        if ($converted.Problem) {
            Write-PhotoSyncInputError -Core $Core -Code 'photo-unreadable' -Detail $converted.Problem -InputObject $InputObject -Label $label
            return
        }
        $ThumbnailPhoto = $converted.Bytes
    }
    if ($ThumbnailPhoto.Length -gt 0) {
        # Checked before any encoding: a 50 MB attribute would cost gigabytes as base64 strings.
        if ($ThumbnailPhoto.Length -gt $script:PhotoSyncMaxInlinePhotoBytes) {
            Write-PhotoSyncInputError -Core $Core -Code 'photo-too-large' -Detail $ThumbnailPhoto.Length -InputObject $InputObject -Label $label
            return
        }
        # No [byte[]] cast: on a PSObject-wrapped array it converts byte by byte (milliseconds each).
        $json += '"thumbnailPhoto":"' + [System.Convert]::ToBase64String($ThumbnailPhoto) + '",'
        $photo = $ThumbnailPhoto
    }
    $path = $null
    if ($PhotoPath) {
        $path = $PhotoPath
        if ($path.Trim().Length -gt 0) {
            # The child does not share PowerShell's location or drives: resolve as PowerShell does.
            $resolved = Resolve-PhotoSyncPath -Cmdlet $Core.Cmdlet -Path $path
            if ($resolved.Problem) {
                Write-PhotoSyncInputError -Core $Core -Code 'photo-file-unreadable' -Detail $resolved.Problem -InputObject $InputObject -Label $label
                return
            }
            $path = $resolved.Path
            $json += '"photoPath":' + (ConvertTo-PhotoSyncJsonString -Text $path) + ','
        }
        else { $path = $null }
    }
    if ($json.Length -gt 1) { $json = $json.Substring(0, $json.Length - 1) }
    $json += '}'

    $item = @{ Target = $InputObject; Label = $label; Line = 0; Remaining = 0; InputPhoto = $null }
    if ($Core.CarryPhoto -and ($photo -or $path)) {
        # Status objects carry the input's photo, so they pipe into Sync-UserPhoto as they are.
        $item.InputPhoto = [pscustomobject]@{ PSTypeName = 'PhotoSync.InputPhoto'; Path = $path; Bytes = $photo }
    }
    if ($Core.Confirm) {
        # Held until the dry run's verdict on this user (Resolve-PhotoSyncConfirmation), which
        # sends the same values to the real run.
        $item.Values = @($guid, $UserPrincipalName, $SamAccountName, $Mail, $EmployeeId, $photo, $path, $anchor)
        $item.Held = [System.Collections.Generic.List[object]]::new()
    }

    if (-not $Core.StdinOpen) {
        # The core stopped reading (bad settings, a dead credential, a crash): finish it now, so
        # a failure of the run stops the pipeline at once, and tell this user it was not sent.
        Complete-PhotoSyncCore -Core $Core
        Write-PhotoSyncNoResult -Core $Core -Item $item -Sent $false
        return
    }
    # Registered under its input line, which the core echoes on every record about it, and queued.
    $Core.LinesSent++
    $item.Line = $Core.LinesSent
    $item.Remaining = $Core.RecordsPerUser
    $Core.ByLine[$item.Line] = $item
    # A user whose records never come back (a shard that is not this one) must not pin memory.
    if ($Core.ByLine.Count -gt $script:PhotoSyncItemWindow) {
        while ($Core.ByLine.Count -gt $script:PhotoSyncItemWindow) {
            if ($Core.ByLine.ContainsKey($Core.OldestLine)) { Remove-PhotoSyncCoreItem -Core $Core -Item $Core.ByLine[$Core.OldestLine] }
            $Core.OldestLine++
        }
    }
    [void]$Core.Pending.Append($json).Append("`n")
    # Written and read in batches: a step when 8 KB are waiting, else every 15 ms. Records
    # parsed one by one would cost more than building their objects.
    if ($Core.Pending.Length -ge 8192 -or ($Core.Clock.ElapsedMilliseconds - $Core.LastPush) -ge 15) {
        $Core.LastPush = $Core.Clock.ElapsedMilliseconds
        Step-PhotoSyncCore -Core $Core
    }
    # Back-pressure: wait while the core is this far behind (its stdin pipe is full, or Window
    # users are out), so memory stays flat, every item in flight is kept (a status keeps its
    # input photo however slow the store) and an early stop has little left to finish.
    while ($Core.StdinOpen -and ($Core.Pending.Length -ge $Core.PendingLimit -or
            ($Core.Window -gt 0 -and ($Core.LinesSent - $Core.CompletedUsers - $Core.LinesEnded) -ge $Core.Window))) {
        if ($Core.Process.HasExited -and $null -eq $Core.ReadTask) { break }
        Wait-PhotoSyncCore -Core $Core -Milliseconds 10
        Step-PhotoSyncCore -Core $Core
    }
}
