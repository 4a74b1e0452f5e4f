# Whole stdout lines of the core, handled as they arrive: parsed in one batch (one JSON array,
# not one ConvertFrom-Json per line), then output objects to the pipeline, per-user failures as
# non-terminating ErrorRecords (one per user and target or store), store findings as warnings,
# the summary kept. Each input item is released once its user's last record has come back, so
# the module holds only the users in flight. Under -Confirm (a dry run first), a user's results
# are held until all are in, then Resolve-PhotoSyncConfirmation decides. While a stopped
# pipeline is wound down (Discarding), records are only counted.
#
# The objects are built here, in the loop: a call per record costs more than building the
# object (measured in benches/module.ps1). Every object of one run has the same properties, so
# Export-Csv keeps every column.
# PhotoSync.UserPhotoStatus: the input keys (PascalCase, so the objects pipe back into
# Sync-UserPhoto), Verdict, Reference, InputState, one <Store>State per store read (two folders:
# FolderState, Folder2State), ErrorCode, ErrorMessage, FindingCodes, InputPhoto (the photo the
# input carried, so Sync-UserPhoto can write it), then the nested Stores and Findings.
# PhotoSync.SyncResult: the input keys, Target (as given to -Target, so two folders are told
# apart), Action, Reason, Verified, ErrorCode, ErrorMessage, Photo and Error.
# Nested photos, errors and lists (Stores, Findings: PhotoSync.List, as New-PhotoSyncList makes
# them) have a one-line ToString (PhotoSync.Types.ps1xml): no signature blob or System.Object[]
# in a CSV.

function Write-PhotoSyncCoreRecords($Core, [string]$Text) {
    $cmdlet = $Core.Cmdlet
    $parseError = $null
    # Windows PowerShell's parser throws on bad JSON where PowerShell 7's reports it.
    try { $records = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson('[' + $Text.Trim().Replace("`n", ',') + ']', [ref]$parseError) }
    catch { $parseError = $_ }
    if ($null -ne $parseError) {
        # Find the line that is not JSON, to say which.
        foreach ($line in $Text.Split([char]"`n")) {
            if ($line.Trim().Length -eq 0) { continue }
            $lineError = $null
            try { $null = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($line, [ref]$lineError) } catch { $lineError = $_ }
            if ($null -ne $lineError) {
                $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-output' -Message "photosync wrote a line that is not JSON: $line" `
                            -Hint 'Use the photosync binary shipped with this module (PHOTOSYNC_BINARY may point to a different program).'))
            }
        }
        $records = @(foreach ($line in $Text.Split([char]"`n")) {
                if ($line.Trim().Length -gt 0) { [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($line, [ref]$parseError) }
            })
    }
    $columns = $Core.StateColumns
    $specs = $Core.Specs

    foreach ($record in $records) {
        if ($record.schemaVersion -ne $script:PhotoSyncSchemaVersion) {
            $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'schema-mismatch' `
                        -Message "photosync wrote a record with schema version '$($record.schemaVersion)'; this module reads version $($script:PhotoSyncSchemaVersion)." `
                        -Hint 'Install the module and the photosync binary from the same release.'))
        }
        $type = $record.type
        if ($type -eq 'status' -or $type -eq 'result') {
            $Core.RecordCount++
            if ($Core.RecordCount % $Core.RecordsPerUser -eq 0) { $Core.CompletedUsers++ }
            if ($Core.Discarding) { continue }
            # The input item this record is about: by an echoed identity key, in the order the
            # keys were registered (the first one found is the common case).
            $item = $null
            $user = $record.user
            if ($user.userPrincipalName -and $Core.ByKey.TryGetValue('userPrincipalName:' + $user.userPrincipalName, [ref]$item)) { }
            elseif ($user.objectGuid -and $Core.ByKey.TryGetValue('objectGuid:' + $user.objectGuid, [ref]$item)) { }
            elseif ($user.samAccountName -and $Core.ByKey.TryGetValue('samAccountName:' + $user.samAccountName, [ref]$item)) { }
            elseif ($user.mail -and $Core.ByKey.TryGetValue('mail:' + $user.mail, [ref]$item)) { }
            elseif ($user.employeeId -and $Core.ByKey.TryGetValue('employeeId:' + $user.employeeId, [ref]$item)) { }
            if ($null -eq $item -and $Core.Confirm) { $item = New-PhotoSyncRecordItem -Core $Core -User $user }
            $target = $null
            if ($item) { $target = $item.Target }
            $label = $user.userPrincipalName
            if (-not $label) { $label = Get-PhotoSyncUserLabel -User $user }
            # "user|..." keys of the errors told, made only when there is an error to tell.
            $userId = $null

            if ($type -eq 'status') {
                $properties = [ordered]@{
                    PSTypeName        = 'PhotoSync.UserPhotoStatus'
                    User              = $label
                    UserPrincipalName = $user.userPrincipalName
                    ObjectGUID        = $user.objectGuid
                    SamAccountName    = $user.samAccountName
                    Mail              = $user.mail
                    EmployeeId        = $user.employeeId
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
                        $errorInfo = [pscustomobject]@{ PSTypeName = 'PhotoSync.ErrorInfo'; Code = $store.error.code; Message = $store.error.message; Hint = (ConvertTo-PhotoSyncModuleHint -Text $store.error.hint) }
                        if (-not $errorCode) { $errorCode = $errorInfo.Code; $errorMessage = $errorInfo.Message }
                        # A store that could not be read for this user: one non-terminating error
                        # per user and store (the status object still comes, with state 'error').
                        $userId = $user.userPrincipalName + '|' + $user.objectGuid + '|' + $user.samAccountName + '|' + $user.mail + '|' + $user.employeeId
                        $perStore = $userId + '|' + $name
                        if (-not $Core.Reported.Contains($perStore) -and -not $Core.Reported.Contains($userId + '|*|' + $errorInfo.Code)) {
                            [void]$Core.Reported.Add($perStore)
                            $cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $errorInfo.Code -Message ([string]$errorInfo.Message) `
                                        -Hint $errorInfo.Hint -TargetObject $target -UserLabel "$label ($name)"))
                        }
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
                $output = [pscustomobject]$properties
                if ($record.verdict -ne 'in-sync' -and $record.verdict -ne 'no-photo') { $Core.Drift++ }
            }
            else {
                # A user's results come together, one per target in the order of -Target.
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
                    $errorCode = $record.error.code
                    $errorMessage = $record.error.message
                    $errorInfo = [pscustomobject]@{ PSTypeName = 'PhotoSync.ErrorInfo'; Code = $errorCode; Message = $errorMessage; Hint = (ConvertTo-PhotoSyncModuleHint -Text $record.error.hint) }
                }
                $output = [pscustomobject]@{
                    PSTypeName = 'PhotoSync.SyncResult'; User = $label; UserPrincipalName = $user.userPrincipalName; ObjectGUID = $user.objectGuid
                    SamAccountName = $user.samAccountName; Mail = $user.mail; EmployeeId = $user.employeeId; Target = $targetName
                    Action = $record.action; Reason = $record.reason; Verified = $record.verified; ErrorCode = $errorCode
                    ErrorMessage = $errorMessage; Photo = $photo; Error = $errorInfo
                }
                if ($record.action -eq 'failed' -and $errorInfo) {
                    # One ErrorRecord per failed user and target, unless the core already reported
                    # this user's cause (an `error` record with the same code) for all targets.
                    $userId = $user.userPrincipalName + '|' + $user.objectGuid + '|' + $user.samAccountName + '|' + $user.mail + '|' + $user.employeeId
                    $perTarget = $userId + '|' + $targetName
                    if (-not $Core.Reported.Contains($perTarget) -and -not $Core.Reported.Contains($userId + '|*|' + $errorCode)) {
                        [void]$Core.Reported.Add($perTarget)
                        $cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $errorCode -Message ([string]$errorMessage) `
                                    -Hint $errorInfo.Hint -TargetObject $target -UserLabel "$label ($targetName)"))
                    }
                }
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
                    foreach ($key in $item.Keys) {
                        if ($Core.ByKey.ContainsKey($key) -and [object]::ReferenceEquals($Core.ByKey[$key], $item)) { [void]$Core.ByKey.Remove($key) }
                    }
                }
            }
            $cmdlet.WriteObject($output)
        }
        elseif ($type -eq 'error') {
            $user = $record.user
            $item = $null
            if ($null -ne $record.line -and $Core.ByLine.ContainsKey([long]$record.line)) { $item = $Core.ByLine[[long]$record.line] }
            # Input-level errors (a line the core could not take as a user, a repeated user) end
            # their line: no status or result follows. Errors about a store are followed by them.
            if ($null -ne $record.line -and $null -eq $record.store) {
                $Core.LinesEnded++
                if ($item) { Remove-PhotoSyncCoreItem -Core $Core -Item $item }
            }
            if ($Core.Discarding) { continue }
            $errorRecord = New-PhotoSyncErrorRecord -Code $record.code -Message ([string]$record.message) -Hint $record.hint `
                -TargetObject $(if ($item) { $item.Target } else { $user }) -UserLabel (Get-PhotoSyncUserLabel -User $user)
            if ($null -eq $user -and $null -eq $record.line) {
                # About no user: a setup failure when the exit code says so (Complete-PhotoSyncCore).
                $Core.SetupError = $errorRecord
                continue
            }
            $cmdlet.WriteError($errorRecord)
            # The failed results this error explains (same user and cause) are not told again;
            # a failure of another target, or with another cause, is.
            [void]$Core.Reported.Add($user.userPrincipalName + '|' + $user.objectGuid + '|' + $user.samAccountName + '|' + $user.mail + '|' + $user.employeeId + '|*|' + $record.code)
        }
        elseif ($type -eq 'summary') {
            $Core.Summary = $record
            if ($Core.Discarding) { continue }
            $counts = @(foreach ($count in $record.counts.PSObject.Properties) { '{0} {1}' -f $count.Value, $count.Name }) -join ', '
            $cmdlet.WriteVerbose("PhotoSync: $($record.command) of $($record.users) users in $($record.durationMs) ms: $counts; exit code $($record.exitCode)")
        }
        elseif ($type -eq 'finding') {
            if ($Core.Discarding) { continue }
            # About a store as a whole (e.g. a folder file that matches no user), not one user.
            $where = if ($record.store) { " ($($record.store))" } else { '' }
            $text = 'PhotoSync {0}{1}: {2} Hint: {3}' -f $record.code, $where, $record.message, (ConvertTo-PhotoSyncModuleHint -Text $record.hint)
            if ($record.severity -eq 'info') { $cmdlet.WriteVerbose($text) } else { $cmdlet.WriteWarning($text) }
        }
        elseif (-not $Core.Discarding) {
            # Newer binaries may add record types; the contract says consumers ignore them.
            $cmdlet.WriteDebug("PhotoSync: ignoring a record of type '$type'")
        }
    }
}
