# A record of the core that is not the output of its kind: an `error` (non-terminating, or the
# setup failure the exit code confirms), a `finding` about a store as a whole (a warning, or
# verbose for info), the `summary` (kept, and told on the verbose stream), or a type this module
# does not know (newer binaries may add types; the contract says consumers ignore them). A
# record of another schema version stops the command (Stop-PhotoSyncUnreadableRun). Called per record, the rare ones only.

function Write-PhotoSyncCoreNotice($Core, $Record) {
    $cmdlet = $Core.Cmdlet
    if ($Record.schemaVersion -ne $script:PhotoSyncSchemaVersion) {
        Stop-PhotoSyncUnreadableRun $Core (New-PhotoSyncSetupError -Code 'schema-mismatch' `
                -Message "photosync wrote a record with schema version '$($Record.schemaVersion)'; this module reads version $($script:PhotoSyncSchemaVersion)." `
                -Hint 'Install the module and the photosync binary from the same release.')
    }
    $type = $Record.type
    if ($type -eq 'error') {
        $user = $Record.user
        $item = $null
        if ($null -ne $Record.line -and $Core.ByLine.ContainsKey([long]$Record.line)) { $item = $Core.ByLine[[long]$Record.line] }
        # Input-level errors (a line the core could not take as a user, a repeated user) end
        # their line: no status or result follows. Errors about a store are followed by them.
        if ($null -ne $Record.line -and $null -eq $Record.store) {
            $Core.LinesEnded++
            if ($item) { Remove-PhotoSyncCoreItem -Core $Core -Item $item }
        }
        if ($Core.Discarding) { return }
        $errorRecord = New-PhotoSyncErrorRecord -Code $Record.code -Message ([string]$Record.message) -Hint $Record.hint `
            -TargetObject $(if ($item) { $item.Target } else { $user }) -UserLabel (Get-PhotoSyncUserLabel -User $user)
        if ($null -eq $user -and $null -eq $Record.line) {
            # About no user: a setup failure when the exit code says so (Complete-PhotoSyncCore).
            $Core.SetupError = $errorRecord
            return
        }
        $cmdlet.WriteError($errorRecord)
        # The failed results this error explains (same user and cause) are not told again;
        # a failure of another target, or with another cause, is.
        [void]$Core.Reported.Add('line ' + $Record.line + '|*|' + $Record.code)
    }
    elseif ($type -eq 'summary') {
        $Core.Summary = $Record
        if ($Core.Discarding) { return }
        $counts = @(foreach ($count in $Record.counts.PSObject.Properties) { '{0} {1}' -f $count.Value, $count.Name }) -join ', '
        $cmdlet.WriteVerbose("PhotoSync: $($Record.command) of $($Record.users) users in $($Record.durationMs) ms: $counts; exit code $($Record.exitCode)")
    }
    elseif ($type -eq 'finding') {
        if ($Core.Discarding) { return }
        # About a store as a whole (e.g. a folder file that matches no user), not one user.
        $where = if ($Record.store) { " ($($Record.store))" } else { '' }
        $text = 'PhotoSync {0}{1}: {2} Hint: {3}' -f $Record.code, $where, $Record.message, (ConvertTo-PhotoSyncModuleHint -Text $Record.hint)
        if ($Record.severity -eq 'info') { $cmdlet.WriteVerbose($text) } else { $cmdlet.WriteWarning($text) }
    }
    elseif (-not $Core.Discarding) {
        $cmdlet.WriteDebug("PhotoSync: ignoring a record of type '$type'")
    }
}
