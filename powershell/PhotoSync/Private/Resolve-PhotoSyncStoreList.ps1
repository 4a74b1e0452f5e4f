# The stores of -Store, -Target or -Source: each element may hold several specs separated by
# commas (as the core takes them). Returns @{ Specs = as given, to name stores in the output;
# CoreSpecs = with folders resolved as PowerShell paths, for the core }. A folder path off the
# file system stops the command.

function Resolve-PhotoSyncStoreList([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Name, [string[]]$List) {
    $specs = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $coreSpecs = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($element in $List) {
        foreach ($spec in $element.Split(',')) {
            if ($spec.Trim().Length -eq 0) { continue }
            $resolved = Resolve-PhotoSyncStoreSpec -Cmdlet $Cmdlet -Spec $spec
            if ($resolved.Problem) {
                $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-path' -Message "-$Name ${spec}: the folder $($resolved.Problem)." `
                            -Hint 'Give folder:DIR[:RULE] with DIR a file-system path: absolute, relative to the current location, ~/..., or on a FileSystem PSDrive.'))
            }
            $specs.Add($spec.Trim())
            $coreSpecs.Add($resolved.Spec)
        }
    }
    return @{ Specs = [string[]]$specs.ToArray(); CoreSpecs = [string[]]$coreSpecs.ToArray() }
}
