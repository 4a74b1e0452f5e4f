# A path as PowerShell reads it (~, a PSDrive such as Photos:\ann.jpg, relative to the current
# location) turned into the file-system path the core opens. Returns @{ Path; Problem } and
# never throws, so a bad path is one user's error and leaves nothing in $Error.

function Resolve-PhotoSyncPath([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Path) {
    $text = $Path.Trim()
    if ($text.Length -eq 0) { return @{ Path = $null; Problem = $null } }
    $sessionState = $Cmdlet.SessionState
    if ($text -eq '~' -or $text.StartsWith('~/') -or $text.StartsWith('~\')) {
        # The file system's home, whichever provider the current location belongs to.
        $homeFolder = $sessionState.Provider.GetOne('FileSystem').Home
        if (-not $homeFolder) { return @{ Path = $null; Problem = "'$Path' starts with ~, but the file system has no home folder here" } }
        return @{ Path = [System.IO.Path]::Combine($homeFolder, $text.Substring([Math]::Min(2, $text.Length))); Problem = $null }
    }
    $qualifier = $null
    $colon = $text.IndexOf(':')
    if ($colon -gt 0 -and $text.Substring(0, $colon).IndexOfAny([char[]]'\/') -lt 0) { $qualifier = $text.Substring(0, $colon) }
    # An absolute file-system path (C:\x, \\server\share\x, /x) needs no provider.
    if ([System.IO.Path]::IsPathRooted($text) -and ($null -eq $qualifier -or $qualifier.Length -eq 1)) {
        return @{ Path = $text; Problem = $null }
    }
    if ($qualifier) {
        $drive = $null
        foreach ($candidate in $sessionState.Drive.GetAll()) {
            if ($candidate.Name -eq $qualifier) { $drive = $candidate; break }
        }
        if ($null -eq $drive) {
            return @{ Path = $null; Problem = "'$Path' names the drive ${qualifier}:, which does not exist in this session" }
        }
        if ($drive.Provider.Name -ne 'FileSystem') {
            return @{ Path = $null; Problem = "'$Path' is on the $($drive.Provider.Name) drive ${qualifier}:, not on the file system" }
        }
    }
    elseif ($sessionState.Path.CurrentLocation.Provider.Name -ne 'FileSystem') {
        # A relative path while the location is, say, HKLM:\ — relative to the file-system location.
        return @{ Path = [System.IO.Path]::Combine($sessionState.Path.CurrentFileSystemLocation.ProviderPath, $text); Problem = $null }
    }
    return @{ Path = $sessionState.Path.GetUnresolvedProviderPathFromPSPath($text); Problem = $null }
}
