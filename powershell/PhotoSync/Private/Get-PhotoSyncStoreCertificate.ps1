# A certificate with its private key from the certificate store, by thumbprint: My of the current
# user, then of the machine (Windows: Cert:\CurrentUser\My, Cert:\LocalMachine\My; Linux: the
# .NET store under ~/.dotnet/corefx/cryptography/x509stores; macOS: the keychain). The key is used
# where it is and never exported. Returns @{ Certificate; Problem }.

function Get-PhotoSyncStoreCertificate([string]$Thumbprint) {
    $clean = ($Thumbprint -replace '[^0-9A-Fa-f]', '').ToUpperInvariant()
    if ($clean.Length -ne 40) {
        return @{ Certificate = $null; Problem = "'$Thumbprint' is not a certificate thumbprint (40 hexadecimal digits)" }
    }
    foreach ($location in 'CurrentUser', 'LocalMachine') {
        $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList 'My', $location
        try {
            $store.Open([System.Security.Cryptography.X509Certificates.OpenFlags]'ReadOnly, OpenExistingOnly')
            foreach ($certificate in $store.Certificates) {
                if ($certificate.Thumbprint -ne $clean) { continue }
                if (-not $certificate.HasPrivateKey) {
                    return @{ Certificate = $null; Problem = "the certificate $clean in $location\My has no private key there" }
                }
                return @{ Certificate = $certificate; Problem = $null }
            }
        }
        catch { $null = $_ }
        finally { $store.Close() }
    }
    return @{ Certificate = $null; Problem = "no certificate with thumbprint $clean in CurrentUser\My or LocalMachine\My" }
}
