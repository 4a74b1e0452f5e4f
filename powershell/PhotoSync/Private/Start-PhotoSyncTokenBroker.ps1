# A certificate from a certificate store signs for the core without its private key ever leaving
# the store (no temporary PFX): the module listens on 127.0.0.1 on a free port and answers the
# core as a managed identity endpoint does (App Service protocol: IDENTITY_ENDPOINT +
# IDENTITY_HEADER). For each token the core asks, the module signs a client assertion with the
# key where it is and redeems it at the identity platform, so tokens are renewed for runs of any
# length. Only the run's child knows the random header value; other local processes get 401.
# The broker is served on the pipeline thread (Step-PhotoSyncCore polls it), like every other
# read of the module.

function Start-PhotoSyncTokenBroker($Certificate, [string]$TenantId, [string]$ClientId, [string]$LoginUrl) {
    if (-not ('System.Net.Http.HttpClient' -as [type])) { Add-Type -AssemblyName System.Net.Http }
    $listener = New-Object -TypeName System.Net.Sockets.TcpListener -ArgumentList ([System.Net.IPAddress]::Loopback), 0
    $listener.Start()
    $secretBytes = New-Object -TypeName byte[] -ArgumentList 32
    $random = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    $random.GetBytes($secretBytes)
    $random.Dispose()
    $port = $listener.LocalEndpoint.Port
    return @{
        Listener    = $listener
        Accept      = $listener.AcceptTcpClientAsync()
        Endpoint    = "http://127.0.0.1:$port/msi/token"
        Secret      = ConvertTo-PhotoSyncBase64Url -Bytes $secretBytes
        Http        = New-Object -TypeName System.Net.Http.HttpClient
        TokenUrl    = $LoginUrl.TrimEnd('/') + '/' + [System.Uri]::EscapeDataString($TenantId) + '/oauth2/v2.0/token'
        Certificate = $Certificate
        ClientId    = $ClientId
        # resource -> @{ Body; ExpiresOn }: one token per resource until shortly before it expires.
        Tokens      = @{}
    }
}
