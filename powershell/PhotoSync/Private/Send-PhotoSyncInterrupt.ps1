# Asks a core process to stop the way Ctrl+C does (SIGINT): it takes no more users, lets those in
# flight finish, and writes its state and summary. Unix only; on Windows a console-less child
# cannot be sent Ctrl+C, and ending its input does the same for the users it has not read.
# A Process start, not a native command: this runs while PowerShell stops the pipeline.

function Send-PhotoSyncInterrupt([int]$ProcessId) {
    if ([System.IO.Path]::DirectorySeparatorChar -eq '\') { return }
    foreach ($kill in '/bin/kill', '/usr/bin/kill') {
        if (-not [System.IO.File]::Exists($kill)) { continue }
        try {
            $signal = [System.Diagnostics.Process]::Start($kill, "-INT $ProcessId")
            [void]$signal.WaitForExit(2000)
            $signal.Dispose()
        }
        catch { $null = $_ }
        return
    }
}
