function Disconnect-PhotoSync {
    <#
    .SYNOPSIS
    Forgets the connection Connect-PhotoSync set for this session.

    .DESCRIPTION
    Permissions: none. Later PhotoSync commands use only a -Connection
    given to them and the PHOTOSYNC_* environment variables. Connection
    objects kept with Connect-PhotoSync -PassThru stay usable.

    .EXAMPLE
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto
    Disconnect-PhotoSync

    The Get-ADUser style: sync, then drop the kept credential.

    .EXAMPLE
    Import-Csv .\photos.csv | Get-PhotoSyncStatus; Disconnect-PhotoSync

    The CSV style: check, then drop the kept credential.

    .EXAMPLE
    try {
        Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto
    }
    finally { Disconnect-PhotoSync }

    The runbook style: the credential is forgotten even when the run
    fails.

    .INPUTS
    None. Disconnect-PhotoSync takes no pipeline input.

    .OUTPUTS
    None.

    .LINK
    Connect-PhotoSync
    #>
    [CmdletBinding(HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#connecting')]
    [OutputType([void])]
    param()

    $script:PhotoSyncConnection = $null
}
