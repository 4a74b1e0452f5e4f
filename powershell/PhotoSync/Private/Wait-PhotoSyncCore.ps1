# Waits until one of the core session's reads or writes completes, at most this long, and then
# a few milliseconds more, so records are handled in batches, not one by one. WaitAny, unlike
# Task.Wait, does not throw when a task failed; Step-PhotoSyncCore reads the outcome.

function Wait-PhotoSyncCore($Core, [int]$Milliseconds) {
    $tasks = New-Object -TypeName 'System.Collections.Generic.List[System.Threading.Tasks.Task]'
    foreach ($task in $Core.ReadTask, $Core.ErrorTask, $Core.WriteTask) { if ($null -ne $task) { $tasks.Add($task) } }
    if ($Core.Broker -and $Core.Broker.Accept) { $tasks.Add($Core.Broker.Accept) }
    if ($Core.Confirm -and $Core.Confirm.Real) {
        foreach ($task in $Core.Confirm.Real.ReadTask, $Core.Confirm.Real.ErrorTask, $Core.Confirm.Real.WriteTask) { if ($null -ne $task) { $tasks.Add($task) } }
    }
    if ($tasks.Count -eq 0) {
        [void]$Core.Process.WaitForExit($Milliseconds)
        return
    }
    if ([System.Threading.Tasks.Task]::WaitAny($tasks.ToArray(), $Milliseconds) -ge 0) {
        # Something came: let a few more records join it, so they are parsed as one batch.
        [System.Threading.Thread]::Sleep(2)
    }
}
