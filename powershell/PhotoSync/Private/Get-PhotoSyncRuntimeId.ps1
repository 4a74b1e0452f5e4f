# The platform folder of the photosync binary for this machine (bin/<rid>/): win-x64, linux-x64,
# linux-arm64, osx-x64 or osx-arm64.

function Get-PhotoSyncRuntimeId {
    [CmdletBinding()]
    [OutputType([string])]
    param()

    # Windows PowerShell 5.1 has no $IsWindows; it only ever runs on Windows.
    $onWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or ((Test-Path -Path 'Variable:IsWindows') -and $IsWindows)
    $onMac = (-not $onWindows) -and (Test-Path -Path 'Variable:IsMacOS') -and $IsMacOS

    $architecture = $null
    try {
        $architecture = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()
    }
    catch {
        # .NET Framework before 4.7.1 lacks RuntimeInformation; Windows still says it here.
        $architecture = $env:PROCESSOR_ARCHITECTURE
    }
    $arch = switch -Regex ($architecture) {
        '^(X64|AMD64)$' { 'x64'; break }
        '^(Arm64|ARM64)$' { 'arm64'; break }
        default { [string]$architecture }
    }

    if ($onWindows) {
        # Windows on Arm runs x64 binaries under emulation; no native build is shipped.
        return 'win-x64'
    }
    if ($onMac) {
        return "osx-$arch"
    }
    return "linux-$arch"
}
