# The core's output when the batch is not one JSON array: parsed line by line, to name the line
# that is not JSON (a setup error that stops the command: PHOTOSYNC_BINARY is another program).

function ConvertFrom-PhotoSyncCoreLines($Core, [string]$Text) {
    foreach ($line in $Text.Split([char]"`n")) {
        if ($line.Trim().Length -eq 0) { continue }
        $lineError = $null
        try { $null = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($line, [ref]$lineError) } catch { $lineError = $_ }
        if ($null -ne $lineError) {
            $Core.Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-output' -Message "photosync wrote a line that is not JSON: $line" `
                        -Hint 'Use the photosync binary shipped with this module (PHOTOSYNC_BINARY may point to a different program).'))
        }
    }
    $parseError = $null
    $records = @(foreach ($line in $Text.Split([char]"`n")) {
            if ($line.Trim().Length -gt 0) { [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($line, [ref]$parseError) }
        })
    # The array as one value: the caller loops over it.
    , $records
}
