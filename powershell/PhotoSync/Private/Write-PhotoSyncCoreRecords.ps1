# Whole stdout lines of the core, handled as they arrive: parsed in one batch (one JSON array,
# not one ConvertFrom-Json per line), then output objects to the pipeline, per-user failures as
# non-terminating ErrorRecords (one per user and target or store), store findings as warnings,
# the summary kept. Each input item is released once its user's last record has come back, so
# the module holds only the users in flight. Under -Confirm (a dry run first), a user's results
# are held until all are in, then Resolve-PhotoSyncConfirmation decides. While a stopped
# pipeline is wound down (Discarding), records are only counted.

function Write-PhotoSyncCoreRecords($Core, [string]$Text) {
    $cmdlet = $Core.Cmdlet
    $parseError = $null
    $records = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson('[' + $Text.Trim().Replace("`n", ',') + ']', [ref]$parseError)
    if ($null -ne $parseError) {
        # Find the line that is not JSON, to say which.
        foreach ($line in $Text.Split([char]"`n")) {
            if ($line.Trim().Length -eq 0) { continue }
            $lineError = $null
            $null = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($line, [ref]$lineError)
            if ($null -ne $lineError) {
                $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-output' -Message "photosync wrote a line that is not JSON: $line" `
                            -Hint 'Use the photosync binary shipped with this module (PHOTOSYNC_BINARY may point to a different program).'))
            }
        }
        $records = @(foreach ($line in $Text.Split([char]"`n")) {
                if ($line.Trim().Length -gt 0) { [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($line, [ref]$parseError) }
            })
    }

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
            # The input item this record is about: by any echoed identity key.
            $item = $null
            $user = $record.user
            if ($user) {
                if ($user.objectGuid -and $Core.ByKey.TryGetValue('objectGuid:' + $user.objectGuid, [ref]$item)) { }
                elseif ($user.userPrincipalName -and $Core.ByKey.TryGetValue('userPrincipalName:' + $user.userPrincipalName, [ref]$item)) { }
                elseif ($user.samAccountName -and $Core.ByKey.TryGetValue('samAccountName:' + $user.samAccountName, [ref]$item)) { }
                elseif ($user.mail -and $Core.ByKey.TryGetValue('mail:' + $user.mail, [ref]$item)) { }
                elseif ($user.employeeId -and $Core.ByKey.TryGetValue('employeeId:' + $user.employeeId, [ref]$item)) { }
            }
            if ($null -eq $item -and $Core.Confirm) { $item = New-PhotoSyncRecordItem -Core $Core -User $user }
            $target = if ($item) { $item.Target } else { $null }
            $userId = '{0}|{1}|{2}|{3}|{4}' -f $user.userPrincipalName, $user.objectGuid, $user.samAccountName, $user.mail, $user.employeeId

            if ($type -eq 'status') {
                $output = ConvertTo-PhotoSyncUserPhotoStatus -Core $Core -Record $record -Item $item
                if ($output.Verdict -ne 'in-sync' -and $output.Verdict -ne 'no-photo') { $Core.Drift++ }
                # A store that could not be read for this user: one non-terminating error per user
                # and store (the status object still comes, with that store's state 'error').
                foreach ($store in $output.Stores) {
                    if ($null -eq $store.Error) { continue }
                    $perStore = $userId + '|' + $store.Store
                    if ($Core.Reported.Contains($perStore) -or $Core.Reported.Contains($userId + '|*|' + $store.Error.Code)) { continue }
                    [void]$Core.Reported.Add($perStore)
                    $cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $store.Error.Code -Message ([string]$store.Error.Message) `
                                -Hint $store.Error.Hint -TargetObject $target -UserLabel "$($output.User) ($($store.Store))"))
                }
            }
            else {
                # A user's results come together, one per target in the order of -Target.
                $targetName = $record.target
                if ($item -and $Core.Specs.Count -eq $Core.RecordsPerUser) { $targetName = $Core.Specs[$Core.RecordsPerUser - $item.Remaining] }
                $output = ConvertTo-PhotoSyncSyncResult -Record $record -Target $targetName
                if ($output.Action -eq 'failed' -and $output.Error) {
                    # One ErrorRecord per failed user and target, unless the core already reported
                    # this user's cause (an `error` record with the same code) for all targets.
                    $perTarget = $userId + '|' + $targetName
                    if (-not $Core.Reported.Contains($perTarget) -and -not $Core.Reported.Contains($userId + '|*|' + $output.ErrorCode)) {
                        [void]$Core.Reported.Add($perTarget)
                        $cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $output.ErrorCode -Message ([string]$output.ErrorMessage) `
                                    -Hint $output.Error.Hint -TargetObject $target -UserLabel "$($output.User) ($targetName)"))
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
                if ($item.Remaining -le 0) { Remove-PhotoSyncCoreItem -Core $Core -Item $item }
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
            [void]$Core.Reported.Add(('{0}|{1}|{2}|{3}|{4}' -f $user.userPrincipalName, $user.objectGuid, $user.samAccountName, $user.mail, $user.employeeId) + '|*|' + $record.code)
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
