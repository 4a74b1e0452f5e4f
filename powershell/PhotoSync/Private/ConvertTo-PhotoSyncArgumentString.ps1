# ProcessStartInfo.ArgumentList does not exist on .NET Framework, so arguments are joined with
# the quoting rules both Windows (CommandLineToArgvW) and .NET on Unix parse back.

function ConvertTo-PhotoSyncArgumentString([string[]]$ArgumentList) {
    $parts = foreach ($argument in $ArgumentList) {
        if ($argument.Length -gt 0 -and $argument -notmatch '[\s"]') {
            $argument
            continue
        }
        $escaped = $argument -replace '(\\*)"', '$1$1\"'
        $escaped = $escaped -replace '(\\+)$', '$1$1'
        '"' + $escaped + '"'
    }
    return ($parts -join ' ')
}
