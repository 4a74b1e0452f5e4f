# Runs the Pester suite of the PhotoSync module and ends with one plain line for CI:
#   pester: N passed, M failed
# Exit code 0 only when every test passed (and discovery and setup blocks did not fail).
# Works under Windows PowerShell 5.1 and PowerShell 7 (the CI workflow runs both).
param(
    # A Pester.psd1 to import; by default the newest Pester 5 on PSModulePath.
    [string]$PesterPath
)

$ErrorActionPreference = 'Stop'
if ($PesterPath) {
    Import-Module -Name $PesterPath -Force
}
else {
    Import-Module -Name Pester -MinimumVersion 5.0 -Force
}

$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
Write-Host ('pester: {0} passed, {1} failed' -f $result.PassedCount, $failed)
if ($result.Result -ne 'Passed' -or $failed -gt 0) { exit 1 }
exit 0
