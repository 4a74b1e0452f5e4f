# A client assertion (RFC 7523 JWT, RS256, x5t = the certificate's SHA-1 thumbprint) for the
# identity platform, signed with the certificate's private key where it is (CNG, CAPI or a
# keychain) through .NET: nothing is exported. The same claims as the core's own assertions
# (src/auth/certificate.rs): valid for 10 minutes.

function New-PhotoSyncClientAssertion($Certificate, [string]$Audience, [string]$ClientId) {
    $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $now = [System.DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $header = '{"alg":"RS256","typ":"JWT","x5t":"' + (ConvertTo-PhotoSyncBase64Url -Bytes $Certificate.GetCertHash()) + '"}'
    $claims = '{"aud":' + (ConvertTo-PhotoSyncJsonString -Text $Audience) + ',"iss":' + (ConvertTo-PhotoSyncJsonString -Text $ClientId) +
    ',"sub":' + (ConvertTo-PhotoSyncJsonString -Text $ClientId) + ',"jti":"' + [guid]::NewGuid().ToString() + '","nbf":' + ($now - 60) +
    ',"iat":' + $now + ',"exp":' + ($now + 600) + '}'
    $signed = (ConvertTo-PhotoSyncBase64Url -Bytes $utf8.GetBytes($header)) + '.' + (ConvertTo-PhotoSyncBase64Url -Bytes $utf8.GetBytes($claims))
    $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($Certificate)
    $signature = $key.SignData($utf8.GetBytes($signed), [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    return $signed + '.' + (ConvertTo-PhotoSyncBase64Url -Bytes $signature)
}
