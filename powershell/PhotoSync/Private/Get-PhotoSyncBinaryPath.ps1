# The binary to run, or a terminating error that says why there is none: an Azure Automation
# cloud sandbox, or no binary for this platform.

function Get-PhotoSyncBinaryPath([System.Management.Automation.PSCmdlet]$Cmdlet) {
    if (Test-PhotoSyncCloudSandbox) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'cloud-sandbox' `
                    -Message 'This runbook runs in an Azure Automation cloud sandbox, which cannot start the photosync program.' `
                    -Hint 'Run this runbook on a Hybrid Runbook Worker (Start-AzAutomationRunbook -RunOn <worker group>); see docs/powershell.md, "Azure Automation".'))
    }
    # PHOTOSYNC_BINARY may be set after import (development, tests): honour it at call time.
    if ($env:PHOTOSYNC_BINARY -or -not $script:PhotoSyncBinary -or -not $script:PhotoSyncBinary.Path) {
        $script:PhotoSyncBinary = Resolve-PhotoSyncBinary -ModuleRoot $script:PhotoSyncModuleRoot
    }
    if (-not $script:PhotoSyncBinary.Path) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-missing' -Message $script:PhotoSyncBinary.Problem `
                    -Hint "Platform: $($script:PhotoSyncBinary.RuntimeId). See docs/powershell.md, section 'Installing'."))
    }
    return $script:PhotoSyncBinary.Path
}
