function Test-PhotoSyncConnection {
    <#
    .SYNOPSIS
    Signs in with the connection and reports, per command, whether the
    token carries the permissions it needs.

    .DESCRIPTION
    Permissions: none beyond the credential's own. Runs photosync's
    `auth test`: gets a token for Microsoft Graph (and for each SharePoint
    host when -SharePointUrl is set), reads the roles it carries, and
    tells for each command (status and sync against graph and
    sharepoint) whether they suffice: ok, missing-roles, no-token or
    not-configured. Nothing is read or written in the stores.

    Writes one PhotoSync.ConnectionTest: Ok (all tokens came), Credential,
    Tokens (resource, obtained, seconds left, roles, error) and Commands
    (verdict and missing roles per command). A token that cannot be had
    is also a non-terminating error (PhotoSync.auth-failed or
    PhotoSync.credential-not-supported) with the next step; -Quiet
    writes only $true or $false. No credential at all is a terminating
    error (PhotoSync.config).

    .PARAMETER Connection
    The connection to test (Connect-PhotoSync -PassThru); by default the
    session's.

    .PARAMETER Quiet
    Write only $true (every token came) or $false, and no errors.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com `
        -ClientId $appId -CertificateThumbprint $thumbprint
    Test-PhotoSyncConnection | Select-Object -ExpandProperty Commands
    Get-ADUser -Filter * -Properties thumbnailPhoto | Sync-UserPhoto -WhatIf

    The Get-ADUser style: check the app's roles before the first sync.

    .EXAMPLE
    if (Test-PhotoSyncConnection -Quiet) {
        Import-Csv .\photos.csv | Sync-UserPhoto
    }

    The CSV style: sync only when signing in works.

    .EXAMPLE
    Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ManagedIdentity
    $test = Test-PhotoSyncConnection -ErrorAction Stop
    foreach ($command in $test.Commands | Where-Object Verdict -ne 'ok') {
        Write-Warning "$($command.Command): $($command.Verdict)"
    }

    The runbook style: fail the job early when the managed identity
    cannot sign in, and say which commands lack roles.

    .INPUTS
    None. Test-PhotoSyncConnection takes no pipeline input.

    .OUTPUTS
    PhotoSync.ConnectionTest, or System.Boolean with -Quiet.

    .LINK
    Connect-PhotoSync
    #>
    [CmdletBinding(HelpUri = 'https://github.com/photosync/photosync/blob/main/docs/powershell.md#connecting')]
    [OutputType('PhotoSync.ConnectionTest', [bool])]
    param(
        [PSTypeName('PhotoSync.Connection')]
        [psobject]$Connection,

        [switch]$Quiet
    )

    $connection = Resolve-PhotoSyncConnection -Connection $Connection
    $report = Invoke-PhotoSyncReport -Cmdlet $PSCmdlet -Connection $connection -ArgumentList @('auth', 'test')
    if ($report.type -eq 'error') {
        if ($Quiet) { return $false }
        $PSCmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code $report.code -Message $report.message -Hint $report.hint))
    }

    $credential = [string]$report.credential.kind
    if ($connection -and $connection.Credential -eq 'Certificate') { $credential = "certificate $($connection.CertificateThumbprint) (key in the store)" }
    elseif ($connection -and $connection.Credential -eq 'AccessToken' -and $connection.AccessTokenExpiresOn) { $credential = 'token, expires {0:u}' -f $connection.AccessTokenExpiresOn }
    $tokens = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $ok = $true
    foreach ($token in $report.tokens) {
        if (-not $token.obtained) { $ok = $false }
        $tokens.Add([pscustomobject]@{
                PSTypeName       = 'PhotoSync.TokenTest'
                Resource         = $token.resource
                Audience         = $token.audienceRequested
                Obtained         = [bool]$token.obtained
                ExpiresInSeconds = $token.expiresInSeconds
                Roles            = @($token.roles)
                ErrorCode        = if ($token.error) { $token.error.code } else { $null }
                ErrorMessage     = if ($token.error) { $token.error.message } else { $null }
            })
        if ($token.error -and -not $Quiet) {
            $PSCmdlet.WriteError((New-PhotoSyncErrorRecord -Code $token.error.code -Message $token.error.message -Hint $token.error.hint `
                        -TargetObject $connection -UserLabel "$($token.resource) token"))
        }
    }
    if ($Quiet) { return $ok }
    $commands = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($command in $report.commands) {
        $missing = @(foreach ($need in $command.needs) { if (-not $need.met) { '{0} (one of {1})' -f $need.need, (@($need.anyOf) -join ', ') } })
        $commands.Add([pscustomobject]@{
                PSTypeName = 'PhotoSync.CommandTest'
                Command    = $command.command
                Resource   = $command.resource
                Verdict    = $command.verdict
                Missing    = $missing -join '; '
            })
    }
    [pscustomobject]@{
        PSTypeName = 'PhotoSync.ConnectionTest'
        Ok         = $ok
        Credential = $credential
        TenantId   = $report.credential.tenantId
        ClientId   = $report.credential.clientId
        Tokens     = New-PhotoSyncList -Items $tokens
        Commands   = New-PhotoSyncList -Items $commands
    }
}
