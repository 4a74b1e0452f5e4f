# A PhotoSync.Connection: the settings of Connect-PhotoSync laid over the connection it extends.
# Settings add up (a cloud call, then an LDAP call), but a credential is one thing: naming a
# credential replaces the whole kept credential, and with it the client id, which belongs to the
# credential (an app's id, or a user-assigned identity's); a client id given in the same call
# stays. Secrets stay SecureStrings (a PSCredential for LDAP); the object shows none.

function New-PhotoSyncConnection($Base, [hashtable]$Settings, [string]$Credential) {
    $names = 'TenantId', 'ClientId', 'Credential', 'CertificatePath', 'CertificateThumbprint', 'AccessTokenExpiresOn',
    'Environment', 'GraphUrl', 'LoginUrl', 'SharePointUrl', 'LdapServer', 'LdapUser', 'LdapBaseDN', 'LdapCaFile',
    'ClientSecret', 'CertificatePassword', 'AccessToken', 'Certificate', 'LdapCredential'
    $values = [ordered]@{ PSTypeName = 'PhotoSync.Connection' }
    foreach ($name in $names) { $values[$name] = if ($Base) { $Base.$name } else { $null } }
    if ($Credential) {
        foreach ($name in 'ClientId', 'CertificatePath', 'CertificateThumbprint', 'AccessTokenExpiresOn', 'ClientSecret', 'CertificatePassword', 'AccessToken', 'Certificate') {
            $values[$name] = $null
        }
        $values['Credential'] = $Credential
    }
    foreach ($name in $Settings.Keys) { $values[$name] = $Settings[$name] }
    if ($values['LdapCredential']) { $values['LdapUser'] = $values['LdapCredential'].UserName }
    return [pscustomobject]$values
}
