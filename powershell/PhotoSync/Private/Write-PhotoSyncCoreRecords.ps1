# Whole stdout lines of the core, handled as they arrive: parsed in one batch (one JSON array,
# not one ConvertFrom-Json per line), then handed to the loop of this core's kind, which writes
# the output objects (Write-PhotoSyncStatusRecords, Write-PhotoSyncResultRecords); the rare
# records (errors, findings, the summary) go to Write-PhotoSyncCoreNotice.
#
# Why a loop per kind, with the rare records apart: PowerShell compiles a hot function's whole
# body to one .NET method (and a hot loop inside it once more, on its own), and the JIT's cost
# grows faster than the method's size. One loop for both kinds, with every rare branch inline,
# cost the first pipeline of a session about three seconds of CPU in compilation alone
# (docs/performance.md, "The first pipeline of a session").

function Write-PhotoSyncCoreRecords($Core, [string]$Text) {
    # The shape of every line is checked before parsing: the parser throws on text that is not
    # JSON, and a thrown exception lands in $Error and -ErrorVariable even when caught, where
    # only PhotoSync's own error may.
    $notARecord = $script:PhotoSyncNotARecord.Match($Text)
    $parseError = $null
    if (-not $notARecord.Success) {
        # Windows PowerShell's parser throws on bad JSON where PowerShell 7's reports it.
        try { $records = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson('[' + $Text.Trim().Replace("`n", ',') + ']', [ref]$parseError) }
        catch { $parseError = $_ }
    }
    if ($notARecord.Success -or $null -ne $parseError) {
        $what = if ($notARecord.Success) { 'a line that is not JSON: ' + $notARecord.Value.Trim() } else { "output that is not JSON Lines: $parseError" }
        Stop-PhotoSyncUnreadableRun $Core (New-PhotoSyncSetupError -Code 'bad-output' -Message "photosync wrote $what" `
                -Hint 'Use the photosync binary shipped with this module (PHOTOSYNC_BINARY may point to a different program).')
    }
    if ($Core.Kind -eq 'status') { Write-PhotoSyncStatusRecords $Core $records }
    else { Write-PhotoSyncResultRecords $Core $records }
}
