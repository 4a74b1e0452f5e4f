# One stdout line of the core, handled as it arrives: output objects to the pipeline, per-user
# failures as non-terminating ErrorRecords (one per user and target), progress, store findings.
# Each input item is released once its user's last record has come back, so the module holds
# only the users in flight.

function Find-PhotoSyncCoreItem($Core, $Record) {
    # The input item a record is about: by input line, else by any echoed identity key.
    $line = $Record.line
    if ($line -and $Core.ByLine.ContainsKey([long]$line)) { return $Core.ByLine[[long]$line] }
    foreach ($key in Get-PhotoSyncUserKeyList -User $Record.user) {
        if ($Core.ByKey.ContainsKey($key)) { return $Core.ByKey[$key] }
    }
    return $null
}

function Remove-PhotoSyncCoreItem($Core, $Item) {
    if ($null -eq $Item) { return }
    [void]$Core.ByLine.Remove([long]$Item.Line)
    foreach ($key in $Item.Keys) {
        if ($Core.ByKey.ContainsKey($key) -and [object]::ReferenceEquals($Core.ByKey[$key], $Item)) { [void]$Core.ByKey.Remove($key) }
    }
}

function Complete-PhotoSyncCoreItem($Core, $Item) {
    # One of the user's records arrived; the last one releases the item.
    if ($null -eq $Item) { return }
    $Item.Remaining--
    if ($Item.Remaining -le 0) { Remove-PhotoSyncCoreItem -Core $Core -Item $Item }
}

function Get-PhotoSyncUserId($User) {
    # One string per user for "already reported" bookkeeping.
    if ($null -eq $User) { return '' }
    return ('{0}|{1}|{2}|{3}|{4}' -f $User.userPrincipalName, $User.objectGuid, $User.samAccountName, $User.mail, $User.employeeId).ToLowerInvariant()
}

function Write-PhotoSyncCoreRecord($Core, [string]$Line) {
    $cmdlet = $Core.Cmdlet
    try {
        $record = ConvertFrom-Json -InputObject $Line
    }
    catch {
        $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-output' -Message "photosync wrote a line that is not JSON: $Line" `
                    -Hint 'Use the photosync binary shipped with this module (PHOTOSYNC_BINARY may point to a different program).'))
    }
    if ($record.schemaVersion -ne $script:PhotoSyncSchemaVersion) {
        $cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'schema-mismatch' `
                    -Message "photosync wrote a record with schema version '$($record.schemaVersion)'; this module reads version $($script:PhotoSyncSchemaVersion)." `
                    -Hint 'Install the module and the photosync binary from the same release.'))
    }

    switch ([string]$record.type) {
        'status' {
            $Core.UserRecords++
            $item = Find-PhotoSyncCoreItem -Core $Core -Record $record
            # A store that could not be read for this user: one non-terminating error per user
            # and store (the status object still comes, with that store's state 'error').
            $userId = Get-PhotoSyncUserId -User $record.user
            foreach ($store in @($record.stores)) {
                if ($null -eq $store -or $null -eq $store.error) { continue }
                $perStore = $userId + '|' + $store.store
                if ($Core.Reported.Contains($perStore) -or $Core.Reported.Contains($userId + '|*|' + $store.error.code)) { continue }
                [void]$Core.Reported.Add($perStore)
                $target = if ($item) { $item.Target } else { $null }
                $cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $store.error.code -Message ([string]$store.error.message) `
                            -Hint $store.error.hint -TargetObject $target -UserLabel ("$(Get-PhotoSyncUserLabel -User $record.user) ($($store.store))")))
            }
            Complete-PhotoSyncCoreItem -Core $Core -Item $item
            $cmdlet.WriteObject((ConvertTo-PhotoSyncUserPhotoStatus -Record $record))
        }
        'result' {
            $Core.UserRecords++
            $item = Find-PhotoSyncCoreItem -Core $Core -Record $record
            $result = ConvertTo-PhotoSyncSyncResult -Record $record
            if ($result.Action -eq 'failed' -and $result.Error) {
                # One ErrorRecord per failed user and target, unless the core already reported
                # this user's cause (an `error` record with the same code) for all targets.
                $userId = Get-PhotoSyncUserId -User $record.user
                $perTarget = $userId + '|' + $result.Target
                $sameCause = $userId + '|*|' + $result.Error.Code
                if (-not $Core.Reported.Contains($perTarget) -and -not $Core.Reported.Contains($sameCause)) {
                    [void]$Core.Reported.Add($perTarget)
                    $target = if ($item) { $item.Target } else { $null }
                    $cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $result.Error.Code -Message ([string]$result.Error.Message) `
                                -Hint $result.Error.Hint -TargetObject $target -UserLabel ("$($result.User) ($($result.Target))")))
                }
            }
            Complete-PhotoSyncCoreItem -Core $Core -Item $item
            $cmdlet.WriteObject($result)
        }
        'error' {
            $user = $record.user
            $isAboutOneItem = ($null -ne $user) -or ($null -ne $record.line)
            $target = $null
            $item = $null
            if ($isAboutOneItem) {
                $item = Find-PhotoSyncCoreItem -Core $Core -Record $record
                $target = if ($item) { $item.Target } else { $user }
            }
            $errorRecord = New-PhotoSyncErrorRecord -Code $record.code -Message ([string]$record.message) -Hint $record.hint `
                -TargetObject $target -UserLabel (Get-PhotoSyncUserLabel -User $user)
            if (-not $isAboutOneItem) {
                # About no user: a setup failure when the exit code says so (Complete-PhotoSyncCore).
                $Core.SetupError = $errorRecord
                return
            }
            $cmdlet.WriteError($errorRecord)
            $userId = Get-PhotoSyncUserId -User $user
            # The failed results this error explains (same user and cause) are not told again;
            # a failure of another target, or with another cause, is.
            [void]$Core.Reported.Add($userId + '|*|' + $record.code)
            if ($null -eq $user -and $item) {
                # A line the core could not take as a user (bad JSON, no identity): nothing follows.
                Remove-PhotoSyncCoreItem -Core $Core -Item $item
            }
        }
        'finding' {
            # About a store as a whole (e.g. a folder file that matches no user), not one user.
            $where = if ($record.store) { " ($($record.store))" } else { '' }
            $text = 'PhotoSync {0}{1}: {2} Hint: {3}' -f $record.code, $where, $record.message, $record.hint
            if ($record.severity -eq 'info') { $cmdlet.WriteVerbose($text) } else { $cmdlet.WriteWarning($text) }
        }
        'summary' {
            $Core.Summary = $record
            $cmdlet.WriteVerbose('PhotoSync: ' + (ConvertTo-Json -InputObject $record -Compress -Depth 4))
        }
        default {
            # Newer binaries may add record types; the contract says consumers ignore them.
            $cmdlet.WriteDebug("PhotoSync: ignoring record: $Line")
        }
    }
}
