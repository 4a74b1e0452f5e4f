# Azure Automation stores every progress record with the job, which slows jobs down and fills
# the job log, so progress is shown only in interactive-style hosts.

function Test-PhotoSyncProgressWanted {
    if ($env:AUTOMATION_ASSET_ACCOUNTID -or $env:AUTOMATION_ASSET_SANDBOX_ID) { return $false }
    if ($PSPrivateData -and $PSPrivateData.PSObject.Properties['AutomationJobId']) { return $false }
    if ($env:PHOTOSYNC_NO_PROGRESS) { return $false }
    return $true
}
