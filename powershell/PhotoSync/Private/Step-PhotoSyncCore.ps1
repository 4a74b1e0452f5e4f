# Handles everything of one core session that is ready, never waiting: token requests of the
# certificate broker, stderr lines (log, progress), stdout text (records, parsed in batches of
# whole lines), and the next write of queued input. Reads are polled on the pipeline thread
# (Task.IsCompleted): no script block runs as a .NET callback on another thread, which Windows
# PowerShell 5.1 does not allow. A failed task is read through its Status, never its Result, so
# nothing is thrown and nothing lands in $Error.

function Step-PhotoSyncCore($Core) {
    if ($Core.Broker) { Invoke-PhotoSyncTokenBroker -Broker $Core.Broker }
    while ($Core.ErrorTask -and $Core.ErrorTask.IsCompleted) {
        $text = $null
        if ($Core.ErrorTask.Status -eq 'RanToCompletion') { $text = $Core.ErrorTask.Result }
        if ($null -eq $text) { $Core.ErrorTask = $null; break }
        $Core.ErrorTask = $Core.Process.StandardError.ReadLineAsync()
        Write-PhotoSyncCoreLog -Core $Core -Text $text
    }

    while ($Core.ReadTask -and $Core.ReadTask.IsCompleted) {
        $count = 0
        if ($Core.ReadTask.Status -eq 'RanToCompletion') { $count = $Core.ReadTask.Result }
        if ($count -le 0) { $Core.ReadTask = $null; break }
        [void]$Core.OutText.Append($Core.ReadBuffer, 0, $count)
        $Core.ReadTask = $Core.Process.StandardOutput.ReadAsync($Core.ReadBuffer, 0, $Core.ReadBuffer.Length)
        if ($Core.OutText.Length -ge 262144) { break }
    }
    if ($Core.OutText.Length -gt 0) {
        $text = $Core.OutText.ToString()
        # Whole lines only.
        $end = $text.LastIndexOf("`n") + 1
        if ($end -gt 0) {
            [void]$Core.OutText.Remove(0, $end)
            Write-PhotoSyncCoreRecords -Core $Core -Text $text.Substring(0, $end)
        }
        if ($null -eq $Core.ReadTask -and $Core.OutText.Length -gt 0) {
            # The output ended inside a line: photosync died mid-write. Its exit code decides
            # (Complete-PhotoSyncCore); the user of that record gets PhotoSync.no-result.
            if (-not $Core.Discarding) { $Core.Cmdlet.WriteVerbose("PhotoSync: photosync's output ended inside a record: $($Core.OutText.ToString())") }
            [void]$Core.OutText.Clear()
        }
    }
    if ($Core.Confirm -and $Core.Confirm.Real) { Step-PhotoSyncCore -Core $Core.Confirm.Real }

    if (-not $Core.StdinOpen) { return }
    $task = $Core.WriteTask
    if ($null -ne $task -and -not $task.IsCompleted) { return }
    if ($null -ne $task -and $task.Status -ne 'RanToCompletion') {
        # The core stopped reading (it exited); its exit code and records say why.
        $Core.StdinOpen = $false
        $Core.StdinBroken = $true
        $Core.WriteTask = $null
        [void]$Core.Pending.Clear()
        if (-not $Core.Discarding) { $Core.Cmdlet.WriteVerbose('PhotoSync: photosync stopped reading its input.') }
        return
    }
    if ($Core.NeedsFlush) {
        $Core.NeedsFlush = $false
        $Core.WriteTask = $Core.Stdin.FlushAsync()
    }
    elseif ($Core.Pending.Length -gt 0) {
        $bytes = $Core.Encoding.GetBytes($Core.Pending.ToString())
        [void]$Core.Pending.Clear()
        $Core.NeedsFlush = $true
        $Core.WriteTask = $Core.Stdin.WriteAsync($bytes, 0, $bytes.Length)
    }
    else { $Core.WriteTask = $null }
}
