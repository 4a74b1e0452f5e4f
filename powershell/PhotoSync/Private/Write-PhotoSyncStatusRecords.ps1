# The records of a status core (Get-PhotoSyncStatus), one batch: a PhotoSync.UserPhotoStatus per
# status record, written as it comes; any other record goes to Write-PhotoSyncCoreNotice. Each
# input item is released once its user's status is in, so the module holds only the users in
# flight. While a stopped pipeline is wound down (Discarding), records are only counted.
#
# The objects are built here, in the loop: a call per record costs more than building the
# object (benches/module.ps1); only rare branches (a store that could not be read) call out.
# Every object of one run has the same properties, so Export-Csv keeps every column: the input
# keys (PascalCase, so the objects pipe back into Sync-UserPhoto), Verdict, Reference,
# InputState, one <Store>State per store read (two folders: FolderState, Folder2State),
# ErrorCode, ErrorMessage, FindingCodes, InputPhoto (the photo the input carried, so
# Sync-UserPhoto can write it), then the nested Stores and Findings. Nested photos, errors and
# lists (PhotoSync.List, as New-PhotoSyncList makes them) have a one-line ToString
# (PhotoSync.Types.ps1xml): no signature blob or System.Object[] in a CSV.

function Write-PhotoSyncStatusRecords($Core, $Records) {
    $cmdlet = $Core.Cmdlet
    $columns = $Core.StateColumns
    $specs = $Core.Specs
    foreach ($record in $Records) {
        if ($record.type -ne 'status' -or $record.schemaVersion -ne $script:PhotoSyncSchemaVersion) {
            Write-PhotoSyncCoreNotice -Core $Core -Record $record
            continue
        }
        $Core.RecordCount++
        $Core.CompletedUsers++
        if ($Core.Discarding) { continue }
        # The input item this record is about: by the input line the core echoes, never by
        # keys (two users in flight may share a mail, and each must get its own photo back).
        $item = $null
        $user = $record.user
        if ($null -ne $record.line) { [void]$Core.ByLine.TryGetValue([long]$record.line, [ref]$item) }
        $label = $user.userPrincipalName
        if (-not $label) { $label = Get-PhotoSyncUserLabel -User $user }

        $properties = [ordered]@{
            PSTypeName        = 'PhotoSync.UserPhotoStatus'
            User              = $label
            UserPrincipalName = $user.userPrincipalName
            ObjectGUID        = $user.objectGuid
            SamAccountName    = $user.samAccountName
            Mail              = $user.mail
            EmployeeId        = $user.employeeId
            ConsistencyGuid   = $user.consistencyGuid
            Verdict           = $record.verdict
            Reference         = $record.reference
            InputState        = 'absent'
        }
        foreach ($column in $columns) { $properties[$column] = $null }
        if ($record.reference -and $Core.ReferenceNames.ContainsKey($record.reference)) { $properties['Reference'] = $Core.ReferenceNames[$record.reference] }
        $stores = [System.Collections.Generic.List[object]]::new()
        $errorCode = $null
        $errorMessage = $null
        $next = 0
        foreach ($store in $record.stores) {
            $name = $store.store
            if ($name -eq 'input') { $properties['InputState'] = $store.state }
            elseif ($next -lt $columns.Length) {
                # The core lists the stores in the order they were given.
                $properties[$columns[$next]] = $store.state
                $name = $specs[$next]
                $next++
            }
            $photo = $null
            if ($store.photo) {
                $photo = [pscustomobject]@{ PSTypeName = 'PhotoSync.PhotoInfo'; Format = $store.photo.format; Width = $store.photo.width; Height = $store.photo.height
                    Bytes = $store.photo.bytes; Sha256 = $store.photo.sha256; PHash = $store.photo.phash; Signature = $store.photo.signature
                }
            }
            $errorInfo = $null
            if ($store.error) {
                # A store that could not be read for this user: the status object still comes,
                # with state 'error'.
                $errorInfo = Write-PhotoSyncUserError -Core $Core -Line $record.line -Problem $store.error -Place $name -Label $label -Item $item
                if (-not $errorCode) { $errorCode = $errorInfo.Code; $errorMessage = $errorInfo.Message }
            }
            $stores.Add([pscustomobject]@{
                    PSTypeName = 'PhotoSync.StoreStatus'; Store = $name; State = $store.state; MatchesReference = $store.matchesReference; ComparedBy = $store.comparedBy
                    Distance = $store.distance; Photo = $photo; Details = $store.details; Error = $errorInfo
                })
        }
        $findings = [System.Collections.Generic.List[object]]::new()
        $codes = ''
        foreach ($finding in $record.findings) {
            $codes = if ($codes) { $codes + ';' + $finding.code } else { [string]$finding.code }
            $hint = $finding.hint
            if ($hint -and ($hint.IndexOf('photosync ') -ge 0 -or $hint.IndexOf('--') -ge 0 -or $hint.IndexOf('PHOTOSYNC_') -ge 0)) {
                $hint = ConvertTo-PhotoSyncModuleHint -Text $hint
            }
            if ($finding.code -eq 'user-not-found') {
                # A store that does not know the user could not check it: an error, as the help
                # says (a mistyped UPN under -ErrorAction Stop must stop), besides the object.
                $place = $finding.store
                if ($place -and $Core.ReferenceNames.ContainsKey($place)) { $place = $Core.ReferenceNames[$place] }
                $errorInfo = Write-PhotoSyncUserError -Core $Core -Line $record.line -Problem @{ code = 'user-not-found'; message = $finding.message; hint = $finding.hint } -Place $place -Label $label -Item $item
                if (-not $errorCode) { $errorCode = $errorInfo.Code; $errorMessage = $errorInfo.Message }
            }
            $findings.Add([pscustomobject]@{
                    PSTypeName = 'PhotoSync.Finding'; Code = $finding.code; Severity = $finding.severity; Store = $finding.store
                    Message = $finding.message; Hint = $hint
                })
        }
        $properties['ErrorCode'] = $errorCode
        $properties['ErrorMessage'] = $errorMessage
        $properties['FindingCodes'] = $codes
        $properties['InputPhoto'] = $null
        if ($item) { $properties['InputPhoto'] = $item.InputPhoto }
        # Lists that read as one line in a CSV (PhotoSync.List, New-PhotoSyncList inline).
        $list = [psobject]::new($stores.ToArray())
        $list.PSObject.TypeNames.Insert(0, 'PhotoSync.List')
        $properties['Stores'] = $list
        $list = $script:PhotoSyncNoFindings
        if ($findings.Count -gt 0) {
            $list = [psobject]::new($findings.ToArray())
            $list.PSObject.TypeNames.Insert(0, 'PhotoSync.List')
        }
        $properties['Findings'] = $list
        if ($record.verdict -ne 'in-sync' -and $record.verdict -ne 'no-photo') { $Core.Drift++ }
        if ($item) {
            # The user's only record: forget the item (Remove-PhotoSyncCoreItem, inline).
            [void]$Core.ByLine.Remove($item.Line)
        }
        $cmdlet.WriteObject([pscustomobject]$properties)
    }
}
