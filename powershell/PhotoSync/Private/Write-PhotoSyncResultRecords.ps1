# The records of a sync core (Sync-UserPhoto), one batch: a PhotoSync.SyncResult per result
# record, written as it comes, a failed one also as a non-terminating ErrorRecord; any other
# record goes to Write-PhotoSyncCoreNotice. A user's results come together, one per target in
# the order of -Target; the input item is released after the last. Under -Confirm (a dry run
# first), a user's results are held until all are in, then Resolve-PhotoSyncConfirmation
# decides. While a stopped pipeline is wound down (Discarding), records are only counted.
#
# The objects are built here, in the loop (a call per record costs more than building the
# object, benches/module.ps1), with the same properties for every object of a run: the input
# keys, Target (as given to -Target, so two folders are told apart), Action, Reason, Verified,
# ErrorCode, ErrorMessage, Photo and Error.

function Write-PhotoSyncResultRecords($Core, $Records) {
    $cmdlet = $Core.Cmdlet
    $specs = $Core.Specs
    foreach ($record in $Records) {
        if ($record.type -ne 'result' -or $record.schemaVersion -ne $script:PhotoSyncSchemaVersion) {
            Write-PhotoSyncCoreNotice -Core $Core -Record $record
            continue
        }
        $Core.RecordCount++
        if ($Core.RecordCount % $Core.RecordsPerUser -eq 0) { $Core.CompletedUsers++ }
        if ($Core.Discarding) { continue }
        # The input item this record is about: by the input line the core echoes, never by
        # keys (two users in flight may share a mail, and each must get its own photo back).
        $item = $null
        $user = $record.user
        if ($null -ne $record.line) { [void]$Core.ByLine.TryGetValue([long]$record.line, [ref]$item) }
        if ($null -eq $item -and $Core.Confirm) { $item = New-PhotoSyncRecordItem -Core $Core -User $user -Line $record.line }
        $label = $user.userPrincipalName
        if (-not $label) { $label = Get-PhotoSyncUserLabel -User $user }

        $targetName = $record.target
        if ($item -and $specs.Count -eq $Core.RecordsPerUser) { $targetName = $specs[$Core.RecordsPerUser - $item.Remaining] }
        $photo = $null
        if ($record.photo) {
            $photo = [pscustomobject]@{ PSTypeName = 'PhotoSync.PhotoInfo'; Format = $record.photo.format; Width = $record.photo.width; Height = $record.photo.height
                Bytes = $record.photo.bytes; Sha256 = $record.photo.sha256; PHash = $record.photo.phash; Signature = $record.photo.signature
            }
        }
        $errorInfo = $null
        $errorCode = $null
        $errorMessage = $null
        if ($record.error) {
            $errorInfo = Write-PhotoSyncUserError -Core $Core -Line $record.line -Problem $record.error -Place $targetName -Label $label -Item $item -Tell ($record.action -eq 'failed')
            $errorCode = $errorInfo.Code
            $errorMessage = $errorInfo.Message
        }
        $output = [pscustomobject]@{
            PSTypeName = 'PhotoSync.SyncResult'; User = $label; UserPrincipalName = $user.userPrincipalName; ObjectGUID = $user.objectGuid
            SamAccountName = $user.samAccountName; Mail = $user.mail; EmployeeId = $user.employeeId
            ConsistencyGuid = $user.consistencyGuid; Target = $targetName
            Action = $record.action; Reason = $record.reason; Verified = $record.verified; ErrorCode = $errorCode
            ErrorMessage = $errorMessage; Photo = $photo; Error = $errorInfo
        }
        if ($item) {
            $item.Remaining--
            if ($Core.Confirm) {
                $item.Held.Add($output)
                if ($item.Remaining -le 0) {
                    Remove-PhotoSyncCoreItem -Core $Core -Item $item
                    Resolve-PhotoSyncConfirmation -Core $Core -Item $item
                }
                continue
            }
            if ($item.Remaining -le 0) {
                # The user's last record: forget the item (Remove-PhotoSyncCoreItem, inline).
                [void]$Core.ByLine.Remove($item.Line)
            }
        }
        $cmdlet.WriteObject($output)
    }
}
