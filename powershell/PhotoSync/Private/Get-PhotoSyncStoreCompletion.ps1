# Tab completion of a store spec: the kinds that start with the word typed, and for folder: the
# folders under what follows it (a PowerShell path: relative, ~, a PSDrive).

function Get-PhotoSyncStoreCompletion([string]$Word, [string[]]$Kinds) {
    $quote = ''
    if ($Word.Length -gt 0 -and ($Word[0] -eq "'" -or $Word[0] -eq '"')) { $quote = $Word.Substring(0, 1); $Word = $Word.Substring(1) }
    if (-not $Word.StartsWith('folder:', [System.StringComparison]::OrdinalIgnoreCase)) {
        foreach ($kind in $Kinds) {
            if ($kind.StartsWith($Word, [System.StringComparison]::OrdinalIgnoreCase)) {
                $tip = if ($kind -eq 'folder:') { 'folder:DIR[:RULE], e.g. folder:.\photos:{samAccountName}.jpg' } else { $kind }
                New-Object -TypeName System.Management.Automation.CompletionResult -ArgumentList $kind, $kind, 'ParameterValue', $tip
            }
        }
        return
    }
    $typed = $Word.Substring(7)
    $directories = @(Get-ChildItem -Path ($typed + '*') -Directory -ErrorAction Ignore | Select-Object -First 50)
    foreach ($directory in $directories) {
        $path = if ($typed -and -not [System.IO.Path]::IsPathRooted($typed) -and -not $typed.StartsWith('~')) { Resolve-Path -LiteralPath $directory.FullName -Relative } else { $directory.FullName }
        $text = 'folder:' + $path
        if ($quote -or $text.Contains(' ')) { $q = if ($quote) { $quote } else { "'" }; $text = $q + $text + $q }
        New-Object -TypeName System.Management.Automation.CompletionResult -ArgumentList $text, $directory.Name, 'ParameterValue', $directory.FullName
    }
}
