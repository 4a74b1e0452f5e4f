function Set-PhotoSyncPolicy {
    <#
    .SYNOPSIS
    Changes the tenant's photo policy: where user photos may be changed
    (-Source) and which roles may change them in Microsoft 365
    (-AllowedRoles).

    .DESCRIPTION
    Permissions: Microsoft Graph application permission
    PeopleSettings.ReadWrite.All. A person signing in with -AccessToken
    also needs the People Administrator role (or a broader one).

    Runs photosync's `policy set` against Microsoft Graph's beta
    admin/people/photoUpdateSettings: only the settings given are
    changed (PATCH); -Source unset resets the whole policy (DELETE),
    allowed roles included. The policy is read back and written as one
    PhotoSync.Policy (see Get-PhotoSyncPolicy) with Action updated,
    reset or unchanged (the tenant already had it: nothing was sent),
    and Previous, the policy before. Microsoft 365 can take up to 24
    hours to apply a change everywhere.

    -WhatIf sends nothing and writes the policy as it would be (Action
    would-update or would-reset, with Previous). The change applies to
    the whole tenant, so the command asks first (ConfirmImpact High);
    -Force or -Confirm:$false does not ask.

    .PARAMETER Source
    Where photos may be changed: cloud (managed in Microsoft 365, a
    photo set there wins over AD's), onPremises (only in AD, exported
    by Entra Connect; changes through Microsoft 365 are blocked, Graph
    writes of Sync-UserPhoto included), or unset (the default, empty
    policy: both write, the last writer wins; takes no -AllowedRoles).

    .PARAMETER AllowedRoles
    The roles that may change photos in Microsoft 365:
    people-administrator, user-administrator, global-administrator or
    Entra role template ids (GUIDs). none (or an empty list) lets every
    user change their own photo.

    .PARAMETER Force
    Do not ask for confirmation (like -Confirm:$false).

    .PARAMETER Connection
    The connection to use (Connect-PhotoSync -PassThru); by default the
    session's.

    .EXAMPLE
    Set-PhotoSyncPolicy -Source onPremises -WhatIf
    Get-ADUser -Filter * -Properties thumbnailPhoto |
        Sync-UserPhoto -Target ad

    The Get-ADUser style: see what making AD authoritative would
    change, then keep the photos in AD, where Entra Connect exports
    them from.

    .EXAMPLE
    Set-PhotoSyncPolicy -Source cloud -AllowedRoles people-administrator
    Import-Csv .\photos.csv | Sync-UserPhoto

    The CSV style: photos managed in Microsoft 365 by People
    Administrators only (users cannot change their own), filled from
    the HR export.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    $policy = Set-PhotoSyncPolicy -AllowedRoles none -Force
    Write-Output "$($policy.Action): $($policy.Effect)"

    The runbook style: no one to answer a prompt, so -Force; the job's
    output says what changed.

    .INPUTS
    None. Set-PhotoSyncPolicy takes no pipeline input.

    .OUTPUTS
    PhotoSync.Policy

    .LINK
    Get-PhotoSyncPolicy

    .LINK
    about_PhotoSync
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High',
        HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#the-tenants-photo-policy')]
    [OutputType('PhotoSync.Policy')]
    param(
        [ValidateSet('cloud', 'onPremises', 'unset')]
        [string]$Source,

        [AllowEmptyCollection()]
        [string[]]$AllowedRoles,

        [switch]$Force,

        [PSTypeName('PhotoSync.Connection')]
        [psobject]$Connection
    )

    if ($Force -and -not $PSBoundParameters.ContainsKey('Confirm')) {
        $ConfirmPreference = 'None'
    }
    $hasRoles = $PSBoundParameters.ContainsKey('AllowedRoles')
    if (-not $Source -and -not $hasRoles) {
        $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message 'Set-PhotoSyncPolicy needs -Source or -AllowedRoles.' `
                    -Hint 'e.g. Set-PhotoSyncPolicy -Source onPremises, or -AllowedRoles none to let every user change their own photo.'))
    }
    if ($Source -eq 'unset' -and $hasRoles) {
        $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'config' -Message '-Source unset resets the whole policy, allowed roles included, so it takes no -AllowedRoles.' `
                    -Hint 'Reset first, then set roles with -Source cloud -AllowedRoles ...'))
    }
    $arguments = @('set')
    $asked = @()
    if ($Source) {
        # The core's spelling, whatever case ValidateSet let through.
        $Source = @('cloud', 'onPremises', 'unset') -eq $Source | Select-Object -First 1
        $arguments += @('--source', $Source)
        $asked += "source $Source"
    }
    if ($hasRoles) {
        $roles = @(foreach ($role in $AllowedRoles) { if ($role -and $role.Trim()) { $role.Trim() } })
        $rolesText = if ($roles.Count -eq 0) { 'none' } else { $roles -join ',' }
        $arguments += @('--allowed-roles', $rolesText)
        $asked += "allowed roles $rolesText"
    }
    $connection = Resolve-PhotoSyncConnection -Connection $Connection
    # -WhatIf is photosync's dry run, whose object says what would change (no "What if:" line).
    if ($WhatIfPreference) {
        return Invoke-PhotoSyncPolicy -Cmdlet $PSCmdlet -Connection $connection -ArgumentList ($arguments + '--dry-run')
    }
    if ($PSCmdlet.ShouldProcess("the tenant's photo policy", "Set $($asked -join ', ')")) {
        Invoke-PhotoSyncPolicy -Cmdlet $PSCmdlet -Connection $connection -ArgumentList $arguments
    }
}
