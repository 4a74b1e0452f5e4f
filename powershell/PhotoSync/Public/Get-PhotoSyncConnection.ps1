function Get-PhotoSyncConnection {
    <#
    .SYNOPSIS
    Shows the connection the PhotoSync commands of this session use.

    .DESCRIPTION
    Permissions: none. Writes the session's PhotoSync.Connection
    (Connect-PhotoSync): tenant, client id, which credential, when a
    ready token expires, the service URLs and the directory settings.
    Secrets show only as SecureString. Writes nothing when the session
    has no connection (the commands then read PHOTOSYNC_* environment
    variables).

    .EXAMPLE
    $kept = Get-PhotoSyncConnection
    Get-ADUser -Filter * -Properties thumbnailPhoto |
        Sync-UserPhoto -WhatIf -Connection $kept

    The Get-ADUser style: the connection a sync uses, passed on
    explicitly.

    .EXAMPLE
    Import-Csv .\photos.csv | Get-PhotoSyncStatus
    Get-PhotoSyncConnection | Format-List

    The CSV style: check, then see which connection did it.

    .EXAMPLE
    if ((Get-PhotoSyncConnection).Credential -ne 'ManagedIdentity') {
        Connect-PhotoSync -ManagedIdentity
    }

    The runbook style: make sure a scheduled job uses the managed
    identity.

    .INPUTS
    None. Get-PhotoSyncConnection takes no pipeline input.

    .OUTPUTS
    PhotoSync.Connection

    .LINK
    Connect-PhotoSync
    #>
    [CmdletBinding(HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#connecting')]
    [OutputType('PhotoSync.Connection')]
    param()

    if ($script:PhotoSyncConnection) { $script:PhotoSyncConnection }
}
