# A store spec with its folder resolved as a PowerShell path: folder:~/photos:{samAccountName}.jpg
# becomes folder:/home/me/photos:{samAccountName}.jpg; other specs pass unchanged. DIR and RULE
# are split the way the core splits them (the last ':' before a rule with a placeholder).
# Returns @{ Spec; Problem }.

function Resolve-PhotoSyncStoreSpec([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Spec) {
    $text = $Spec.Trim()
    if (-not $text.StartsWith('folder:', [System.StringComparison]::OrdinalIgnoreCase)) { return @{ Spec = $text; Problem = $null } }
    $rest = $text.Substring(7)
    $rule = $null
    $at = $rest.LastIndexOf(':')
    if ($at -ge 0 -and $rest.Substring($at + 1).Contains('{')) {
        $rule = $rest.Substring($at + 1)
        $rest = $rest.Substring(0, $at)
    }
    if ($rest.Length -eq 0) { return @{ Spec = $text; Problem = $null } }
    $resolved = Resolve-PhotoSyncPath -Cmdlet $Cmdlet -Path $rest
    if ($resolved.Problem) { return @{ Spec = $null; Problem = $resolved.Problem } }
    $spec = 'folder:' + $resolved.Path
    if ($null -ne $rule) { $spec += ':' + $rule }
    return @{ Spec = $spec; Problem = $null }
}
