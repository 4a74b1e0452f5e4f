# One stderr line of the core, as it comes. `--progress json` writes progress records there
# (stdout is data): Write-Progress. Warnings and errors of the run go to the warning stream, the
# rest to the verbose stream. A setup failure's "error:" and "hint:" lines stay verbose: the
# error record the core also writes becomes the one terminating error, so it is told once.

function Write-PhotoSyncCoreLog($Core, [string]$Text) {
    if ($Text.StartsWith('{"type":"progress"')) { Write-PhotoSyncCoreProgress -Core $Core -Text $Text; return }
    $Text = $Text -replace '\x1b\[[0-9;]*m', ''
    if ($Text.Trim().Length -eq 0) { return }
    $Core.ErrorTail.Enqueue($Text)
    if ($Core.ErrorTail.Count -gt 5) { [void]$Core.ErrorTail.Dequeue() }
    if ($Core.Discarding) { return }
    # tracing's format is "<time>  WARN <target>: <message>".
    if ($Text -cmatch '^\S*\s*(WARN|ERROR)\s') { $Core.Cmdlet.WriteWarning('photosync: ' + (ConvertTo-PhotoSyncModuleHint -Text $Text)) }
    else { $Core.Cmdlet.WriteVerbose("photosync: $Text") }
}
