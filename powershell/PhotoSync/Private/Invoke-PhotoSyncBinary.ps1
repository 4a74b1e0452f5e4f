# Runs photosync to completion for a short command (`schema`, `auth test`) and returns its exit
# code, stdout and stderr, serving the certificate token broker meanwhile when there is one, or
# Problem: why it could not start. A Process instead of `& $binary 2>$null`: Windows PowerShell
# 5.1 turns a native command's stderr lines into ErrorRecords in $Error even when redirected.

function Invoke-PhotoSyncBinary([string]$Binary, [string[]]$ArgumentList, [hashtable]$Variables, [System.Management.Automation.PSCmdlet]$Cmdlet, $Broker) {
    if ($null -eq $Variables) { $Variables = @{} }
    $startInfo = New-PhotoSyncStartInfo -Binary $Binary -ArgumentList $ArgumentList -Variables $Variables -Cmdlet $Cmdlet
    $started = Start-PhotoSyncProcess -StartInfo $startInfo
    if ($started.Problem) { return @{ Problem = $started.Problem } }
    $process = $started.Process
    try {
        $process.StandardInput.Close()
        # Both streams are read at once, so neither pipe can fill and stall the child.
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        foreach ($task in $stdout, $stderr) {
            while (-not $task.IsCompleted) {
                [void][System.Threading.Tasks.Task]::WaitAny([System.Threading.Tasks.Task[]]@($task), 20)
                if ($Broker) { Invoke-PhotoSyncTokenBroker -Broker $Broker }
            }
        }
        $process.WaitForExit()
        $out = if ($stdout.Status -eq 'RanToCompletion') { $stdout.Result } else { '' }
        $err = if ($stderr.Status -eq 'RanToCompletion') { $stderr.Result } else { '' }
        return @{ ExitCode = $process.ExitCode; Stdout = $out; Stderr = $err; Problem = $null }
    }
    finally { $process.Dispose() }
}
