function Disconnect-PhotoSync {
    <#
    .SYNOPSIS
    Forgets the connection settings Connect-PhotoSync kept for this session.

    .DESCRIPTION
    Permissions: none. Later PhotoSync commands use only their own parameters and the PHOTOSYNC_*
    environment variables.

    .EXAMPLE
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto; Disconnect-PhotoSync

    The Get-ADUser style: sync, then drop the kept credential.

    .EXAMPLE
    Import-Csv .\photos.csv | Get-PhotoSyncStatus; Disconnect-PhotoSync

    The CSV style: check, then drop the kept credential.

    .EXAMPLE
    try { Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto } finally { Disconnect-PhotoSync }

    The runbook style: the credential is forgotten even when the run fails.

    .LINK
    Connect-PhotoSync
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param()

    $script:PhotoSyncConnection = $null
}
