# The text of a SecureString, for the child's environment only. PSCredential unwraps it the same
# way on Windows PowerShell 5.1 and 7.x.

function ConvertFrom-PhotoSyncSecureString([System.Security.SecureString]$SecureString) {
    $credential = New-Object -TypeName System.Management.Automation.PSCredential -ArgumentList 'photosync', $SecureString
    return $credential.GetNetworkCredential().Password
}
