# The core's messages and hints name its command-line flags and PHOTOSYNC_* variables; in the
# module they name the cmdlet parameters that set them. Runs only for errors.

$script:PhotoSyncModuleWords = [ordered]@{
    'set PHOTOSYNC_'                   = 'give PHOTOSYNC_'
    'photosync auth test'              = 'Test-PhotoSyncConnection'
    'photosync sync'                   = 'Sync-UserPhoto'
    'photosync status'                 = 'Get-PhotoSyncStatus'
    'photosync policy show'            = 'Get-PhotoSyncPolicy'
    'photosync policy set'             = 'Set-PhotoSyncPolicy'
    'PHOTOSYNC_CLOUD'                  = 'Connect-PhotoSync -Environment'
    'PHOTOSYNC_AUTH=managed-identity'  = 'Connect-PhotoSync -ManagedIdentity'
    'PHOTOSYNC_TENANT_ID'              = 'Connect-PhotoSync -TenantId'
    'PHOTOSYNC_CLIENT_ID'              = 'Connect-PhotoSync -ClientId'
    'PHOTOSYNC_CLIENT_SECRET_FILE'     = 'Connect-PhotoSync -ClientSecret'
    'PHOTOSYNC_CLIENT_SECRET'          = 'Connect-PhotoSync -ClientSecret'
    'PHOTOSYNC_CERTIFICATE_PASSWORD'   = 'Connect-PhotoSync -CertificatePassword'
    'PHOTOSYNC_CERTIFICATE_PATH'       = 'Connect-PhotoSync -CertificatePath'
    'PHOTOSYNC_ACCESS_TOKEN_FILE'      = 'Connect-PhotoSync -AccessToken'
    'PHOTOSYNC_ACCESS_TOKEN'           = 'Connect-PhotoSync -AccessToken'
    'PHOTOSYNC_GRAPH_URL'              = 'Connect-PhotoSync -GraphUrl'
    'PHOTOSYNC_LOGIN_URL'              = 'Connect-PhotoSync -LoginUrl'
    'PHOTOSYNC_SHAREPOINT_URL'         = 'Connect-PhotoSync -SharePointUrl'
    'PHOTOSYNC_LDAP_URL'               = 'Connect-PhotoSync -LdapServer'
    'PHOTOSYNC_LDAP_BIND_DN'           = 'Connect-PhotoSync -LdapCredential'
    'PHOTOSYNC_LDAP_PASSWORD'          = 'Connect-PhotoSync -LdapCredential'
    'PHOTOSYNC_LDAP_BASE_DN'           = 'Connect-PhotoSync -LdapBaseDN'
    'PHOTOSYNC_LDAP_CA_FILE'           = 'Connect-PhotoSync -LdapCaFile'
    '--stores'                         = '-Store'
    '--targets'                        = '-Target'
    '--source'                         = '-Source'
    '--state'                          = '-State'
    '--recheck-after'                  = '-RecheckAfter'
    '--recheck'                        = '-Recheck'
    '--verify-window'                  = '-VerifyWindow'
    '--require-verified'               = '-RequireVerified'
    '--allow-cloud-only-match'         = '-AllowCloudOnlyMatch'
    '--shard'                          = '-Shard'
    '--only-missing'                   = '-OnlyMissing'
    '--default-photo'                  = '-DefaultPhoto'
    '--keep-outside-changes'           = '-KeepOutsideChanges'
    '--allowed-roles'                  = '-AllowedRoles'
    '--cloud'                          = 'Connect-PhotoSync -Environment'
    '--concurrency'                    = '-Concurrency'
    '--ad-filter'                      = '-LdapFilter'
    '--fail-on-drift'                  = '-FailOnDrift'
    '--dry-run'                        = '-WhatIf'
    '--force'                          = '-Overwrite'
    '--report'                         = '-ReportPath'
}

function ConvertTo-PhotoSyncModuleHint([string]$Text) {
    if (-not $Text -or ($Text.IndexOf('PHOTOSYNC_') -lt 0 -and $Text.IndexOf('--') -lt 0 -and $Text.IndexOf('photosync ') -lt 0)) { return $Text }
    foreach ($word in $script:PhotoSyncModuleWords.Keys) {
        $Text = $Text.Replace($word, $script:PhotoSyncModuleWords[$word])
    }
    return $Text
}
