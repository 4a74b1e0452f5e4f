# Azure Automation runs cloud jobs in a sandbox that cannot start child processes; it sets
# AUTOMATION_ASSET_SANDBOX_ID there (Hybrid Runbook Workers run jobs as ordinary processes).

function Test-PhotoSyncCloudSandbox {
    return [bool]$env:AUTOMATION_ASSET_SANDBOX_ID
}
