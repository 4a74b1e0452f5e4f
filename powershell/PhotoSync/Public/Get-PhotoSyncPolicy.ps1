function Get-PhotoSyncPolicy {
    <#
    .SYNOPSIS
    Shows the tenant's photo policy: where user photos may be changed
    and who may change them in Microsoft 365.

    .DESCRIPTION
    Permissions: Microsoft Graph application permission
    PeopleSettings.Read.All (or PeopleSettings.ReadWrite.All). A person
    signing in with -AccessToken also needs an Entra role that reads
    people settings (People Administrator is the least privileged).

    Runs photosync's `policy show`, which reads Microsoft Graph's beta
    admin/people/photoUpdateSettings, and writes one PhotoSync.Policy:
    Action (shown), Source (cloud, onPremises, or unset: the default,
    where both AD and Microsoft 365 write and the last writer wins),
    AllowedRoles (the Entra role template ids that may change photos
    in Microsoft 365; none: every user may change their own),
    CloudPhotoChanges, UsersCanChangeOwnPhoto, Effect (what it means,
    in plain words), Previous ($null here) and Hint.

    allowedRoles replaces Outlook on the web's SetPhotoEnabled
    (Set-OwaMailboxPolicy), which no longer controls photo changes.
    Change the policy with Set-PhotoSyncPolicy.

    .PARAMETER Connection
    The connection to use (Connect-PhotoSync -PassThru); by default the
    session's.

    .EXAMPLE
    if ((Get-PhotoSyncPolicy).Source -eq 'onPremises') {
        Get-ADUser -Filter * -Properties thumbnailPhoto |
            Sync-UserPhoto -Target ad
    }

    The Get-ADUser style: with AD authoritative, photos are written to
    AD (Entra Connect takes them to the cloud); Graph writes would be
    refused (cloud-writes-blocked).

    .EXAMPLE
    $policy = Get-PhotoSyncPolicy
    if ($policy.CloudPhotoChanges) { Import-Csv .\photos.csv | Sync-UserPhoto }

    The CSV style: push photos to Microsoft 365 only where the tenant
    lets them be changed there.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    $policy = Get-PhotoSyncPolicy -ErrorAction Stop
    Write-Output "Photo policy: $($policy.Effect)"

    The runbook style: record in the job's output what the tenant's
    policy allows before a scheduled sync.

    .INPUTS
    None. Get-PhotoSyncPolicy takes no pipeline input.

    .OUTPUTS
    PhotoSync.Policy

    .LINK
    Set-PhotoSyncPolicy

    .LINK
    about_PhotoSync
    #>
    [CmdletBinding(HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#the-tenants-photo-policy')]
    [OutputType('PhotoSync.Policy')]
    param(
        [PSTypeName('PhotoSync.Connection')]
        [psobject]$Connection
    )

    $connection = Resolve-PhotoSyncConnection -Connection $Connection
    Invoke-PhotoSyncPolicy -Cmdlet $PSCmdlet -Connection $connection -ArgumentList @('show')
}
