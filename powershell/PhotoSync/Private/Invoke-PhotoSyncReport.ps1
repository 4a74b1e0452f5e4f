# Runs a photosync command that answers with one JSON record (`auth test`, `policy show|set`)
# with the connection's environment, and returns that record parsed; no record at all is a
# terminating error. An `error` record is returned as is: each caller says what it means.

function Invoke-PhotoSyncReport([System.Management.Automation.PSCmdlet]$Cmdlet, $Connection, [string[]]$ArgumentList) {
    $binary = Get-PhotoSyncBinaryPath -Cmdlet $Cmdlet
    Assert-PhotoSyncSchemaVersion -Cmdlet $Cmdlet -Binary $binary
    $environment = Get-PhotoSyncChildEnvironment -Connection $Connection -Cmdlet $Cmdlet
    try {
        $run = Invoke-PhotoSyncBinary -Binary $binary -ArgumentList $ArgumentList -Variables $environment.Variables -Cmdlet $Cmdlet -Broker $environment.Broker
    }
    finally {
        if ($environment.Broker) { Stop-PhotoSyncTokenBroker -Broker $environment.Broker }
    }
    if ($run.Problem) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-unusable' -Message "Cannot start '$binary': $($run.Problem)" `
                    -Hint 'Check that the binary matches this platform and is executable.'))
    }
    $parseError = $null
    $report = [Microsoft.PowerShell.Commands.JsonObject]::ConvertFromJson($run.Stdout, [ref]$parseError)
    if ($null -ne $parseError -or $null -eq $report) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'bad-output' -Message "photosync $($ArgumentList -join ' ') wrote no report (exit code $($run.ExitCode)): $($run.Stderr.Trim())" `
                    -Hint 'Use the photosync binary shipped with this module.'))
    }
    return $report
}
