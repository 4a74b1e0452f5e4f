# A file named by a cmdlet parameter (-State, -ReportPath) as a file-system path for the core,
# read the way PowerShell reads paths; a path off the file system stops the command.

function Resolve-PhotoSyncSettingPath([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Name, [string]$Path) {
    $resolved = Resolve-PhotoSyncPath -Cmdlet $Cmdlet -Path $Path
    if ($resolved.Problem -or -not $resolved.Path) {
        $why = if ($resolved.Problem) { $resolved.Problem } else { 'is empty' }
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-path' -Message "-$Name $why." `
                    -Hint 'Give a file-system path: absolute, relative to the current location, ~/..., or on a FileSystem PSDrive.'))
    }
    return $resolved.Path
}
