# Asks (-Confirm) before one user's photo is written: ShouldProcess, on the pipeline thread.
# Its own function, so the one question asked per user is easy to see and to test.

function Confirm-PhotoSyncUser([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Label, [string]$Action) {
    return $Cmdlet.ShouldProcess($Label, $Action)
}
