@{
    RootModule           = 'PhotoSync.psm1'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '3b9dc26f-daf1-4862-937e-0056c2d1be3d'
    Author               = 'PhotoSync contributors'
    CompanyName          = 'PhotoSync'
    Copyright            = '(c) PhotoSync contributors. MIT License.'
    Description          = 'See which store holds which user photo (Active Directory thumbnailPhoto, Microsoft Graph for Entra/Exchange/Teams, SharePoint profiles, a folder), compare them perceptually, and sync them. Works with Get-ADUser, Import-Csv and Azure Automation runbooks (Hybrid Runbook Worker).'
    PowerShellVersion    = '5.1'
    FormatsToProcess     = @('PhotoSync.Format.ps1xml')
    FunctionsToExport    = @(
        'Connect-PhotoSync'
        'Disconnect-PhotoSync'
        'Get-PhotoSyncStatus'
        'Sync-UserPhoto'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    FileList             = @(
        'PhotoSync.psd1'
        'PhotoSync.psm1'
        'PhotoSync.Format.ps1xml'
        'en-US/about_PhotoSync.help.txt'
        'Public/Connect-PhotoSync.ps1'
        'Public/Disconnect-PhotoSync.ps1'
        'Public/Get-PhotoSyncStatus.ps1'
        'Public/Sync-UserPhoto.ps1'
        'Private/ConvertFrom-PhotoSyncRecord.ps1'
        'Private/Get-PhotoSyncChildEnvironment.ps1'
        'Private/New-PhotoSyncInputItem.ps1'
        'Private/PhotoSyncCore.ps1'
        'Private/Resolve-PhotoSyncBinary.ps1'
        'Private/Write-PhotoSyncCoreRecord.ps1'
        'bin/README.md'
    )
    PrivateData          = @{
        PSData = @{
            Tags         = @('ActiveDirectory', 'AzureAD', 'Entra', 'MicrosoftGraph', 'Exchange', 'SharePoint', 'Teams', 'ProfilePhoto', 'thumbnailPhoto', 'AzureAutomation', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'Streams the pipeline through one photosync process; -Force only skips prompts (-Overwrite rewrites); per-user failures keep every result; Get-PhotoSyncStatus defaults to graph (+ ad when LDAP is configured). JSON contract schema version 1.'
        }
    }
}
