# A JSON string literal: backslash, quote and control characters escaped. Most values need no
# escaping; the callers check with IndexOfAny first and call this only for those that do.

function ConvertTo-PhotoSyncJsonString([string]$Text) {
    $escaped = $Text.Replace('\', '\\').Replace('"', '\"')
    if ($escaped -match '[\x00-\x1f]') {
        $builder = New-Object -TypeName System.Text.StringBuilder
        foreach ($c in $escaped.ToCharArray()) {
            if ([int]$c -lt 32) { [void]$builder.AppendFormat('\u{0:x4}', [int]$c) } else { [void]$builder.Append($c) }
        }
        $escaped = $builder.ToString()
    }
    return '"' + $escaped + '"'
}
