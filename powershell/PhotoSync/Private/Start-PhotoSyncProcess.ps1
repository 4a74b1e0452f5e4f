# Starts photosync from a start info and returns @{ Process; Problem }: the process, or why it
# could not start (no execute bit, another platform's binary). .NET Framework writes
# Console.InputEncoding's preamble to a child's stdin when it starts it; a UTF-8 console would
# put a BOM before the first JSON line, so the console's input encoding is BOM-less for the
# moment of the start.

function Start-PhotoSyncProcess([System.Diagnostics.ProcessStartInfo]$StartInfo) {
    $savedInputEncoding = $null
    if ($PSVersionTable.PSEdition -ne 'Core') {
        try {
            $savedInputEncoding = [Console]::InputEncoding
            if ($savedInputEncoding.GetPreamble().Length -gt 0) {
                [Console]::InputEncoding = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
            }
            else { $savedInputEncoding = $null }
        }
        catch { $savedInputEncoding = $null }
    }
    try {
        # Process.Start run as a task, which keeps a failure as its Exception: a .NET call that
        # throws leaves its exceptions in $Error and -ErrorVariable even when caught, where only
        # PhotoSync's own records may be.
        $start = [System.Diagnostics.Process].GetMethod('Start', [type[]]@([System.Diagnostics.ProcessStartInfo]))
        $task = [System.Threading.Tasks.Task[System.Diagnostics.Process]]::new([System.Delegate]::CreateDelegate([Func[System.Diagnostics.Process]], $StartInfo, $start))
        $task.RunSynchronously()
        if ($task.Status -eq 'RanToCompletion') { return @{ Process = $task.Result; Problem = $null } }
        return @{ Process = $null; Problem = $task.Exception.GetBaseException().Message }
    }
    finally {
        if ($savedInputEncoding) { try { [Console]::InputEncoding = $savedInputEncoding } catch { $null = $_ } }
    }
}
