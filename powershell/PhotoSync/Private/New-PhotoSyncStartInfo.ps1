# The start info of one photosync run: redirected UTF-8 streams, the caller's file system
# location as working directory, and the connection's PHOTOSYNC_* variables set on the child
# only (secrets never reach argv, visible to every process, nor the session's environment).

function New-PhotoSyncStartInfo([string]$Binary, [string[]]$ArgumentList, [hashtable]$Variables, [System.Management.Automation.PSCmdlet]$Cmdlet) {
    $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $startInfo = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $Binary
    $startInfo.Arguments = ConvertTo-PhotoSyncArgumentString -ArgumentList $ArgumentList
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = $utf8
    $startInfo.StandardErrorEncoding = $utf8
    $location = $Cmdlet.SessionState.Path.CurrentFileSystemLocation
    if ($location) { $startInfo.WorkingDirectory = $location.ProviderPath }
    foreach ($name in $Variables.Keys) {
        $startInfo.EnvironmentVariables[$name] = $Variables[$name]
    }
    return $startInfo
}
