# Starts photosync from a start info. .NET Framework writes Console.InputEncoding's preamble to a
# child's stdin when it starts it; a UTF-8 console would put a BOM before the first JSON line,
# so the console's input encoding is BOM-less for the moment of the start.

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
        return [System.Diagnostics.Process]::Start($StartInfo)
    }
    finally {
        if ($savedInputEncoding) { try { [Console]::InputEncoding = $savedInputEncoding } catch { $null = $_ } }
    }
}
